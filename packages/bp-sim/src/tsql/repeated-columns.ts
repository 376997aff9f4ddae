// Result sets whose column names repeat (SELECT 1, 2: both columns are unnamed, select-names.ts). A row
// object keyed by name keeps the last value of a repeated name, as the Link's SQL Server driver
// (tedious, row[colName] = value) does, so the Halo result matches. The first column's value, which a
// scalar call (ExecuteScalar) returns, is then lost from the object: such rows carry it under
// FIRST_VALUE. Only these statements are read as arrays; every other one is read by better-sqlite3 as
// objects directly.
import type Database from 'better-sqlite3';
import { FIRST_VALUE } from '../types.js';

export const hasRepeatedNames = (columns: readonly string[]): boolean => new Set(columns).size !== columns.length;

/** One raw row as an object: later columns of a repeated name win; FIRST_VALUE (not enumerable) holds column 0. */
export function keyedRow(values: unknown[], columns: readonly string[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  columns.forEach((c, i) => { row[c] = values[i]; });
  return Object.defineProperty(row, FIRST_VALUE, { value: values[0] });
}

/** Puts a statement whose columns repeat a name into array mode (a statement's mode follows its SQL text, so this is stable in the cache). */
export function readAsArrays(stmt: Database.Statement, columns: readonly string[]): boolean {
  if (!hasRepeatedNames(columns)) return false;
  stmt.raw(true);
  return true;
}
