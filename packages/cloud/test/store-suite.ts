// The Store contract, as one suite run against every implementation (store.test.ts: SQLite,
// store-pg.test.ts: PostgreSQL on a throw-away server).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createIntegrator, verifyAudit } from '../src/admin.js';
import { hashKey } from '../src/keys.js';
import { eventHash } from '../src/audit/chain.js';
import type { Integration } from '@conduit/protocol';
import type { LinkRecord, NewAuditEvent, QueryRecord, RegisteredRecord, SiteRecord, Store } from '../src/store/types.js';

export interface StoreHarness {
  /** A new, empty store. */
  open(): Promise<Store>;
  /** Closes `store` and opens the same data again (migrations run again at start). */
  reopen(store: Store): Promise<Store>;
  /** Every row of a table, for checks on what is stored at rest. */
  dump(store: Store, table: string): Promise<unknown[]>;
}

const AT = '2026-01-01T00:00:00.000Z';
const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export function query(n: number, patch: Partial<QueryRecord> = {}): QueryRecord {
  return {
    id: id(n), integratorId: 'i', siteId: 's', mode: 'immediate', status: 'executing', maxTimeInQueue: 1,
    commandSize: 1, requestSize: 1, commandHash: 'h', executionMode: 'reader', createdAt: AT, updatedAt: AT, completedAt: null,
    statusTiming: { initialising: { startTime: AT } }, sqlExecutionDuration: null, resultSize: null, rows: null, rowsAffected: null,
    errorDetails: null, parameters: null, resultsExpireAt: null, node: null, ...patch,
  };
}

function site(n: number, patch: Partial<SiteRecord> = {}): SiteRecord {
  return {
    id: id(100 + n), linkId: id(200 + n), pmsType: 'BestPractice', pmsSiteId: 'PMS-1', practiceName: 'Clinic', pmsVersion: '1', linkVersion: '1',
    catalogues: [], authoritative: true, status: 'active', createdAt: `2026-01-01T00:00:0${n}.000Z`, enrichedAt: AT, lastHeardAt: null,
    clientTimestamp: null, session: 'open', supersededBy: null, ...patch,
  };
}

function link(n: number): LinkRecord {
  return { id: id(200 + n), publicKey: `key-${n}`, siteId: id(100 + n), createdAt: AT };
}

function registered(n: number, patch: Partial<RegisteredRecord> = {}): RegisteredRecord {
  return {
    id: id(300 + n), integratorId: 'i', siteId: 's', name: `r${n}`, command: { text: 'SELECT 1' } as RegisteredRecord['command'], frequency: 60,
    duration: 600, status: 'enabled', requestSize: 10, createdAt: AT, expiresAt: '2026-01-01T00:10:00.000Z', completedAt: null, lastHash: null,
    lastError: null, lastSucceededAt: null, lastFailedAt: null, lastExecutionDuration: null, succeededCount: 0, failedCount: 0,
    resultSizeSum: 0, resultRows: null, resultSize: null, resultParameters: null, ...patch,
  };
}

