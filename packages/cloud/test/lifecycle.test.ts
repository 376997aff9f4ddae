import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transition, complete, queryJson, siteDown } from '../src/queries/lifecycle.js';
import { MESSAGES } from '../src/http/errors.js';
import { availabilityOf } from '../src/sites.js';
import type { QueryRecord, SiteRecord } from '../src/store/types.js';

function query(): QueryRecord {
  const t0 = new Date(1_000_000).toISOString();
  return {
    id: 'q', integratorId: 'i', siteId: 's', mode: 'immediate', status: 'initialising', maxTimeInQueue: 30000, commandSize: 8,
    requestSize: 40, commandHash: 'h', executionMode: 'reader', createdAt: t0, updatedAt: t0, completedAt: null,
    statusTiming: { initialising: { startTime: t0 } }, sqlExecutionDuration: null, resultSize: null, rows: null, rowsAffected: null, errorDetails: null, parameters: null, resultsExpireAt: null,
  };
}

test('each transition closes the phase before it and opens the next', () => {
  const q = query();
  transition(q, 'queued', 1_000_010);
  transition(q, 'executing', 1_000_020);
  transition(q, 'uploading', 1_000_050);
  q.resultSize = 2;
  q.rows = 0;
  q.sqlExecutionDuration = 30;
  complete(q, 'successful', 1_000_060);
  const iso = (ms: number): string => new Date(ms).toISOString();
  assert.deepEqual(q.statusTiming, {
    initialising: { startTime: iso(1_000_000), endTime: iso(1_000_010) },
    queued: { startTime: iso(1_000_010), endTime: iso(1_000_020) },
    executing: { startTime: iso(1_000_020), endTime: iso(1_000_050) },
    uploading: { startTime: iso(1_000_050), endTime: iso(1_000_060) },
  });
  assert.equal(q.completedAt, iso(1_000_060));
  const inline = queryJson(q, { data: Buffer.from('[]'), parameters: [] }) as { result: { data: string; rows: number } };
  assert.equal(inline.result.data, Buffer.from('[]').toString('base64'));
  const stored = queryJson(q) as { result: { data?: string; pages: unknown[] } };
  assert.equal(stored.result.data, undefined);
  assert.deepEqual(stored.result.pages, []);
});

test('an uploading or uploadFailed query carries metrics before the Link reports its SQL time (Halo requires them)', () => {
  const q = query();
  q.mode = 'async';
  transition(q, 'queued', 1_000_010);
  transition(q, 'executing', 1_000_020);
  assert.equal((queryJson(q) as { metrics?: unknown }).metrics, undefined, 'executing: no figure yet');
  transition(q, 'uploading', 1_000_270);
  assert.deepEqual((queryJson(q) as { metrics?: unknown }).metrics, { sqlExecutionDuration: 250 });
  complete(q, 'uploadFailed', 1_000_400, { errorType: 'haloLink', errorCode: 502, errorMessage: 'incomplete' });
  assert.deepEqual((queryJson(q) as { metrics?: unknown }).metrics, { sqlExecutionDuration: 250 });
  q.sqlExecutionDuration = 310;
  assert.deepEqual((queryJson(q) as { metrics?: unknown }).metrics, { sqlExecutionDuration: 310 }, 'the Link\'s own figure wins');
});

test('failures carry errorDetails and the deprecated root fields', () => {
  const q = query();
  complete(q, 'executionFailed', 1_000_100, { errorType: 'mssql', errorCode: 208, errorMessage: "Invalid object name 'X'." });
  const json = queryJson(q) as Record<string, unknown>;
  assert.equal(json.errorCode, 208);
  assert.equal(json.errorMessage, "Invalid object name 'X'.");
  assert.deepEqual(json.errorDetails, { errorType: 'mssql', errorCode: 208, errorMessage: "Invalid object name 'X'." });
  assert.equal(json.result, undefined);
});

test('availability follows the session and the last time the Link was heard', () => {
  const site = { session: 'open' } as SiteRecord;
  const now = 10_000_000;
  assert.equal(availabilityOf(site, now - 1000, now), 'online');
  assert.equal(availabilityOf(site, now - 121_000, now), 'unreachable');
  assert.equal(availabilityOf({ ...site, session: 'closed' }, null, now), 'offline');
  assert.equal(availabilityOf({ ...site, session: 'dropped' }, null, now), 'unreachable');
});

test('a site without a connection: offline when its Link signed off; unreachable said as dropped moments ago or silent for minutes', () => {
  const now = Date.parse('2026-12-07T10:00:00.000Z');
  const at = (ms: number): string => new Date(now - ms).toISOString();
  assert.deepEqual(siteDown({ session: 'closed', lastHeardAt: at(1000) } as SiteRecord, now), { status: 'initialisationFailedSiteOffline', message: MESSAGES.siteOffline });
  assert.deepEqual(siteDown({ session: 'dropped', lastHeardAt: at(5000) } as SiteRecord, now), { status: 'initialisationFailedSiteUnreachable', message: MESSAGES.siteDropped });
  assert.deepEqual(siteDown({ session: 'dropped', lastHeardAt: at(121_000) } as SiteRecord, now), { status: 'initialisationFailedSiteUnreachable', message: MESSAGES.siteUnreachable });
  assert.deepEqual(siteDown({ session: 'dropped', lastHeardAt: null } as SiteRecord, now), { status: 'initialisationFailedSiteUnreachable', message: MESSAGES.siteUnreachable });
});
