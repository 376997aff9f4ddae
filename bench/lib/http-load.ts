// A closed-loop HTTP load generator on node:http with a keep-alive agent: `concurrency` workers each
// send a request, wait for the whole response, and send the next. Bounded by time and by count.
// It runs in the benchmark process and costs ~130-390 µs of CPU per 1-row answer, so on one machine it
// takes CPU from the system under test; the immediate and cluster suites use wrk (wrk-load.ts) when they
// can and this as `--client node`. The async suite's latency probe uses it directly.
import { Agent, request } from 'node:http';
import { ANSWER_CHECKS } from './answer-checks.js';
import type { LoadGenerator, LoadTarget } from './load-generator.js';
import { Samples, summarise, type Summary } from './stats.js';

export interface HttpTarget {
  /** http://127.0.0.1:port/path — only loopback targets are accepted. */
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A fixed body, or one made for each request (undefined: nothing left to send, the worker stops). */
  body?: string | (() => string | undefined);
  /** Checked on the first response of each run; throw to abort the benchmark. */
  validate?: (status: number, body: Buffer) => void;
  /** Checked on every 200 response: a returned string counts the request as an error (e.g. a booking refused). */
  check?: (body: Buffer) => string | undefined;
}

export interface LoadOptions {
  concurrency: number;
  /** Stop issuing new requests after this many ms… */
  durationMs: number;
  /** …or after this many requests, whichever comes first. */
  maxRequests: number;
}

export interface Response {
  status: number;
  body: Buffer;
}

export function assertLoopback(url: string): URL {
  const u = new URL(url);
  if (u.protocol !== 'http:' || (u.hostname !== '127.0.0.1' && u.hostname !== '[::1]')) {
    throw new Error(`benchmarks only target loopback (127.0.0.1); refusing ${url}`);
  }
  return u;
}

export class HttpClient {
  readonly agent: Agent;
  private readonly u: URL;
  private readonly headers: Record<string, string | number>;
  private readonly body?: Buffer;
  private readonly makeBody?: () => string | undefined;

  /** @param timeoutMs a request not answered in full by then fails (and its socket is destroyed). */
  constructor(private readonly target: HttpTarget, maxSockets: number, private readonly timeoutMs = 10_000) {
    this.u = assertLoopback(target.url);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'fifo' });
    if (typeof target.body === 'function') this.makeBody = target.body;
    else this.body = target.body === undefined ? undefined : Buffer.from(target.body);
    this.headers = { ...target.headers };
    if (this.body || this.makeBody) this.headers['content-type'] ??= 'application/json';
    if (this.body) this.headers['content-length'] = this.body.length;
  }

  /** Whether another request can be made (a body generator may run out, e.g. of free slots). */
  nextBody(): Buffer | undefined | false {
    if (!this.makeBody) return this.body;
    const b = this.makeBody();
    return b === undefined ? false : Buffer.from(b);
  }

  send(body: Buffer | undefined = this.body): Promise<Response> {
    const headers = body && body !== this.body ? { ...this.headers, 'content-length': body.length } : this.headers;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      const fail = (e: Error): void => {
        clearTimeout(timer);
        reject(e);
      };
      const req = request(
        { host: this.u.hostname, port: this.u.port, path: `${this.u.pathname}${this.u.search}`, method: this.target.method, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
          });
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs one bounded closed-loop window and returns latency statistics of the successful requests. */
export async function runLoad(client: HttpClient, validate: HttpTarget['validate'], o: LoadOptions, check?: HttpTarget['check']): Promise<Summary & { firstError?: string; latenciesMs: Float64Array }> {
  const samples = new Samples();
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  let validated = !validate;
  const started = performance.now();
  const until = started + o.durationMs;
  const worker = async (): Promise<void> => {
    while (issued < o.maxRequests && performance.now() < until) {
      const body = client.nextBody();
      if (body === false) break;
      issued++;
      const t0 = performance.now();
      try {
        const res = await client.send(body);
        const dt = performance.now() - t0;
        if (!validated) {
          validate!(res.status, res.body);
          validated = true;
        }
        const refused = res.status === 200 && check ? check(res.body) : undefined;
        if (res.status === 200 && refused === undefined) samples.push(dt);
        else if (refused !== undefined) {
          errors++;
          firstError ??= refused;
        } else {
          errors++;
          firstError ??= `HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`;
        }
      } catch (e) {
        if (!validated) throw e;
        errors++;
        firstError ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, () => worker()));
  const elapsed = performance.now() - started;
  const latenciesMs = samples.values();
  return { ...summarise(latenciesMs, elapsed, errors), ...(firstError ? { firstError } : {}), latenciesMs };
}

/** The node client's form of a load target: a body per request (undefined once `once` bodies run out). */
export function httpTarget(t: LoadTarget): HttpTarget {
  const b = t.bodies;
  let i = 0;
  const body = b.kind === 'fixed' ? b.body
    : b.kind === 'rotate' ? (): string => b.bodies[i++ % b.bodies.length]!
      : (): string | undefined => b.take(1)[0];
  return { url: t.url, method: t.method, headers: t.headers, body, validate: t.validate, ...(t.check ? { check: ANSWER_CHECKS[t.check] } : {}) };
}

/** This client as a LoadGenerator: one agent per session, so warm-up and measured windows share sockets. */
export function nodeGenerator(timeoutMs: number): LoadGenerator {
  return {
    name: 'node',
    description: 'node:http keep-alive agent in the benchmark process (closed loop: each of N workers sends the next request when the last answer is read in full)',
    open(target, concurrency) {
      const http = httpTarget(target);
      const client = new HttpClient(http, concurrency, timeoutMs);
      return {
        async run(w, o = {}) {
          const before = process.cpuUsage();
          const { latenciesMs, ...summary } = await runLoad(client, o.validate ? http.validate : undefined, { concurrency, ...w }, http.check);
          const cpu = process.cpuUsage(before);
          o.onEnd?.();
          return { summary, clientCpuMs: (cpu.user + cpu.system) / 1000, latenciesMs };
        },
        close: () => client.close(),
      };
    },
  };
}
