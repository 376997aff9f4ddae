// The bus (Redis) fails under two live nodes: the Link holds its socket to node A, the integrator calls
// node B. While Redis is down or hung, B's relayed queries must end with a Halo status within the bus's
// command timeout (never hang), A keeps answering its own Link's queries, and once Redis is back (even
// restarted empty, its presence keys gone) B serves the site again without anyone restarting anything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pino from 'pino';
import { startCloud, type RunningCloud } from '@conduit/cloud';
import { System, waitFor, type ApiResponse } from './support/system.js';
import { startRedis, type RedisServer } from './support/redis.js';

const quiet = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let redis: RedisServer;
let sys: System;
let b: RunningCloud;

const FAST = { presence: { refreshMs: 200, siteTtlMs: 1_000, nodeTtlMs: 600 } };
const QUERY = { command: { text: 'SELECT TOP 2 InternalID FROM BPS_Patients ORDER BY InternalID' } };
/** The bus's command timeout (packages/cloud/src/bus/redis.ts COMMAND_TIMEOUT_MS) plus room for a busy machine. */
const BOUND_MS = 5_000 + 3_000;

async function immediate(cloud: RunningCloud, mode: 'immediate' | 'async' = 'immediate'): Promise<ApiResponse & { ms: number }> {
  const started = performance.now();
  const res = await fetch(`${cloud.url}/integrator/sites/${sys.siteId}/queries/${mode}`, {
    method: 'POST',
    headers: { 'ocp-apim-subscription-key': sys.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(QUERY),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined, text, ms: performance.now() - started };
}

/**
 * A Halo error envelope, 503, saying the fault is the Cloud's bus: not that the site dropped its connection,
 * which would send the integrator (and the practice) looking at a Link that is fine.
 */
function assertBusFailure(res: ApiResponse, why: string): void {
  assert.equal(res.status, 503, `${why}: ${res.text}`);
  assert.match(String(res.json?.error?.message), /cluster bus is not answering/, `${why}: ${res.text}`);
}

async function servedByB(): Promise<boolean> {
  const res = await immediate(b);
  return res.status === 200 && res.json.status === 'successful';
}

before(async () => {
  redis = await startRedis();
  sys = await System.start({ cloud: { cluster: { busUrl: redis.url, nodeId: 'a', ...FAST } } });
  b = await startCloud({ port: 0, dataDir: join(sys.dir, 'cloud'), logger: quiet, heartbeatIntervalMs: 1000, cluster: { busUrl: redis.url, nodeId: 'b', ...FAST } });
  await waitFor(servedByB, 10_000, 'node B relaying to the Link on node A');
});
after(async () => {
  await sys.close();
  await b.close();
  await redis.stop();
});

test('Redis hung (SIGSTOP): relayed queries end with a Halo status within the command timeout, local ones still succeed, and relaying resumes after SIGCONT', { timeout: 60_000 }, async () => {
  const pid = redis.child.pid!;
  process.kill(pid, 'SIGSTOP');
  try {
    const [relayed, local] = await Promise.all([immediate(b), immediate(sys.cloud)]);
    assertBusFailure(relayed, 'a query relayed over a hung bus');
    assert.ok(relayed.ms < BOUND_MS, `the relayed query took ${Math.round(relayed.ms)} ms`);
    assert.equal(local.status, 200, `the Link's own node: ${local.text}`);
    assert.equal(local.json.status, 'successful');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await waitFor(servedByB, 15_000, 'node B relaying again after the bus answered again');
});

test('Redis killed and restarted empty on its port: relayed immediate and async queries fail fast meanwhile, and B serves the site again once presence is back', { timeout: 90_000 }, async () => {
  const port = redis.port;
  redis.child.kill('SIGKILL');
  await new Promise((r) => redis.child.once('exit', r));
  await redis.stop(); // the folder
  const down = await immediate(b);
  assertBusFailure(down, 'a query relayed while the bus is down');
  assert.ok(down.ms < BOUND_MS, `the relayed query took ${Math.round(down.ms)} ms`);
  const local = await immediate(sys.cloud);
  assert.equal(local.status, 200, `the Link's own node while the bus is down: ${local.text}`);
  const handover = await immediate(b, 'async');
  assertBusFailure(handover, 'an async query handed over while the bus is down');

  redis = await startRedis({ port });
  // The new Redis holds no presence key: node A must put its site back, and B find it there.
  await waitFor(servedByB, 20_000, 'node B relaying after Redis came back empty');
  const again = await immediate(b);
  assert.equal(again.status, 200, again.text);
  assert.equal(JSON.parse(Buffer.from(again.json.result.data as string, 'base64').toString()).length, 2);
});
