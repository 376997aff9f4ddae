// The execution contract shared with the Link's sqlite driver (see README of the package).

export type SimParamDirection = 'input' | 'output' | 'inputOutput' | 'returnValue';

export interface SimParam {
  name: string;
  direction: SimParamDirection;
  /** Already-typed JS value: number | bigint | string | boolean | Buffer | null; dates as 'YYYY-MM-DD' or ISO strings. */
  value: unknown;
  /** Halo SqlDbType name, e.g. 'Int', 'Date', 'VarChar'. */
  sqlType?: string;
}

export interface SimBatch {
  text: string;
  type: 'text' | 'storedProcedure';
  params: SimParam[];
}

export interface SimOutcome {
  /** Columns of the first result set; null when the batch produced none. */
  columns: string[] | null;
  /** First result set. Lazy (statement iterator) when the batch is a single SELECT. */
  rows: Iterable<Record<string, unknown>>;
  /** Rows changed by DML and write procedures; -1 when none ran (ADO.NET convention). */
  rowsAffected: number;
  /** RETURN value of a procedure call (storedProcedure batches, or the last EXEC in a text batch). */
  returnValue: number | null;
  /** Final values of output / inputOutput parameters, keyed by the name as given. */
  output: Record<string, unknown>;
}

/**
 * A row of a result set whose column names repeat (several unnamed columns) keeps the last value of
 * each name, as a driver keyed by name does; the first column's value, which a scalar call returns,
 * is under this key (tsql/repeated-columns.ts).
 */
export const FIRST_VALUE: unique symbol = Symbol('bp-sim first column value');
