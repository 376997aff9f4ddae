// The Integrator API client: one method per endpoint, plus runAsync (submit, wait, read rows lazily).
import { ConduitApiError, errorFromQuery } from './errors.js';
import { Transport, type CallOptions, type TransportOptions } from './transport.js';
import { decodeData, decodeRows, parseJsonArrayStream, type RowMapper } from './rows.js';
import { sleep } from './retry.js';
import type { WebhookWaiter } from './webhooks.js';
import {
  isFinalStatus,
  type AsyncQuery, type Command, type PagedResult, type PracticeManagementName, type Query, type QueryStatusBatchResult,
  type RegisteredQuery, type RegisteredQueryRequest, type RegisteredQueryResultBody, type ResultPageBody, type ResultParameter,
  type Site, type SuccessfulImmediateQuery, type SuccessfulQuery,
} from './types.js';

export type ConduitClientOptions = TransportOptions;

/** A command, or just its SQL text (a `reader` command of `type: text` with no parameters). */
export type CommandInput = Command | string;

export interface PracticeRef {
  /** The PMS's own site id (Bp Site ID). */
  practiceManagementSiteId: string;
  /** Default `Best Practice`. */
  practiceManagementName?: PracticeManagementName;
}

export interface PairSiteRequest extends PracticeRef {
  /** The code the practice generated (required for Best Practice). Case and hyphen do not matter. */
  pairingCode?: string;
}

export interface QueryOptions extends CallOptions {
  /** Milliseconds the query may wait at the site before starting. */
  maxTimeInQueue?: number;
  catalogue?: string;
}

export interface ImmediateOptions<T> extends QueryOptions {
  map?: RowMapper<T>;
}

export interface ImmediateResult<T> {
  /** The 200 answer as sent (its `result.data` still base64). */
  query: SuccessfulImmediateQuery;
  /** Decoded rows (`reader`); empty for `nonQuery` and `scalar`. */
  rows: T[];
  /** The value of a `scalar` command. */
  value?: unknown;
  /** Rows affected by a `nonQuery` command. */
  rowsAffected?: number;
  /** `output`, `inputOutput` and `returnValue` parameters. */
  parameters: ResultParameter[];
}

export interface ResultPage<T> {
  pageNumber: number;
  /** Decoded rows of this page; empty for a nonQuery's page 1. */
  rows: T[];
  parameters: ResultParameter[];
  /** From the `Size`, `Rows-Count`, `Rows-Range-Start`, `Rows-Range-End` headers when sent. */
  size?: number;
  rowsCount?: number;
  rowsRangeStart?: number;
  rowsRangeEnd?: number;
  /** The base64 data as sent. */
  data?: string;
}

export interface ResultStream {
  pageNumber: number;
  size?: number;
  rowsCount?: number;
  rowsRangeStart?: number;
  rowsRangeEnd?: number;
  /** The page's JSON array, unbuffered. Read it or `rows()` once, not both. */
  body: ReadableStream<Uint8Array>;
  /** Parses `body` element by element. */
  rows<T = Record<string, unknown>>(map?: RowMapper<T>): AsyncGenerator<T>;
}

export interface RegisteredQueryInput {
  name: string;
  /** Seconds between runs. */
  frequency: number;
  /** Seconds the query keeps running (up to 86400). */
  duration: number;
  command: CommandInput;
}

export interface RegisteredResult<T> {
  rows: T[];
  /** Row count as reported by the server. */
  rowCount: number;
  size: number;
  parameters: ResultParameter[];
  data: string;
}

/** How to wait for an async query to finish. */
export interface WaitOptions {
  /** Aborts the wait (kind `aborted`). */
  signal?: AbortSignal;
  /**
   * Wake up on the query's webhook instead of polling: a WebhookWaiter fed by your receiver, or a
   * function returning a promise that settles when the notification for `queryId` has arrived. The SDK
   * still reads the query once woken (the webhook only says it finished), and keeps polling slowly as
   * a safety net in case a notification is lost.
   */
  webhook?: WebhookWaiter | ((queryId: string, signal: AbortSignal) => Promise<unknown>);
  /** First polling interval (default 500 ms); grows ×1.5 with jitter up to `maxPollIntervalMs`. */
  pollIntervalMs?: number;
  /** Default 10 s. */
  maxPollIntervalMs?: number;
  /** Polling interval while a webhook is awaited. Default 30 s. */
  webhookFallbackPollMs?: number;
  /** Give up waiting after this long (kind `timeout`; the query is not cancelled). Default: no limit. */
  waitTimeoutMs?: number;
}