function event(n: number, patch: Partial<NewAuditEvent> = {}): NewAuditEvent {
  return { at: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}.000Z`, kind: 'test.event', actor: 'cloud', siteId: null, integratorId: null, outcome: 'ok', details: { n }, ...patch };
}

export function storeSuite(name: string, h: StoreHarness): void {
  describe(`Store contract: ${name}`, () => {
    test('integrators are found by the hash of either key; the key itself is not stored; reopening applies no migration twice', async () => {
      const store = await h.open();
      const made = await createIntegrator(store, '  Acme Booking ');
      assert.equal(made.name, 'Acme Booking');
      assert.equal((await store.integratorByKeyHash(hashKey(made.apiKey)))?.id, made.id);
      assert.equal((await store.integratorByKeyHash(hashKey(made.secondaryApiKey)))?.id, made.id);
      assert.equal(await store.integratorByKeyHash(hashKey('wrong')), undefined);
      const dump = JSON.stringify(await h.dump(store, 'integrator_keys'));
      assert.ok(dump.includes(hashKey(made.apiKey)) && !dump.includes(made.apiKey));
      await assert.rejects(createIntegrator(store, ''), /1 to 100/);
      const again = await h.reopen(store);
      assert.deepEqual((await again.listIntegrators()).map((i) => i.name), ['Acme Booking']);
      await again.close();
    });

    test('queries round-trip; those left open by a stop are failed on the next start, optionally only one node\'s', async () => {
      const store = await h.open();
      const full = query(1, {
        mode: 'async', status: 'uploading', node: 'n1', parameters: [{ name: '@x', value: '1' }] as QueryRecord['parameters'],
        statusTiming: { initialising: { startTime: AT, endTime: AT }, executing: { startTime: AT, endTime: AT }, uploading: { startTime: AT } },
        errorDetails: null, resultsExpireAt: '2026-01-02T00:00:00.000Z', sqlExecutionDuration: 12, resultSize: 3_000_000_000, rows: 7,
      });
      await store.insertQuery(full);
      assert.deepEqual(await store.query(full.id), full);
      await store.insertQuery(query(2, { node: 'n2' }));
      await store.insertQuery(query(3, { status: 'successful', completedAt: AT, node: 'n1' }));
      await store.insertQuery(query(4));
      const details = { errorType: 'haloLink', errorCode: 503, errorMessage: 'restarted' } as const;
      assert.deepEqual(await store.failInterrupted(details, AT, 'n1'), [full.id]);
      assert.equal((await store.query(full.id))?.status, 'uploadFailed');
      assert.equal((await store.query(full.id))?.statusTiming.uploading?.endTime, AT, 'the phase it was in is closed');
      assert.equal((await store.query(id(2)))?.status, 'executing');
      assert.deepEqual((await store.failInterrupted(details, AT)).sort(), [id(2), id(4)]);
      const after = await store.query(id(2));
      assert.equal(after?.status, 'executionFailed');
      assert.equal(after?.errorDetails?.errorMessage, 'restarted');
      assert.equal((await store.query(id(3)))?.status, 'successful');
      assert.equal(await store.query(id(9)), undefined);
      await store.close();
    });

    test('a turn\'s query writes go in one call: new records inserted, existing ones updated, one record in both', async () => {
      const store = await h.open();
      assert.ok(store.writeQueries, 'both stores batch a turn\'s writes');
      await store.insertQuery(query(1));
      await store.insertQuery(query(2));
      const one = query(1, { status: 'successful', completedAt: AT, rows: 3, statusTiming: { initialising: { startTime: AT }, successful: { startTime: AT } } as QueryRecord['statusTiming'] });
      const fresh = query(3, { node: 'n1' });
      const both = query(4, { status: 'executionFailed', completedAt: AT, errorDetails: { errorType: 'mssql', errorCode: 207, errorMessage: 'Invalid column name' } });
      await store.writeQueries!([fresh, both], [one, both]);
      assert.deepEqual(await store.query(id(1)), one);
      assert.deepEqual(await store.query(id(2)), query(2));
      assert.deepEqual(await store.query(id(3)), fresh);
      assert.deepEqual(await store.query(id(4)), both);
      const many = Array.from({ length: 1200 }, (_, i) => query(100 + i, { rows: i }));
      await store.writeQueries!(many, []);
      assert.equal((await store.query(id(1299)))?.rows, 1199);
      await store.close();
    });

    test('sites and links: create, patch, find by practice, promote one Link over another', async () => {
      const store = await h.open();
      await store.createLinkAndSite(link(1), site(1, { catalogues: [{ name: 'main' }] as unknown as SiteRecord['catalogues'] }));
      await store.createLinkAndSite(link(2), site(2, { authoritative: false }));
      assert.equal((await store.linkByPublicKey('key-2'))?.siteId, id(102));
      assert.equal(await store.linkByPublicKey('nope'), undefined);
      await store.updateSite(id(101), { session: 'dropped', lastHeardAt: AT });
      const s1 = await store.site(id(101));
      assert.equal(s1?.session, 'dropped');
      assert.equal(s1?.lastHeardAt, AT);
      assert.deepEqual(s1?.catalogues, [{ name: 'main' }]);
      assert.equal(s1?.authoritative, true);
      const promoted = await store.promoteSite(id(102));
      assert.deepEqual(promoted.map((s) => [s.id, s.authoritative, s.supersededBy]), [[id(101), false, id(102)], [id(102), true, null]]);
      assert.deepEqual((await store.sitesByPmsId('BestPractice', 'PMS-1')).map((s) => s.id), [id(101), id(102)]);
      assert.equal((await store.listSites()).length, 2);
      assert.equal(await store.getSetting('sites.version'), '1');
      await store.promoteSite(id(101));
      assert.equal(await store.getSetting('sites.version'), '2');
      await assert.rejects(store.promoteSite(id(199)), /no site/);
      await store.close();
    });

    test('integrations are replaced as a whole; a pairing code is consumed once, also by callers racing for it', async () => {
      const store = await h.open();
      const p = { pmsType: 'BestPractice' as const, pmsSiteId: 'PMS-1' };
      const a: Integration = { integratorId: 'a', enabled: true, access: 'read', allowList: null, updatedAt: AT };
      const b: Integration = { integratorId: 'b', enabled: false, access: 'readwrite', allowList: { tables: ['x'], procedures: [] }, updatedAt: AT };
      assert.deepEqual(await store.replaceIntegrations(p, [a, b]), []);
      assert.deepEqual(await store.replaceIntegrations(p, [a]), [a, b]);
      assert.deepEqual(await store.integrations(p), [a]);
      await store.setPairingCode(p, 'a', { codeHash: 'h1', expiresAt: AT, createdAt: AT });
      await store.setPairingCode(p, 'a', { codeHash: 'h2', expiresAt: AT, createdAt: AT });
      assert.equal((await store.pairingCode(p, 'a'))?.codeHash, 'h2');
      assert.equal(await store.consumePairingCode(p, 'a', 'h1', AT), false);
      assert.equal(await store.isPaired(p, 'a'), false);
      const wins = await Promise.all(Array.from({ length: 5 }, () => store.consumePairingCode(p, 'a', 'h2', AT)));
      assert.equal(wins.filter(Boolean).length, 1);
      assert.equal(await store.isPaired(p, 'a'), true);
      assert.equal(await store.pairingCode(p, 'a'), undefined);
      await store.close();
    });

    test('the audit log is one verifiable chain, filtered by site, integrator, kind and time', async () => {
      const store = await h.open();
      const first = await store.appendAudit(event(1, { siteId: 's1' }));
      assert.equal(first.seq, 1);
      await store.appendAuditBatch([event(2, { integratorId: 'i1' }), event(3, { kind: 'other', siteId: 's1' }), event(4)]);
      await store.appendAuditBatch([]);
      const chain = await store.auditChain();
      assert.deepEqual(chain.map((e) => e.seq), [1, 2, 3, 4]);
      assert.equal(chain[1]!.prevHash, chain[0]!.hash);
      assert.deepEqual(chain[0]!.details, { n: 1 });
      assert.deepEqual(await verifyAudit(store), { ok: true, events: 4, problems: [] });
      assert.deepEqual((await store.listAudit({ siteId: 's1' })).map((e) => e.seq), [1, 3]);
      assert.deepEqual((await store.listAudit({ integratorId: 'i1' })).map((e) => e.seq), [2]);
      assert.deepEqual((await store.listAudit({ kind: 'other' })).map((e) => e.seq), [3]);
      assert.deepEqual((await store.listAudit({ since: event(2).at, until: event(3).at })).map((e) => e.seq), [2, 3]);
      assert.deepEqual((await store.listAudit({ limit: 2 })).map((e) => e.seq), [3, 4]);
      await store.close();
    });

    test('audit events with any text chain and verify (quotes, backslashes, newlines, non-ASCII, key order, nulls)', async () => {
      const store = await h.open();
      const odd = 'é "quoted" back\\slash\nnew line 🙂 \u2028';
      await store.appendAuditBatch([
        event(1, { actor: `integrator:${odd}`, siteId: odd, details: { z: odd, a: [1, { b: null, a: 'x' }], n: -0.5, u: undefined } }),
        event(2, { kind: 'k"\\', integratorId: 'i', details: {} }),
      ]);
      const one = await store.appendAudit(event(3, { outcome: 'failed', details: { nested: { deeper: [odd, true, false, 1e21] } } }));
      assert.equal(one.seq, 3);
      assert.equal(one.hash, eventHash(3, one.prevHash, one));
      assert.deepEqual(await verifyAudit(store), { ok: true, events: 3, problems: [] });
      await store.close();
    });

    test('page rows: added, listed in order, expired, deleted', async () => {
      const store = await h.open();
      await store.insertQuery(query(1, { mode: 'async', status: 'successful', completedAt: AT, resultsExpireAt: '2026-01-02T00:00:00.000Z' }));
      await store.insertQuery(query(2, { mode: 'async', status: 'successful', completedAt: AT, resultsExpireAt: '2026-01-03T00:00:00.000Z' }));
      await store.addPage({ queryId: id(1), pageNumber: 2, size: 10, rows: 1, rangeStart: 2, rangeEnd: 2 });
      await store.addPage({ queryId: id(1), pageNumber: 1, size: 20, rows: 1, rangeStart: 1, rangeEnd: 1 });
      await store.addPage({ queryId: id(2), pageNumber: 1, size: 20, rows: 1, rangeStart: 1, rangeEnd: 1 });
      assert.deepEqual((await store.pages(id(1))).map((p) => p.pageNumber), [1, 2]);
      assert.deepEqual(await store.expiredResults('2026-01-02T12:00:00.000Z'), [id(1)]);
      await store.deletePages(id(1));
      assert.deepEqual(await store.pages(id(1)), []);
      assert.deepEqual(await store.expiredResults('2026-01-02T12:00:00.000Z'), []);
      await store.close();
    });

    test('registered queries round-trip; expired ones are ended once, whoever else sweeps at the same time', async () => {
      const store = await h.open();
      const r1 = registered(1, { resultParameters: [{ name: '@a', value: '2' }] as RegisteredRecord['resultParameters'], lastError: { errorType: 'mssql', errorCode: 208, errorMessage: 'm' } });
      await store.insertRegistered(r1);
      assert.deepEqual(await store.registered(r1.id), r1);
      await store.updateRegistered({ ...r1, succeededCount: 3, resultSizeSum: 5_000_000_000 });
      assert.equal((await store.registered(r1.id))?.resultSizeSum, 5_000_000_000);
      for (let n = 2; n <= 12; n++) await store.insertRegistered(registered(n, { siteId: n % 2 ? 's' : 't', expiresAt: `2026-01-01T00:0${n % 10}:00.000Z` }));
      await store.insertRegistered(registered(13, { status: 'cancelled', expiresAt: AT }));
      assert.equal((await store.registeredForSite('t')).length, 6);
      assert.equal((await store.registeredForSite('s', 'cancelled')).length, 1);
      const at = '2026-01-01T00:05:00.000Z';
      const racing = await Promise.all([store.completeExpiredRegistered(at), store.completeExpiredRegistered(at), store.completeExpiredRegistered(at)]);
      const ended = racing.flat().map((r) => r.id);
      assert.equal(new Set(ended).size, ended.length, 'no query ended twice');
      assert.deepEqual(ended.sort(), [2, 3, 4, 5, 10, 11, 12].map((n) => id(300 + n)).sort());
      assert.ok(racing.flat().every((r) => r.status === 'completed' && r.completedAt === r.expiresAt), 'ended as of its expiry');
      assert.equal((await store.registered(id(306)))?.status, 'enabled');
      assert.equal((await store.registered(id(313)))?.status, 'cancelled');
      await store.close();
    });

    test('a lease is held by one holder until it lapses or is released', async () => {
      const store = await h.open();
      assert.equal(await store.claimLease('sweep', 'n1', 1_000, 5_000), true);
      assert.equal(await store.claimLease('sweep', 'n2', 2_000, 5_000), false);
      assert.equal(await store.claimLease('sweep', 'n1', 3_000, 5_000), true, 'the holder renews');
      assert.equal(await store.claimLease('sweep', 'n2', 7_999, 5_000), false);
      assert.equal(await store.claimLease('sweep', 'n2', 8_000, 5_000), true, 'a lapsed lease is taken over');
      await store.releaseLease('sweep', 'n1'); // not the holder: no effect
      assert.equal(await store.claimLease('sweep', 'n1', 8_001, 5_000), false);
      await store.releaseLease('sweep', 'n2');
      assert.equal(await store.claimLease('sweep', 'n1', 8_002, 5_000), true);
      const racing = await Promise.all(['a', 'b', 'c', 'd'].map((hd) => store.claimLease('other', hd, 1, 1_000)));
      assert.equal(racing.filter(Boolean).length, 1);
      await store.close();
    });

    test('settings; a setting set once is written once', async () => {
      const store = await h.open();
      assert.equal(await store.getSetting('x'), undefined);
      await store.setSetting('x', '1');
      await store.setSetting('x', '2');
      assert.equal(await store.getSetting('x'), '2');
      assert.equal(await store.setSettingOnce('k', 'first'), 'first');
      assert.equal(await store.setSettingOnce('k', 'second'), 'first');
      await store.close();
    });
  });
}
