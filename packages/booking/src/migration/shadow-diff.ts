// What a shadow difference records: where the Connector's and Conduit's answers differ, never the
// values themselves. Answers hold patient ids, names of staff and appointment times; the record says
// which rows and fields differ and carries a short fingerprint of each answer, so an operator can
// tell a difference that recurs from a new one without patient data being kept in the product's store.
import { createHash } from 'node:crypto';
import { ConduitApiError } from '@conduit/sdk';
import { ConnectorError } from '../pms/connector-hub.js';

/** The first 12 hex digits of the SHA-256 of an answer's JSON. */
export const fingerprint = (v: unknown): string => createHash('sha256').update(JSON.stringify(v) ?? 'undefined').digest('hex').slice(0, 12);

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v);

/** The names of the fields whose values differ between two rows (fields in only one row count too). */
function differingFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return names.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

const isRow = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A one-line description of how two answers differ, e.g.
 * "Connector 12 rows, Conduit 11 rows; first difference at row 4 (fields: time, length); fingerprints 1a2b… / 3c4d…".
 */
export function describeDifference(connector: unknown, conduit: unknown): string {
  const prints = `fingerprints ${fingerprint(connector)} / ${fingerprint(conduit)}`;
  if (Array.isArray(connector) && Array.isArray(conduit)) {
    const rows = (n: number): string => `${n} ${n === 1 ? 'row' : 'rows'}`;
    const sizes = `Connector ${rows(connector.length)}, Conduit ${rows(conduit.length)}`;
    const n = Math.min(connector.length, conduit.length);
    for (let i = 0; i < n; i++) {
      const a: unknown = connector[i];
      const b: unknown = conduit[i];
      if (JSON.stringify(a) === JSON.stringify(b)) continue;
      const where = isRow(a) && isRow(b) ? ` (fields: ${differingFields(a, b).join(', ')})` : '';
      return `${sizes}; first difference at row ${i + 1}${where}; ${prints}`;
    }
    return `${sizes}; ${n === 0 ? 'one side is empty' : `the first ${rows(n)} agree`}; ${prints}`;
  }
  if (isRow(connector) && isRow(conduit)) return `fields differ: ${differingFields(connector, conduit).join(', ')}; ${prints}`;
  if (kind(connector) === kind(conduit)) return `the ${kind(connector)} values differ; ${prints}`;
  return `Connector answered a ${kind(connector)}, Conduit a ${kind(conduit)}; ${prints}`;
}

/**
 * A failed read, by its kind and error number only: database error messages can quote the values
 * they refused (SQL Server's conversion errors do), so the message text is not kept.
 */
export function describeFailure(e: unknown): string {
  if (e instanceof ConduitApiError) {
    const code = e.errorDetails?.errorCode;
    return `${e.kind}${e.status ? ` (HTTP ${e.status})` : ''}${code !== undefined && code !== null ? `, error ${String(code)}` : ''}`;
  }
  if (e instanceof ConnectorError) return `${e.kind}${e.number !== undefined ? `, error ${e.number}` : ''}`;
  return e instanceof Error ? e.name : 'unknown error';
}
