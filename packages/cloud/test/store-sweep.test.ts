// The registered-query sweep ends expired queries through the store's claim and re-syncs the Link once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SqliteStore } from '../src/store/sqlite.js';
import { RegisteredQueries } from '../src/queries/registered.js';
import { ResultFiles } from '../src/results/files.js';
import { AuditLog } from '../src/audit/log.js';
import type { Gateway } from '../src/gateway/gateway.js';
import type { LinkSession } from '../src/gateway/session.js';
import type { RegisteredRecord } from '../src/store/types.js';

test('the sweep ends every expired query once, as of its expiry, connected or not, and re-syncs the Links here whose set changed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-sweep-'));
  const store = new SqliteStore(join(dir, 'cloud.db'));
  const sent: { siteId: string; ids: string[] }[] = [];
  // The gateway's two members the sweep uses; the sessions are this node's Links.
  const session = (siteId: string) => ({ siteId, send: (m: { queries: { id: string }[] }) => sent.push({ siteId, ids: m.queries.map((q) => q.id) }) }) as unknown as LinkSession;
  const sessions = [session('s1'), session('s2')];
  const gateway = { sessionList: sessions, session: (id: string) => sessions.find((s) => s.siteId === id) } as unknown as Gateway;
  const log = pino({ level: 'silent' });
  const reg = new RegisteredQueries(store, gateway, new ResultFiles(join(dir, 'results')), { enqueue: async () => undefined }, new AuditLog(store, log), log, { minFrequencyS: 1 });
  const now = Date.now(); // syncSite leaves out what has expired by the wall clock
  const at = (ms: number): string => new Date(now + ms).toISOString();
  const rec = (n: number, siteId: string, expiresAt: string): RegisteredRecord => ({
    id: `00000000-0000-4000-8000-00000000000${n}`, integratorId: 'i', siteId, name: `r${n}`, command: { text: 'SELECT 1' } as RegisteredRecord['command'],
    frequency: 60, duration: 3_600, status: 'enabled', requestSize: 1, createdAt: '2026-01-01T00:00:00.000Z', expiresAt, completedAt: null, lastHash: null,
    lastError: null, lastSucceededAt: null, lastFailedAt: null, lastExecutionDuration: null, succeededCount: 0, failedCount: 0, resultSizeSum: 0,
    resultRows: null, resultSize: null, resultParameters: null,
  });
  await store.insertRegistered(rec(1, 's1', at(-60_000))); // expired
  await store.insertRegistered(rec(2, 's1', at(3_600_000))); // still running
  await store.insertRegistered(rec(3, 's3', at(-1_800_000))); // expired, and its Link is not connected here
  await reg.sweep(now);
  assert.equal((await store.registered(rec(1, 's1', '').id))?.status, 'completed');
  assert.equal((await store.registered(rec(1, 's1', '').id))?.completedAt, at(-60_000), 'completed as of its expiry');
  assert.equal((await store.registered(rec(2, 's1', '').id))?.status, 'enabled');
  assert.equal((await store.registered(rec(3, 's3', '').id))?.status, 'completed', 'ended without its Link');
  assert.equal((await store.registered(rec(3, 's3', '').id))?.completedAt, at(-1_800_000));
  assert.deepEqual(sent, [{ siteId: 's1', ids: [rec(2, 's1', '').id] }], 'only the Link whose set changed is re-synced');
  await reg.sweep(now);
  assert.equal(sent.length, 1, 'nothing ended twice');
  await store.close();
});
