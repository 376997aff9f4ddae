// A node's health and its start-up say what is wrong with its engines: /healthz answers 503 while the bus
// (or the store) does not answer, so a load balancer takes the node out; requests fail in bounded time
// rather than wait on a Redis that holds its connections without answering; and a node that cannot reach
// its bus or store at start says which one, its password masked, instead of hanging or naming nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { startCloud, type RunningCloud } from '@conduit/cloud';
import { startRedis } from './support/redis.js';
import { waitFor } from './support/system.js';

const quiet = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'conduit-health-'));
const clouds: RunningCloud[] = [];
const servers: Server[] = [];
after(async () => {
  for (const c of clouds) await c.close().catch(() => undefined);
  for (const s of servers) s.close();
});

/** A TCP port that accepts connections and never answers (a stopped Redis, or a network that drops replies). */
async function silentPort(): Promise<number> {
  const held: Socket[] = [];
  const s = createServer((sock) => void held.push(sock));
  servers.push(s);
  s.on('close', () => held.forEach((h) => h.destroy()));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as { port: number }).port;
}

const health = async (c: RunningCloud): Promise<{ status: number; json: Record<string, unknown> }> => {
  const r = await fetch(`${c.url}/healthz`);
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};

test('/healthz is 200 while the bus answers, 503 naming the bus while it does not, and 200 again after', { timeout: 60_000 }, async () => {
  const redis = await startRedis();
  try {
    const node = await startCloud({ port: 0, dataDir: join(dir, 'a'), logger: quiet, cluster: { busUrl: redis.url, nodeId: 'health-a' } });
    clouds.push(node);
    const ok = await health(node);
    assert.equal(ok.status, 200);
    assert.deepEqual({ status: ok.json.status, store: ok.json.store, bus: ok.json.bus }, { status: 'ok', store: 'ok', bus: 'ok' });
    process.kill(redis.child.pid!, 'SIGSTOP'); // holds its connections, answers nothing
    try {
      let down: { status: number; json: Record<string, unknown> } | undefined;
      await waitFor(async () => (down = await health(node)).status === 503, 10_000, '503 from /healthz');
      assert.equal(down!.json.status, 'unavailable');
      assert.equal(down!.json.store, 'ok');
      assert.match(String(down!.json.bus), /^down: /);
    } finally {
      process.kill(redis.child.pid!, 'SIGCONT');
    }
    await waitFor(async () => (await health(node)).status === 200, 10_000, '200 again');
  } finally {
    await redis.stop();
  }
});

test('a node whose bus accepts connections but never answers fails to start within its deadline, naming the bus without its password', { timeout: 30_000 }, async () => {
  const port = await silentPort();
  const started = Date.now();
  await assert.rejects(
    startCloud({ port: 0, dataDir: join(dir, 'b'), logger: quiet, cluster: { busUrl: `redis://:hunter2@127.0.0.1:${port}`, nodeId: 'health-b' } }),
    (e: Error) => new RegExp(`the bus redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/? did not answer within 10 s`).test(e.message) && !e.message.includes('hunter2'),
  );
  assert.ok(Date.now() - started < 20_000);
});

test('a node whose store cannot be opened says which store, without its password', { timeout: 30_000 }, async () => {
  await assert.rejects(
    startCloud({ port: 0, dataDir: join(dir, 'c'), logger: quiet, storeUrl: 'postgres://conduit:hunter2@127.0.0.1:1/conduit', cluster: { nodeId: 'health-c' } }),
    (e: Error) => /^could not open the store postgres:\/\/conduit:\*\*\*@127\.0\.0\.1:1\/conduit: /.test(e.message) && !e.message.includes('hunter2'),
  );
});
