// What the booking server writes to its log about an error: its kind and numbers, never its message.
// Messages from the practice database (through Conduit or the Connector) quote values — SQL Server's
// duplicate-key, truncation and conversion errors name the row's data — and a JSON SyntaxError quotes
// its input; none of that may reach a log. Where the error was thrown is enough to find a bug.
import { ConduitApiError } from '@conduit/sdk';
import { ConnectorError } from './pms/connector-hub.js';

/** The first stack frame, as `file:line` (no arguments, no message). */
function thrownAt(e: Error): string | undefined {
  const frame = e.stack?.split('\n').find((l) => /^\s+at /.test(l));
  const m = frame && /\(?((?:file:\/\/)?[^\s()]+:\d+):\d+\)?\s*$/.exec(frame);
  return m?.[1]?.replace(/^.*\/packages\//, 'packages/');
}

export function errorSummary(e: unknown): string {
  if (e instanceof ConduitApiError) {
    const d = e.errorDetails;
    return `ConduitApiError ${e.kind} (HTTP ${e.status}${e.reason ? `, ${e.reason}` : ''}${d ? `, ${d.errorType} ${d.errorCode}` : ''}${e.path ? `, ${e.method ?? ''} ${e.path.split('?')[0]}` : ''})`;
  }
  if (e instanceof ConnectorError) return `ConnectorError ${e.kind}${e.number !== undefined ? ` (database error ${e.number})` : ''}`;
  if (e instanceof Error) {
    const at = thrownAt(e);
    return `${e.name}${at ? ` at ${at}` : ''}`;
  }
  return `a thrown ${typeof e}`;
}
