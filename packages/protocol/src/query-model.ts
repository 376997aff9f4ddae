// The query model shared by Cloud and Link: the Halo Integrator API command shape and its enums.
import { z } from 'zod';

export const SQL_DB_TYPES = [
  'BigInt', 'Binary', 'Bit', 'Char', 'String', 'Date', 'DateTime', 'DateTime2', 'DateTimeOffset', 'Decimal',
  'Float', 'Image', 'Int', 'Money', 'NChar', 'NText', 'NVarChar', 'Real', 'SmallDateTime', 'SmallInt',
  'SmallMoney', 'Structured', 'Text', 'Time', 'Timestamp', 'TinyInt', 'Udt', 'UniqueIdentifier', 'VarBinary',
  'VarChar', 'Variant', 'Xml',
] as const;
export type SqlDbType = (typeof SQL_DB_TYPES)[number];

export const EXECUTION_MODES = ['reader', 'nonQuery', 'scalar'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];
export const COMMAND_TYPES = ['text', 'storedProcedure'] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];
export const DIRECTIONS = ['input', 'output', 'inputOutput', 'returnValue'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const parameterSchema = z.strictObject({
  name: z.string().min(1).max(128),
  direction: z.enum(DIRECTIONS).default('input'),
  type: z.enum(SQL_DB_TYPES),
  value: z.string().nullable().optional(),
  /** SqlParameter.Size: -1 is MAX. */
  size: z.number().int().min(-1).optional(),
});
export type Parameter = z.infer<typeof parameterSchema>;

export const commandSchema = z.strictObject({
  text: z.string().min(1),
  executionMode: z.enum(EXECUTION_MODES).default('reader'),
  type: z.enum(COMMAND_TYPES).default('text'),
  parameters: z.array(parameterSchema).max(2100).default([]),
});
export type Command = z.infer<typeof commandSchema>;

export const ERROR_TYPES = ['http', 'mssql', 'fbsql', 'haloLink'] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];
export interface ErrorDetails {
  errorType: ErrorType;
  errorCode: number;
  errorMessage: string;
}
export const errorDetailsSchema = z.object({
  errorType: z.enum(ERROR_TYPES),
  errorCode: z.number().int(),
  errorMessage: z.string(),
});

/** A parameter as it comes back to the integrator: values are strings (or null), as in the Halo API. */
export interface ResultParameter {
  name: string;
  direction: Direction;
  type: SqlDbType;
  value: string | null;
  size?: number;
}

export type QueryMode = 'immediate' | 'async' | 'registered';