export interface RunAsyncOptions<T> extends QueryOptions, WaitOptions {
  map?: RowMapper<T>;
  /** Read pages through `…/results/{n}/stream`, row by row, instead of whole base64 pages. */
  stream?: boolean;
}

const PENDING_STATES = new Set(['initialising', 'queued', 'executing', 'uploading']);

const toCommand = (c: CommandInput): Command => (typeof c === 'string' ? { text: c } : c);
const seg = (s: string): string => encodeURIComponent(s);
const num = (h: Headers, name: string): number | undefined => {
  const v = h.get(name);
  return v !== null && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
};

export class ConduitClient {
  private readonly http: Transport;

  constructor(opts: ConduitClientOptions) {
    this.http = new Transport(opts);
  }

  private static pick(o: CallOptions | undefined): CallOptions {
    return { signal: o?.signal, timeoutMs: o?.timeoutMs, retry: o?.retry };
  }

  // ---- sites and pairing ----

  /** `GET /integrator/sites`: the paired, enabled sites of a practice (usually one: its authoritative Link). */
  async listSites(practice: PracticeRef, opts?: CallOptions): Promise<Site[]> {
    const r = await this.http.json<{ sites: Site[] }>({
      method: 'GET', path: '/integrator/sites', safe: true, ...ConduitClient.pick(opts),
      query: { practiceManagementSiteId: practice.practiceManagementSiteId, practiceManagementName: practice.practiceManagementName ?? 'Best Practice' },
    });
    return r.body.sites;
  }

  /** `GET /integrator/sites/{siteId}`. */
  async getSite(siteId: string, opts?: CallOptions): Promise<Site> {
    return (await this.http.json<Site>({ method: 'GET', path: `/integrator/sites/${seg(siteId)}`, safe: true, ...ConduitClient.pick(opts) })).body;
  }

  /**
   * `POST /integrator/pair-site`. Not retried except on 429/refusals: a code is single-use. A wrong,
   * expired or used code throws kind `forbidden`, reason `badPairingCode`; too many failures throw
   * `rateLimited` with `retryAfterMs`.
   */
  async pairSite(req: PairSiteRequest, opts?: CallOptions): Promise<Site> {
    const r = await this.http.json<Site>({
      method: 'POST', path: '/integrator/pair-site', safe: false, ...ConduitClient.pick(opts),
      query: { practiceManagementSiteId: req.practiceManagementSiteId, practiceManagementName: req.practiceManagementName ?? 'Best Practice', pairingCode: req.pairingCode },
    });
    return r.body;
  }

  // ---- immediate queries ----

  /**
   * `POST /integrator/sites/{siteId}/queries/immediate`, rows decoded. Immediate queries are not
   * idempotent (a `nonQuery` may have written): they are retried only on 429 and on a 503 that says
   * the site could not be contacted (refused before running), never after a timeout or a dropped
   * connection. A query that ran and failed throws with `errorDetails`.
   */
  async immediate<T = Record<string, unknown>>(siteId: string, command: CommandInput, opts?: ImmediateOptions<T>): Promise<ImmediateResult<T>> {
    const cmd = toCommand(command);
    const r = await this.http.json<SuccessfulImmediateQuery>({
      method: 'POST', path: `/integrator/sites/${seg(siteId)}/queries/immediate`, safe: false, ...ConduitClient.pick(opts),
      body: { command: cmd, ...(opts?.maxTimeInQueue !== undefined ? { maxTimeInQueue: opts.maxTimeInQueue } : {}), ...(opts?.catalogue ? { catalogue: opts.catalogue } : {}) },
    });
    const q = r.body;
    const decoded = decodeData(q.result?.data);
    const mode = cmd.executionMode ?? 'reader';
    const rows = mode === 'reader' && Array.isArray(decoded) ? (opts?.map ? decoded.map(opts.map) : (decoded as T[])) : [];
    return {
      query: q,
      rows,
      ...(mode === 'scalar' ? { value: decoded } : {}),
      ...(q.result?.rowsAffected !== undefined ? { rowsAffected: q.result.rowsAffected } : {}),
      parameters: q.result?.parameters ?? [],
    };
  }

