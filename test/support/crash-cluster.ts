// A Cloud and a Link as real child processes on loopback, paired through the CLI as a practice and an
// integrator do it, for the crash tests: each part can be SIGKILLed, SIGSTOPped and restarted on the
// same port, data dir and Link state.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'packages', 'cli', 'src', 'main.ts');
const CRASH_CLOUD = join(import.meta.dirname, 'crash-cloud.ts');
const ENV = { ...process.env, CONDUIT_LOG_LEVEL: 'warn' };

export const OPEN_STATUSES = ['initialising', 'queued', 'executing', 'uploading'];

/** Runs `conduit ...args` to completion; throws with its stderr if it fails. */
export function conduit(args: string[]): string {
  const r = spawnSync(process.execPath, ['--conditions=conduit-source', '--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: ENV, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`conduit ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A child process whose output is kept, so the test can wait for lines and show them on failure. */
export class CrashProc {
  readonly child: ChildProcess;
  out = '';
  err = '';
  constructor(script: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, ['--conditions=conduit-source', '--import', 'tsx', script, ...args], { cwd: ROOT, env: { ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitFor(re: RegExp, timeoutMs = 30_000, from = 0): Promise<RegExpMatchArray> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const m = this.out.slice(from).match(re);
      if (m) return m;
      if (!this.running) throw new Error(`process exited (${this.child.exitCode ?? this.child.signalCode}): ${this.err}`);
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${re}; stdout: ${this.out}; stderr: ${this.err}`);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return Promise.resolve();
    const done = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill(signal);
    return done;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs: number, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface QueryJson {
  id: string;
  status: string;
  errorDetails?: { errorType: string; errorCode: number; errorMessage: string } | null;
  result?: { rows: number; pages: { pageNumber: number; size: number; rows: { count: number; rangeStart: number; rangeEnd: number } }[] };
}

export interface ClusterOptions {
  patients: number;
  weeks: number;
  /** Extra `conduit cloud` flags, e.g. ['--heartbeat-ms', '500']. */
  cloudArgs?: string[];
  /** Run the Cloud as test/support/crash-cloud.ts with these startCloud options instead of `conduit cloud`. */
  cloudOptions?: Record<string, unknown>;
}

export class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'conduit-nothing-lost-'));
  readonly db = join(this.dir, 'practice.db');
  readonly data = join(this.dir, 'cloud');
  readonly state = join(this.dir, 'link.state');
  readonly procs: CrashProc[] = [];
  cloud!: CrashProc;
  link!: CrashProc;
  port = '0';
  url = '';
  apiKey = '';
  integratorId = '';
  siteId = '';
  /** Where the Link connects, if not straight to the Cloud (e.g. a CrashProxy). */
  linkCloudUrl?: string;

  private constructor(readonly opts: ClusterOptions) {}

  static async start(opts: ClusterOptions): Promise<Cluster> {
    const c = new Cluster(opts);
    conduit(['bp-sim', 'create', '--patients', String(opts.patients), '--weeks', String(opts.weeks), '--seed', '7', c.db]);
    await c.startCloud();
    const created = JSON.parse(conduit(['admin', 'integrator', 'create', '--name', 'Nothing Lost', '--json', '--data-dir', c.data])) as { apiKey: string; id: string };
    c.apiKey = created.apiKey;
    c.integratorId = created.id;
    c.siteId = await c.startLink();
    conduit(['link', 'integrations', 'enable', '--integrator', c.integratorId, '--access', 'read', '--state', c.state, '--json']);
    const pc = JSON.parse(conduit(['link', 'integrations', 'pairing-code', '--integrator', c.integratorId, '--state', c.state, '--json'])) as { siteId: string; code: string };
    const paired = await fetch(`${c.url}/integrator/pair-site?practiceManagementSiteId=${pc.siteId}&practiceManagementName=Best%20Practice&pairingCode=${pc.code}`, { method: 'POST', headers: { 'ocp-apim-subscription-key': c.apiKey } });
    if (paired.status !== 200) throw new Error(`pair-site: ${paired.status} ${await paired.text()}`);
    return c;
  }

  /** Starts (or restarts, on the same port and data dir) the Cloud. */
  async startCloud(): Promise<CrashProc> {
    this.cloud = this.opts.cloudOptions
      ? new CrashProc(CRASH_CLOUD, [], { CRASH_CLOUD_PORT: this.port, CRASH_CLOUD_DATA_DIR: this.data, CRASH_CLOUD_OPTIONS: JSON.stringify(this.opts.cloudOptions) })
      : new CrashProc(MAIN, ['cloud', '--port', this.port, '--data-dir', this.data, ...(this.opts.cloudArgs ?? [])]);
    this.procs.push(this.cloud);
    this.url = (await this.cloud.waitFor(/listening on (http:\/\/\S+)/))[1]!;
    this.port = new URL(this.url).port;
    return this.cloud;
  }

  /** Starts (or restarts, with the same state) the Link; resolves with its site id once connected. */
  async startLink(): Promise<string> {
    this.link = new CrashProc(MAIN, ['link', '--cloud', this.linkCloudUrl ?? this.url, '--database', this.db, '--ui-port', '0'], { CONDUIT_LINK_STATE: this.state });
    this.procs.push(this.link);
    return (await this.link.waitFor(/Link connected: site (\S+)/))[1]!;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are checked field by field
  async api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
    const res = await fetch(`${this.url}${path}`, {
      method, headers: { 'ocp-apim-subscription-key': this.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers };
  }

  async immediate(text: string): Promise<Record<string, unknown>[]> {
    const r = await this.api('POST', `/integrator/sites/${this.siteId}/queries/immediate`, { command: { text } });
    if (r.status !== 200) throw new Error(`immediate query: ${r.status} ${JSON.stringify(r.json)}`);
    return JSON.parse(Buffer.from(r.json.result.data as string, 'base64').toString()) as Record<string, unknown>[];
  }

  async submitAsync(text: string): Promise<string> {
    const r = await this.api('POST', `/integrator/sites/${this.siteId}/queries/async`, { command: { text } });
    if (r.status !== 201) throw new Error(`async submit: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json.id as string;
  }

  async query(id: string): Promise<QueryJson> {
    const r = await this.api('GET', `/integrator/sites/${this.siteId}/queries/${id}`);
    if (r.status !== 200) throw new Error(`query status: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json as QueryJson;
  }

  /** Waits until the query reaches a final status; throws (naming the status it is stuck in) if it does not. */
  async finished(id: string, timeoutMs: number): Promise<QueryJson> {
    let last: QueryJson | undefined;
    try {
      return await until(async () => {
        last = await this.query(id);
        return !OPEN_STATUSES.includes(last.status) && last;
      }, `query ${id} to reach a final status`, timeoutMs, 200);
    } catch (e) {
      throw new Error(`${(e as Error).message}; still ${last?.status}`, { cause: e });
    }
  }

  /** Reads every page of a successful async query, checking the page headers; returns the rows in order. */
  async allRows(q: QueryJson): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    for (const p of q.result!.pages) {
      const r = await this.api('GET', `/integrator/sites/${this.siteId}/queries/${q.id}/results/${p.pageNumber}`);
      if (r.status !== 200) throw new Error(`page ${p.pageNumber}: ${r.status} ${JSON.stringify(r.json)}`);
      const page = JSON.parse(Buffer.from(r.json.data as string, 'base64').toString()) as Record<string, unknown>[];
      if (Number(r.headers.get('rows-count')) !== page.length) throw new Error(`page ${p.pageNumber}: Rows-Count ${r.headers.get('rows-count')} but ${page.length} rows`);
      if (Number(r.headers.get('rows-range-start')) !== p.rows.rangeStart) throw new Error(`page ${p.pageNumber}: Rows-Range-Start differs from the status`);
      rows.push(...page);
    }
    return rows;
  }

  /** Files (relative paths) under <data>/results/<queryId>, and every `.part` file under <data>/results. */
  resultFiles(queryId: string): { mine: string[]; parts: string[] } {
    const root = join(this.data, 'results');
    const d = join(root, queryId);
    const mine = existsSync(d) ? readdirSync(d, { recursive: true }).map(String) : [];
    const parts = existsSync(root) ? readdirSync(root, { recursive: true }).map(String).filter((f) => f.endsWith('.part')) : [];
    return { mine, parts };
  }

  async close(): Promise<void> {
    for (const p of this.procs) {
      if (!p.running) continue;
      p.child.kill('SIGCONT'); // in case a test left it stopped
      await p.kill('SIGKILL');
    }
  }
}
