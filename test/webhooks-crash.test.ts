// Webhook delivery survives kill -9: a process enqueues events and is killed while its deliveries are held open by
// the receiver; a new process on the same store file delivers every event, with the same id and body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SqliteStore, createIntegrator, configureWebhook, verifyWebhook, type WebhookServiceOptions } from '@conduit/cloud';

const ROOT = join(import.meta.dirname, '..');
const CHILD = join(import.meta.dirname, 'support', 'webhook-child.ts');

interface Received { id: string; body: string; headers: IncomingHttpHeaders; url: string }

class Child {
  readonly proc: ChildProcess;
  out = '';
  err = '';
  constructor(env: Record<string, string>) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', CHILD], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.proc.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
  }

  exited(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return Promise.resolve();
    return new Promise((r) => this.proc.once('exit', () => r()));
  }
}

async function until(cond: () => boolean, what: string, timeoutMs = 30_000, child?: Child): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${child ? `; child stdout: ${child.out}; stderr: ${child.err}` : ''}`);
    if (child && child.proc.exitCode !== null) throw new Error(`child exited (${child.proc.exitCode}) waiting for ${what}: ${child.err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a kill -9 mid-delivery loses nothing: the next process sends every event, with the same id and body', { timeout: 90_000 }, async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'conduit-webhook-crash-')), 'cloud.db');
  // The receiver holds every request open until `answer` is set, then answers 200.
  let answer = false;
  const got: Received[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ id: req.headers['x-halo-id'] as string, body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, url: req.url ?? '' });
      if (answer) res.writeHead(200).end();
      else held.push(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const setupStore = new SqliteStore(file);
  const integ = await createIntegrator(setupStore, 'Crash Test');
  const { secret } = await configureWebhook(setupStore, integ.id, `${base}/wh/{source}/{queryId}`);
  await setupStore.close();

  const COUNT = 7;
  const CONCURRENCY = 3;
  const options: Partial<WebhookServiceOptions> = { concurrency: CONCURRENCY, timeoutMs: 3_000, leaseMs: 4_000, baseDelayMs: 50, capDelayMs: 200, pollMs: 100 };
  const env = { WEBHOOK_STORE: file, WEBHOOK_INTEGRATOR: integ.id, WEBHOOK_OPTIONS: JSON.stringify(options) };
  let second: Child | undefined;
  try {
    // 1. The first process enqueues and starts sending; the receiver holds the first deliveries open.
    const first = new Child({ ...env, WEBHOOK_COUNT: String(COUNT) });
    await until(() => first.out.includes('started') && got.length === CONCURRENCY, 'deliveries in flight', 30_000, first);
    const enqueued = [...first.out.matchAll(/^enqueued (\S+)$/gm)].map((m) => m[1]!);
    assert.equal(enqueued.length, COUNT);
    first.proc.kill('SIGKILL');
    await first.exited();
    assert.equal(first.proc.signalCode, 'SIGKILL');
    const inFlightBeforeCrash = got.slice();
    for (const h of held) h.destroy();

    // The crash left the in-flight rows 'sending' and the rest 'pending'.
    const look = new SqliteStore(file);
    const rows = look.db.prepare('SELECT id, query_id, body, status FROM webhook_outbox').all() as { id: string; query_id: string; body: string; status: string }[];
    assert.equal(rows.length, COUNT);
    assert.deepEqual(rows.map((r) => r.query_id).sort(), enqueued.slice().sort());
    assert.equal(rows.filter((r) => r.status === 'sending').length, CONCURRENCY);
    assert.equal(rows.filter((r) => r.status === 'pending').length, COUNT - CONCURRENCY);
    const bodyOf = new Map(rows.map((r) => [r.id, r.body]));

    // 2. A new process on the same file delivers everything; the receiver now answers.
    answer = true;
    second = new Child({ ...env, WEBHOOK_COUNT: '0' });
    const status = (): { delivered: number } => look.db.prepare("SELECT COUNT(*) AS delivered FROM webhook_outbox WHERE status = 'delivered'").get() as { delivered: number };
    await until(() => status().delivered === COUNT, 'every event delivered', 30_000, second);

    // Every enqueued event reached the receiver with its stored id and body, correctly signed.
    for (const [id, body] of bodyOf) {
      const sends = got.filter((r) => r.id === id);
      assert.ok(sends.length >= 1, `event ${id} never arrived`);
      for (const s of sends) {
        assert.equal(s.body, body, 'every attempt sends the same bytes');
        assert.equal((JSON.parse(s.body) as { id: string }).id, id);
        assert.ok(verifyWebhook(secret, s.body, s.headers['x-halo-timestamp'] as string, s.headers['x-halo-signature-256'] as string));
      }
    }
    // The deliveries cut off by the crash were sent again, with the same id and body.
    for (const r of inFlightBeforeCrash) {
      const again = got.filter((g) => g.id === r.id && g !== r);
      assert.ok(again.length >= 1, `${r.id} was not retried after the crash`);
      assert.equal(again[0]!.body, r.body);
      assert.equal(again[0]!.url, r.url);
    }
    assert.deepEqual(new Set(got.map((g) => (JSON.parse(g.body) as { queryId: string }).queryId)), new Set(enqueued));
    await look.close();

    second.proc.kill('SIGTERM');
    await second.exited();
    assert.match(second.out, /stopped/);
  } finally {
    if (second && second.proc.exitCode === null && second.proc.signalCode === null) second.proc.kill('SIGKILL');
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