  // ---- query status ----

  /** `GET /integrator/sites/{siteId}/queries/{queryId}`: any query's status and timings. */
  async getQuery(siteId: string, queryId: string, opts?: CallOptions): Promise<Query> {
    return (await this.http.json<Query>({ method: 'GET', path: `/integrator/sites/${seg(siteId)}/queries/${seg(queryId)}`, safe: true, ...ConduitClient.pick(opts) })).body;
  }

  /** `POST /integrator/sites/{siteId}/queries/status`: up to 100 queries at once (read-only, so retried). */
  async queryStatus(siteId: string, queryIds: string[], opts?: CallOptions): Promise<QueryStatusBatchResult[]> {
    const r = await this.http.json<{ results: QueryStatusBatchResult[] }>({
      method: 'POST', path: `/integrator/sites/${seg(siteId)}/queries/status`, safe: true, body: { queryIds }, ...ConduitClient.pick(opts),
    });
    return r.body.results;
  }

  // ---- async queries ----

  /**
   * `POST /integrator/sites/{siteId}/queries/async` (201). Retried only when refused before it was
   * queued (429, 503 site not contacted), so a query is never submitted twice.
   */
  async submitAsync(siteId: string, command: CommandInput, opts?: QueryOptions): Promise<AsyncQuery> {
    const r = await this.http.json<AsyncQuery>({
      method: 'POST', path: `/integrator/sites/${seg(siteId)}/queries/async`, safe: false, ...ConduitClient.pick(opts),
      body: { command: toCommand(command), ...(opts?.maxTimeInQueue !== undefined ? { maxTimeInQueue: opts.maxTimeInQueue } : {}), ...(opts?.catalogue ? { catalogue: opts.catalogue } : {}) },
    });
    return r.body;
  }

  /** `GET …/queries/{queryId}/results/{pageNumber}`: one page, rows decoded. */
  async getResultPage<T = Record<string, unknown>>(siteId: string, queryId: string, pageNumber: number, opts?: CallOptions & { map?: RowMapper<T> }): Promise<ResultPage<T>> {
    const r = await this.http.json<ResultPageBody>({
      method: 'GET', path: `/integrator/sites/${seg(siteId)}/queries/${seg(queryId)}/results/${pageNumber}`, safe: true, ...ConduitClient.pick(opts),
    });
    return {
      pageNumber,
      rows: decodeRows<T>(r.body.data, opts?.map),
      parameters: r.body.parameters ?? [],
      size: num(r.headers, 'size'), rowsCount: num(r.headers, 'rows-count'),
      rowsRangeStart: num(r.headers, 'rows-range-start'), rowsRangeEnd: num(r.headers, 'rows-range-end'),
      data: r.body.data,
    };
  }

  /** `GET …/results/{pageNumber}/stream`: the page's JSON array as a stream (retried until the headers arrive). */
  async streamResultPage(siteId: string, queryId: string, pageNumber: number, opts?: CallOptions): Promise<ResultStream> {
    const res = await this.http.raw({
      method: 'GET', path: `/integrator/sites/${seg(siteId)}/queries/${seg(queryId)}/results/${pageNumber}/stream`, safe: true, ...ConduitClient.pick(opts),
    });
    const body = res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    return {
      pageNumber,
      size: num(res.headers, 'size'), rowsCount: num(res.headers, 'rows-count'),
      rowsRangeStart: num(res.headers, 'rows-range-start'), rowsRangeEnd: num(res.headers, 'rows-range-end'),
      body,
      async *rows<T>(map?: RowMapper<T>): AsyncGenerator<T> {
        for await (const row of parseJsonArrayStream(body as unknown as AsyncIterable<Uint8Array>)) yield map ? map(row) : (row as T);
      },
    };
  }

