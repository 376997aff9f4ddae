// The webhook outbox contract (webhooks/store.ts), run on the SQLite and the PostgreSQL outbox.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Store } from '../src/store/types.js';
import type { NewOutboxRow, WebhookOutbox } from '../src/webhooks/store.js';
import { query } from './store-suite.js';

export interface OutboxHarness {
  open(): Promise<{ store: Store; outbox: WebhookOutbox }>;
}

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number): string => new Date(T0 + ms).toISOString();

function newRow(integratorId: string, n: number, createdMs = 0): NewOutboxRow {
  return {
    id: randomUUID(), integratorId, siteId: 's', queryId: `q${n}`, source: 'async', occurredAt: iso(createdMs), url: `https://example.test/${n}`,
    body: `{"n":${n}}`, createdAt: iso(createdMs),
  };
}

async function integrator(store: Store): Promise<string> {
  const id = randomUUID();
  await store.createIntegrator({ id, name: 'i', createdAt: iso(0) }, { primary: randomUUID(), secondary: randomUUID() });
  return id;
}

export function outboxSuite(name: string, h: OutboxHarness): void {
  describe(`Webhook outbox contract: ${name}`, () => {
    test('config: the secret version starts at 1 and moves only on rotation', async () => {
      const { store, outbox } = await h.open();
      const i = await integrator(store);
      assert.equal(await outbox.config(i), undefined);
      assert.equal((await outbox.upsertConfig(i, 'https://a.test/{queryId}', false, iso(1))).secretVersion, 1);
      assert.equal((await outbox.upsertConfig(i, 'https://b.test/{queryId}', false, iso(2))).secretVersion, 1);
      assert.equal((await outbox.upsertConfig(i, 'https://b.test/{queryId}', true, iso(3))).secretVersion, 2);
      assert.deepEqual(await outbox.config(i), { integratorId: i, urlTemplate: 'https://b.test/{queryId}', secretVersion: 2, updatedAt: iso(3) });
      await store.close();
    });

    test('a row moves pending → sending (leased) → retry → delivered; stale outcomes are ignored; stats count it', async () => {
      const { store, outbox } = await h.open();
      const i = await integrator(store);
      const a = newRow(i, 1, 0);
      const b = newRow(i, 2, 10_000); // not due yet at 5 s
      await outbox.insert(a);
      await outbox.insert(b);
      assert.equal(await outbox.nextDueAt(), iso(0));
      assert.deepEqual(await outbox.claimDue(iso(5_000), iso(35_000), 0), []);
      const [c] = await outbox.claimDue(iso(5_000), iso(35_000), 10);
      assert.equal(c?.id, a.id);
      assert.equal(c?.status, 'sending');
      assert.equal(c?.attempts, 1);
      assert.equal(c?.body, a.body);
      assert.deepEqual(await outbox.claimDue(iso(6_000), iso(36_000), 10), [], 'leased and not yet due rows are not claimed');
      await outbox.markRetry(a.id, 1, iso(20_000), 5_000, 503, 'HTTP 503');
      await outbox.markRetry(a.id, 1, iso(99_000), 5_000, 500, 'stale'); // no longer 'sending': ignored
      const retrying = await outbox.row(a.id);
      assert.deepEqual([retrying?.status, retrying?.nextAttemptAt, retrying?.lastStatus, retrying?.lastDelayMs], ['pending', iso(20_000), 503, 5_000]);
      assert.deepEqual(await outbox.stats(i), { delivered: 0, pending: 2, retrying: 1, failed: 0, attempts: 1, lastSuccessAt: null, recentFailures: [] });
      const due = await outbox.claimDue(iso(20_000), iso(50_000), 10);
      assert.deepEqual(new Map(due.map((r) => [r.id, r.attempts])), new Map([[a.id, 2], [b.id, 1]]));
      await outbox.markDelivered(a.id, 204, iso(21_000));
      await outbox.markFailed(a.id, 2, iso(22_000), 400, 'late'); // delivered stays delivered
      assert.equal((await outbox.row(a.id))?.status, 'delivered');
      await outbox.release(b.id, 1, iso(23_000));
      const released = await outbox.row(b.id);
      assert.deepEqual([released?.status, released?.attempts, released?.nextAttemptAt], ['pending', 0, iso(23_000)]);
      const [again] = await outbox.claimDue(iso(23_000), iso(24_000), 10);
      assert.equal(again?.id, b.id);
      const [lapsed] = await outbox.claimDue(iso(24_000), iso(54_000), 10);
      assert.deepEqual([lapsed?.id, lapsed?.attempts], [b.id, 2], 'a lapsed lease is due again');
      await outbox.markFailed(b.id, 2, iso(25_000), 410, 'HTTP 410');
      const st = await outbox.stats();
      assert.deepEqual([st.delivered, st.pending, st.failed, st.attempts, st.lastSuccessAt], [1, 0, 1, 4, iso(21_000)]);
      assert.deepEqual(st.recentFailures, [{ id: b.id, integratorId: i, url: b.url, attempts: 2, lastStatus: 410, lastError: 'HTTP 410', failedAt: iso(25_000) }]);
      assert.equal(await outbox.nextDueAt(), undefined);
      await store.close();
    });

    test('claims racing for the same due rows take each row once', async () => {
      const { store, outbox } = await h.open();
      const i = await integrator(store);
      const rows = Array.from({ length: 60 }, (_, n) => newRow(i, n, n));
      for (const r of rows) await outbox.insert(r);
      const claims = await Promise.all(Array.from({ length: 6 }, () => outbox.claimDue(iso(100_000), iso(200_000), 15)));
      const ids = claims.flat().map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, 'no row claimed twice');
      assert.equal(ids.length, 60);
      assert.ok(claims.every((c) => c.length <= 15));
      await store.close();
    });

    test('a successful async query without its webhook row is found for repair', async () => {
      const { store, outbox } = await h.open();
      const i = await integrator(store);
      await outbox.upsertConfig(i, 'https://a.test/{queryId}', false, iso(0));
      const done = { mode: 'async' as const, status: 'successful' as const, completedAt: iso(1_000), integratorId: i };
      await store.insertQuery(query(1, done));
      await store.insertQuery(query(2, { ...done, completedAt: iso(-1_000) })); // before the webhook existed
      await store.insertQuery(query(3, { ...done, status: 'executionFailed' }));
      assert.deepEqual((await store.asyncWithoutWebhook(iso(-5_000))).map((q) => q.id), [query(1).id]);
      await outbox.insert({ ...newRow(i, 1), queryId: query(1).id });
      assert.deepEqual(await store.asyncWithoutWebhook(iso(-5_000)), []);
      await store.close();
    });
  });
}
