// Starts a real Cloud and a real Link (with its executor processes) over loopback for system tests,
// with a small simulated practice database in a temporary folder.
import { mkdtempSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startCloud, createIntegrator, type RunningCloud, type CloudOptions } from '@conduit/cloud';
import { Link, readSiteInfo, type LinkOptions } from '@conduit/link';
import { createPracticeDatabase } from '@conduit/bp-sim';

const quiet = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let template: string | undefined;
/** A small practice database, generated once per test process and copied for each use. */
export function practiceDatabase(dir: string): string {
  if (!template || !existsSync(template)) {
    template = join(mkdtempSync(join(tmpdir(), 'conduit-tpl-')), 'practice.db');
    createPracticeDatabase(template, { patients: 300, weeks: 4, seed: 7, startDate: new Date().toISOString().slice(0, 10) });
  }
  const file = join(dir, 'practice.db');
  copyFileSync(template, file);
  return file;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export class System {
  cloud!: RunningCloud;
  link?: Link;
  apiKey = '';
  integratorId = '';
  database = '';
  constructor(readonly dir: string, private readonly cloudOpts: Partial<CloudOptions> = {}) {}

  static async start(opts: { cloud?: Partial<CloudOptions>; link?: Partial<LinkOptions>; withLink?: boolean; pair?: boolean } = {}): Promise<System> {
    const sys = new System(mkdtempSync(join(tmpdir(), 'conduit-sys-')), opts.cloud);
    sys.database = practiceDatabase(sys.dir);
    await sys.startCloud();
    const integ = await createIntegrator(sys.cloud.store, 'Test Integrator');
    sys.apiKey = integ.apiKey;
    sys.integratorId = integ.id;
    if (opts.withLink !== false) {
      await sys.startLink(opts.link);
      if (opts.pair !== false) await sys.pair();
    }
    return sys;
  }

  /** The practice ticks the integration and generates a code; the integrator pairs with it. */
  async pair(integratorId = this.integratorId, apiKey = this.apiKey, access: 'read' | 'readwrite' = 'readwrite'): Promise<ApiResponse> {
    await this.link!.integrations.save(integratorId, { enabled: true, access });
    const code = await this.link!.integrations.pairingCode(integratorId);
    const res = await this.api('POST', `/integrator/pair-site?practiceManagementSiteId=${encodeURIComponent(code.siteId)}&practiceManagementName=Best%20Practice&pairingCode=${code.code}`, undefined, { 'ocp-apim-subscription-key': apiKey });
    if (res.status !== 200) throw new Error(`pairing failed: ${res.status} ${res.text}`);
    return res;
  }

  async startCloud(port = 0): Promise<void> {
    this.cloud = await startCloud({ port, dataDir: join(this.dir, 'cloud'), logger: quiet, heartbeatIntervalMs: 1000, ...this.cloudOpts });
  }

  /** Restarts the Cloud on the same port and data, as an operator would. */
  async restartCloud(): Promise<void> {
    const port = this.cloud.port;
    await this.cloud.close();
    await this.startCloud(port);
  }

  linkOptions(extra: Partial<LinkOptions> = {}): LinkOptions {
    return {
      cloudUrl: this.cloud.url,
      stateFile: join(this.dir, 'link-state.db'),
      driver: { kind: 'sqlite', catalogues: { Patients: this.database } },
      site: readSiteInfo(this.database),
      logger: quiet,
      concurrency: 2,
      backoff: { initialMinMs: 50, initialMaxMs: 150, capMs: 500 },
      ...extra,
    };
  }

  async startLink(extra: Partial<LinkOptions> = {}): Promise<Link> {
    const link = new Link(this.linkOptions(extra));
    this.link = link;
    await link.start();
    await link.waitUntilConnected(15_000);
    return link;
  }

  get siteId(): string {
    return this.link!.siteId!;
  }

  async api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const h: Record<string, string> = { 'ocp-apim-subscription-key': this.apiKey, ...headers };
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.cloud.url}${path}`, { method, headers: h, body: payload });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  }

  immediate(command: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<ApiResponse> {
    return this.api('POST', `/integrator/sites/${this.siteId}/queries/immediate`, { command, ...extra });
  }

  async close(): Promise<void> {
    await this.link?.stop().catch(() => undefined);
    await this.cloud.close().catch(() => undefined);
  }
}

/** Decodes the base64 JSON `data` of a query result. */
export function rowsOf(res: ApiResponse): Record<string, unknown>[] {
  return JSON.parse(Buffer.from(res.json.result.data as string, 'base64').toString('utf8')) as Record<string, unknown>[];
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
