// A minimal Halo Integrator API client, shaped like the public third-party clients the replay suite
// reproduces: every call is POST /integrator/sites/{siteId}/queries/immediate with a Command whose
// parameter values are strings (or null), rows come back as base64 JSON in result.data.
import type { SqlDbType } from '@conduit/protocol';

export interface HaloParam {
  name: string;
  value: string | null;
  direction: 'input' | 'output' | 'inputOutput' | 'returnValue';
  type: SqlDbType;
}

/** One input parameter as those clients write it: {name, value, direction: 'input', type}. */
export const input = (name: string, type: SqlDbType, value: string | null): HaloParam => ({ name, value, direction: 'input', type });

export interface HaloReply {
  status: number;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CallOptions {
  mode?: 'reader' | 'nonQuery' | 'scalar';
  type?: 'text' | 'storedProcedure';
}

export class HaloClient {
  constructor(readonly baseUrl: string, private readonly apiKey: string, readonly siteId: string) {}

  async call(text: string, parameters: HaloParam[] = [], opts: CallOptions = {}): Promise<HaloReply> {
    const command = { text, parameters, executionMode: opts.mode ?? 'reader', type: opts.type ?? 'text' };
    const res = await fetch(`${this.baseUrl.replace(/\/$/, '')}/integrator/sites/${this.siteId}/queries/immediate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'ocp-apim-subscription-key': this.apiKey },
      body: JSON.stringify({ command }),
    });
    const raw = await res.text();
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, text: raw, body };
  }

  /** A stored procedure called with type 'storedProcedure', as the Halo clients call them. */
  proc(name: string, parameters: HaloParam[] = [], mode: CallOptions['mode'] = 'reader'): Promise<HaloReply> {
    return this.call(name, parameters, { mode, type: 'storedProcedure' });
  }
}

/** Fails with the query's own error text unless it succeeded. */
export function ok(reply: HaloReply): HaloReply {
  if (reply.status !== 200 || reply.body?.status !== 'successful') {
    const why = reply.body?.errorDetails ? JSON.stringify(reply.body.errorDetails) : reply.body?.error ? JSON.stringify(reply.body.error) : reply.text.slice(0, 600);
    throw new Error(`query failed: HTTP ${reply.status} ${why}`);
  }
  return reply;
}

/** The rows of a successful reader query (base64 JSON array of row objects). */
export function rowsOf(reply: HaloReply): Record<string, unknown>[] {
  ok(reply);
  const data = reply.body.result?.data;
  if (typeof data !== 'string') throw new Error(`no result data in ${reply.text.slice(0, 300)}`);
  return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as Record<string, unknown>[];
}

/** The SQL Server error of a failed query: Halo answers 400 with status executionFailed and errorDetails. */
export function sqlErrorOf(reply: HaloReply): { errorType: string; errorCode: number; errorMessage: string } {
  if (reply.status !== 400 || reply.body?.status !== 'executionFailed' || !reply.body.errorDetails) {
    const data = typeof reply.body?.result?.data === 'string' ? Buffer.from(reply.body.result.data, 'base64').toString('utf8').slice(0, 300) : undefined;
    const got = reply.body?.status === 'successful' ? `a successful query (rowsAffected ${reply.body.result?.rowsAffected ?? '-'}, data ${data ?? '-'})` : reply.text.slice(0, 600);
    throw new Error(`expected a failed query with errorDetails, got HTTP ${reply.status}: ${got}`);
  }
  return reply.body.errorDetails;
}
