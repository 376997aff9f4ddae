// Shared shapes for the simulated BP_* stored procedures.
import type Database from 'better-sqlite3';
import { columnsOf } from '../cache.js';

export type ParamType = 'int' | 'smallint' | 'tinyint' | 'varchar' | 'date' | 'datetime' | 'bit' | 'money';

export interface ProcParam { name: string; type: ParamType; required?: boolean }

/** Converted argument values keyed by lower-case parameter name (no '@'); `supplied` lists those the caller passed. */
export interface ProcArgs { values: Record<string, unknown>; supplied: Set<string> }

export interface ProcResult {
  columns?: string[];
  rows?: Record<string, unknown>[];
  returnValue: number;
  rowsAffected?: number;
}

export interface ProcDef {
  name: string;
  params: ProcParam[];
  /** Write procedures run inside BEGIN IMMEDIATE so check-then-write cannot race. */
  write?: boolean;
  run(db: Database.Database, args: ProcArgs): ProcResult;
}

/** Builds a parameter list from a compact `name:type` string; a trailing '!' marks a required parameter. */
export function params(spec: string): ProcParam[] {
  if (spec.trim() === '') return [];
  return spec.split(',').map((p) => {
    const [rawName = '', type = 'varchar'] = p.trim().split(':');
    const required = type.endsWith('!');
    return { name: rawName, type: type.replace('!', '') as ParamType, required };
  });
}

/** Rows with their column list (better-sqlite3 knows the columns even for an empty result). */
export function resultSet(stmt: Database.Statement, ...bind: unknown[]): { columns: string[]; rows: Record<string, unknown>[] } {
  return { columns: columnsOf(stmt), rows: stmt.all(...bind) as Record<string, unknown>[] };
}
