// Two Cloud nodes' stores (two pools) on one PostgreSQL, writing at once: the audit chain stays one
// verifiable line, and every webhook row is claimed and delivered exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PgStore } from '../src/store/postgres.js';
import { PgWebhookStore } from '../src/webhooks/pg-store.js';
import { verifyAudit } from '../src/admin.js';
import { startPostgres, type PgServer } from '../../../test/support/postgres.js';

let server: PgServer;
let nodes: PgStore[] = [];

before(async () => {
  server = await startPostgres();
  const url = await server.createDatabase();
  nodes = await Promise.all([PgStore.open(url, { poolSize: 5 }), PgStore.open(url, { poolSize: 5 })]);
});
after(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  await server?.stop();
});

test('two nodes appending audit events at once keep one chain that verifies', async () => {
  const perWriter = 60;
  const t0 = performance.now();
  // Four writers per node (more than one connection each), single events and batches mixed.
  await Promise.all(nodes.flatMap((store, n) => Array.from({ length: 4 }, async (_, w) => {
    for (let k = 0; k < perWriter; k++) {
      const e = { at: new Date().toISOString(), kind: 'test.concurrent', actor: `node:${n}`, siteId: null, integratorId: null, outcome: 'ok' as const, details: { w, k } };
      if (k % 3 === 0) await store.appendAuditBatch([e, { ...e, details: { w, k, second: true } }]);
      else await store.appendAudit(e);
    }
  })));
  const ms = performance.now() - t0;
  const expected = 2 * 4 * (perWriter + perWriter / 3);
  const result = await verifyAudit(nodes[1]!);
  assert.deepEqual(result, { ok: true, events: expected, problems: [] });
  const chain = await nodes[0]!.auditChain();
  assert.deepEqual(new Set(chain.map((e) => e.actor)), new Set(['node:0', 'node:1']), 'both nodes wrote into the same chain');
  console.log(`# audit: ${expected} events from 8 writers on 2 pools in ${ms.toFixed(0)} ms (${(expected / (ms / 1000)).toFixed(0)} events/s)`);
});

test('two nodes claiming webhooks at once take each row once; every row is delivered once', async () => {
  const integratorId = randomUUID();
  await nodes[0]!.createIntegrator({ id: integratorId, name: 'i', createdAt: new Date().toISOString() }, { primary: randomUUID(), secondary: randomUUID() });
  const outboxes = nodes.map((n) => new PgWebhookStore(n.db));
  const total = 300;
  const created = new Date(Date.now() - 1_000).toISOString();
  for (let i = 0; i < total; i++) {
    await outboxes[i % 2]!.insert({ id: randomUUID(), integratorId, siteId: 's', queryId: `q${i}`, source: 'async', occurredAt: created, url: 'https://x.test', body: `{"i":${i}}`, createdAt: created });
  }
  const claimedBy = new Map<string, number[]>();
  const t0 = performance.now();
  // Three senders per node, each claiming small batches until nothing is due, as the delivery loop does.
  await Promise.all(outboxes.flatMap((o, n) => Array.from({ length: 3 }, async () => {
    for (;;) {
      const now = Date.now();
      const rows = await o.claimDue(new Date(now).toISOString(), new Date(now + 60_000).toISOString(), 7);
      if (rows.length === 0) return;
      for (const r of rows) {
        claimedBy.set(r.id, [...(claimedBy.get(r.id) ?? []), n]);
        await o.markDelivered(r.id, 204, new Date().toISOString());
      }
    }
  })));
  const ms = performance.now() - t0;
  assert.equal(claimedBy.size, total);
  assert.ok([...claimedBy.values()].every((by) => by.length === 1), 'no row claimed twice');
  const byNode = [0, 1].map((n) => [...claimedBy.values()].filter((by) => by[0] === n).length);
  assert.ok(byNode.every((c) => c > 0), `both nodes took work (${byNode.join(' / ')})`);
  const stats = await outboxes[1]!.stats(integratorId);
  assert.deepEqual([stats.delivered, stats.pending, stats.attempts], [total, 0, total], 'delivered once each, one attempt each');
  console.log(`# webhooks: ${total} rows claimed and delivered by 6 senders on 2 pools in ${ms.toFixed(0)} ms; split ${byNode.join(' / ')}`);
});

test('an async query\'s webhook queued by two nodes at once is kept once; registered queries keep one per change', async () => {
  const integratorId = randomUUID();
  await nodes[0]!.createIntegrator({ id: integratorId, name: 'j', createdAt: new Date().toISOString() }, { primary: randomUUID(), secondary: randomUUID() });
  const outboxes = nodes.map((n) => new PgWebhookStore(n.db));
  const at = new Date().toISOString();
  const row = (source: string) => ({ id: randomUUID(), integratorId, siteId: 's', queryId: 'q-once', source, occurredAt: at, url: 'https://x.test', body: '{}', createdAt: at });
  await Promise.all([outboxes[0]!.insert(row('async')), outboxes[1]!.insert(row('async')), outboxes[0]!.insert(row('async'))]);
  await outboxes[0]!.insert(row('registered'));
  await outboxes[1]!.insert(row('registered'));
  const rows = await nodes[0]!.db.query("SELECT source, count(*)::int AS n FROM webhook_outbox WHERE query_id = 'q-once' GROUP BY source ORDER BY source");
  assert.deepEqual(rows, [{ source: 'async', n: 1 }, { source: 'registered', n: 2 }]);
});
