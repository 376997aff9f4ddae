// The webhook admin commands, run as real `conduit` processes against the store of a running webhook sender.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SqliteStore, WebhookService, storeFile, verifyWebhook, type WebhookStats } from '@conduit/cloud';
import { conduitSync } from './support/processes.js';

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function cli(args: string[]): string {
  const r = conduitSync(args);
  assert.equal(r.status, 0, `conduit ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

test('admin integrator webhook sets the URL and prints the secret; admin webhooks stats reports deliveries', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-webhook-cli-'));
  new SqliteStore(storeFile(dir)).db.close(); // as the Cloud's first start leaves it
  const got: { headers: IncomingHttpHeaders; body: string; url: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), url: req.url ?? '' });
      res.writeHead(req.url?.startsWith('/gone') ? 410 : 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { id } = JSON.parse(cli(['admin', 'integrator', 'create', '--name', 'Hooked', '--json', '--data-dir', dir])) as { id: string };
  // A sender runs on the store while the CLI writes to it, as the Cloud would.
  const store = new SqliteStore(storeFile(dir));
  const svc = new WebhookService(store, { baseDelayMs: 20, capDelayMs: 50, pollMs: 50 });
  svc.start();
  const secrets: string[] = [];
  try {
    const url = `${base}/hooks/{siteId}?q={queryId}`;
    const set = JSON.parse(cli(['admin', 'integrator', 'webhook', '--integrator', id, '--url', url, '--json', '--data-dir', dir])) as { url: string; secret: string };
    assert.deepEqual(Object.keys(set), ['url', 'secret']);
    assert.equal(set.url, url);
    assert.match(set.secret, /^[0-9a-f]{64}$/);
    secrets.push(set.secret);

    const event = { integratorId: id, siteId: crypto.randomUUID(), queryId: crypto.randomUUID(), source: 'async' as const, occurredAt: new Date().toISOString() };
    await svc.enqueue(event);
    await until(() => got.length === 1, 'the webhook');
    const r = got[0]!;
    assert.equal(r.url, `/hooks/${event.siteId}?q=${event.queryId}`);
    assert.ok(verifyWebhook(set.secret, r.body, r.headers['x-halo-timestamp'] as string, r.headers['x-halo-signature-256'] as string), 'signed with the printed secret');

    // Same secret unless rotated; the text output shows it too.
    const again = cli(['admin', 'integrator', 'webhook', '--integrator', id, '--url', url, '--data-dir', dir]);
    assert.match(again, new RegExp(`secret: ${set.secret}`));
    assert.match(again, /unchanged/);
    const rotated = JSON.parse(cli(['admin', 'integrator', 'webhook', '--integrator', id, '--url', `${base}/gone/{source}`, '--rotate', '--json', '--data-dir', dir])) as { secret: string };
    assert.notEqual(rotated.secret, set.secret);
    secrets.push(rotated.secret);

    // The new URL applies to new events; this one answers 410, which is not retried.
    await svc.enqueue({ ...event, queryId: crypto.randomUUID() });
    await until(() => svc.stats().failed === 1, 'the failure');
    assert.ok(verifyWebhook(rotated.secret, got[1]!.body, got[1]!.headers['x-halo-timestamp'] as string, got[1]!.headers['x-halo-signature-256'] as string));

    const stats = JSON.parse(cli(['admin', 'webhooks', 'stats', '--json', '--data-dir', dir])) as WebhookStats;
    assert.equal(stats.delivered, 1);
    assert.equal(stats.failed, 1);
    assert.equal(stats.pending, 0);
    assert.equal(stats.attempts, 2);
    assert.ok(stats.lastSuccessAt);
    assert.equal(stats.recentFailures.length, 1);
    assert.equal(stats.recentFailures[0]!.lastStatus, 410);
    assert.equal(stats.recentFailures[0]!.url, `${base}/gone/async`);
    assert.equal(stats.recentFailures[0]!.id, got[1]!.headers['x-halo-id']);
    const text = cli(['admin', 'webhooks', 'stats', '--integrator', id, '--data-dir', dir]);
    assert.match(text, /delivered:\s+1/);
    assert.match(text, /failed:\s+1/);
    assert.match(text, /last success: \d{4}-/);
    assert.ok(text.includes(`${stats.recentFailures[0]!.id}  ${base}/gone/async  attempts 1  HTTP 410`), text);
    const other = JSON.parse(cli(['admin', 'webhooks', 'stats', '--integrator', 'someone-else', '--json', '--data-dir', dir])) as WebhookStats;
    assert.deepEqual([other.delivered, other.failed, other.recentFailures.length, other.lastSuccessAt], [0, 0, 0, null]);

    // Bad input is refused with a reason.
    const bad = conduitSync(['admin', 'integrator', 'webhook', '--integrator', id, '--url', 'ftp://x.example/', '--data-dir', dir]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /http or https/);
    const nobody = conduitSync(['admin', 'integrator', 'webhook', '--integrator', 'nobody', '--url', url, '--data-dir', dir]);
    assert.notEqual(nobody.status, 0);
    assert.match(nobody.stderr, /no integrator/);
  } finally {
    await svc.stop();
    await store.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  // No secret is kept in the store's files.
  assert.equal(secrets.length, 2);
  for (const f of [storeFile(dir), `${storeFile(dir)}-wal`]) {
    if (!existsSync(f)) continue;
    const bytes = readFileSync(f).toString('latin1');
    for (const s of secrets) assert.ok(!bytes.includes(s), `a secret is stored in ${f}`);
  }
});