  /**
   * Waits until an async query reaches a final status and returns it (whatever that status is):
   * by webhook if one is given, else by polling with backoff. See WaitOptions.
   */
  async waitForQuery(siteId: string, queryId: string, opts: WaitOptions & CallOptions = {}): Promise<Query> {
    const started = Date.now();
    const deadline = opts.waitTimeoutMs !== undefined ? started + opts.waitTimeoutMs : Infinity;
    const first = opts.pollIntervalMs ?? 500;
    const maxInterval = opts.maxPollIntervalMs ?? 10_000;
    const fallback = opts.webhookFallbackPollMs ?? 30_000;
    const stop = new AbortController(); // ends the webhook wait when we return
    const onAbort = (): void => stop.abort(opts.signal!.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let hookFired = false;
    let hook: Promise<void> | undefined;
    if (opts.webhook) {
      const w = opts.webhook;
      const p = typeof w === 'function' ? w(queryId, stop.signal) : w.wait(queryId, stop.signal);
      hook = Promise.resolve(p).then(() => {
        hookFired = true;
      }, () => {
        hookFired = true; // a failed webhook wait falls back to polling
      });
    }
    let interval = first;
    const timeoutError = (): ConduitApiError => new ConduitApiError({ kind: 'timeout', status: 0, message: `query ${queryId} did not finish within ${opts.waitTimeoutMs} ms`, method: 'GET', path: `/integrator/sites/${siteId}/queries/${queryId}` });
    try {
      while (true) {
        const q = await this.getQuery(siteId, queryId, { ...ConduitClient.pick(opts), signal: opts.signal });
        if (isFinalStatus(q.status) || !PENDING_STATES.has(q.status)) return q;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw timeoutError();
        const waitingForHook = hook !== undefined && !hookFired;
        const base = waitingForHook ? fallback : interval;
        const delay = Math.min(remaining, Math.round(base * (0.75 + Math.random() * 0.5)));
        const tick = new AbortController();
        const sleeping = sleep(delay, AbortSignal.any([tick.signal, ...(opts.signal ? [opts.signal] : [])])).catch((e: unknown) => {
          if (opts.signal?.aborted) throw e;
        });
        try {
          await (waitingForHook ? Promise.race([sleeping, hook]) : sleeping);
        } catch {
          throw new ConduitApiError({ kind: 'aborted', status: 0, message: `waiting for query ${queryId}: aborted by the caller`, method: 'GET', path: `/integrator/sites/${siteId}/queries/${queryId}` });
        } finally {
          tick.abort();
        }
        if (!waitingForHook) interval = Math.min(maxInterval, interval * 1.5);
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      stop.abort();
    }
  }

  /**
   * Submits an async query, waits for it (webhook or polling), and returns a handle whose rows are
   * read lazily, page by page, as you iterate: `for await (const row of run) …`. Throws a
   * ConduitApiError if the query ends without success (kind `queryFailed`, `siteOffline` or
   * `timeout`, with `query` and `errorDetails`).
   */
  async runAsync<T = Record<string, unknown>>(siteId: string, command: CommandInput, opts: RunAsyncOptions<T> = {}): Promise<AsyncRun<T>> {
    const submitted = await this.submitAsync(siteId, command, opts);
    return this.openAsync<T>(siteId, submitted.id, opts);
  }

  /** Like runAsync for a query submitted earlier (e.g. one a webhook told you about). */
  async openAsync<T = Record<string, unknown>>(siteId: string, queryId: string, opts: Omit<RunAsyncOptions<T>, 'maxTimeInQueue' | 'catalogue'> = {}): Promise<AsyncRun<T>> {
    const q = await this.waitForQuery(siteId, queryId, opts);
    if (q.status !== 'successful') throw errorFromQuery(q, 'GET', `/integrator/sites/${siteId}/queries/${queryId}`);
    return new AsyncRun<T>(this, siteId, q as SuccessfulQuery<PagedResult>, opts);
  }

  // ---- registered queries ----

  /** `POST …/queries/registered` (202). Returns the new registered query's id. Retried only on refusals. */
  async createRegistered(siteId: string, input: RegisteredQueryInput, opts?: CallOptions): Promise<{ id: string }> {
    const body: RegisteredQueryRequest = {
      name: input.name, registeredQueryType: 'query', frequency: input.frequency, duration: input.duration,
      registerCommand: { command: toCommand(input.command) },
    };
    return (await this.http.json<{ id: string }>({ method: 'POST', path: `/integrator/sites/${seg(siteId)}/queries/registered`, safe: false, body, ...ConduitClient.pick(opts) })).body;
  }

  /** `GET …/queries/registered`: this integrator's enabled registered queries at the site. */
  async listRegistered(siteId: string, opts?: CallOptions): Promise<RegisteredQuery[]> {
    return (await this.http.json<{ registeredQueries: RegisteredQuery[] }>({ method: 'GET', path: `/integrator/sites/${seg(siteId)}/queries/registered`, safe: true, ...ConduitClient.pick(opts) })).body.registeredQueries;
  }

  /** `GET …/queries/registered/{queryId}`. */
  async getRegistered(siteId: string, queryId: string, opts?: CallOptions): Promise<RegisteredQuery> {
    return (await this.http.json<RegisteredQuery>({ method: 'GET', path: `/integrator/sites/${seg(siteId)}/queries/registered/${seg(queryId)}`, safe: true, ...ConduitClient.pick(opts) })).body;
  }

  /** `DELETE …/queries/registered/{queryId}` (204). Idempotent. */
  async cancelRegistered(siteId: string, queryId: string, opts?: CallOptions): Promise<void> {
    await this.http.json<undefined>({ method: 'DELETE', path: `/integrator/sites/${seg(siteId)}/queries/registered/${seg(queryId)}`, safe: true, ...ConduitClient.pick(opts) });
  }

  /** `GET …/queries/registered/{queryId}/results`: the latest result, rows decoded (404 before the first). */
  async getRegisteredResult<T = Record<string, unknown>>(siteId: string, queryId: string, opts?: CallOptions & { map?: RowMapper<T> }): Promise<RegisteredResult<T>> {
    const r = await this.http.json<RegisteredQueryResultBody>({ method: 'GET', path: `/integrator/sites/${seg(siteId)}/queries/registered/${seg(queryId)}/results`, safe: true, ...ConduitClient.pick(opts) });
    return { rows: decodeRows<T>(r.body.data, opts?.map), rowCount: r.body.rows, size: r.body.size, parameters: r.body.parameters ?? [], data: r.body.data };
  }
}

/** A finished, successful async query whose rows are fetched page by page as they are iterated. */
export class AsyncRun<T> implements AsyncIterable<T> {
  constructor(
    private readonly client: ConduitClient,
    readonly siteId: string,
    /** The final query object (`status: successful`, `result.pages`). */
    readonly query: SuccessfulQuery<PagedResult>,
    private readonly opts: Pick<RunAsyncOptions<T>, 'map' | 'stream' | 'signal' | 'timeoutMs' | 'retry'> = {},
  ) {}

  get queryId(): string {
    return this.query.id;
  }

  /** Total rows as reported by the Cloud (`result.rows`); for nonQuery, 0. */
  get rowCount(): number {
    return this.query.result.rows ?? 0;
  }

  get rowsAffected(): number | undefined {
    return this.query.result.rowsAffected;
  }

  get pageCount(): number {
    return this.query.result.pages?.length ?? 0;
  }

  /** Each page in turn, fetched when asked for (only one page is held at a time). */
  async *pages(): AsyncGenerator<ResultPage<T>> {
    const numbers = (this.query.result.pages ?? []).map((p) => p.pageNumber).sort((a, b) => a - b);
    for (const n of numbers) yield await this.client.getResultPage<T>(this.siteId, this.query.id, n, { map: this.opts.map, signal: this.opts.signal, timeoutMs: this.opts.timeoutMs, retry: this.opts.retry });
  }

  /** Every row, across pages, in order. With `stream: true`, rows are parsed off the streamed page one by one. */
  async *rows(): AsyncGenerator<T> {
    if (!this.opts.stream) {
      for await (const page of this.pages()) yield* page.rows;
      return;
    }
    const numbers = (this.query.result.pages ?? []).map((p) => p.pageNumber).sort((a, b) => a - b);
    for (const n of numbers) {
      const s = await this.client.streamResultPage(this.siteId, this.query.id, n, { signal: this.opts.signal, timeoutMs: this.opts.timeoutMs, retry: this.opts.retry });
      yield* s.rows<T>(this.opts.map);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.rows();
  }
}
