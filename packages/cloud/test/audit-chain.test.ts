// The audit chain's hash must not change with how it is computed: chains written by earlier versions
// still verify, and the cheap path (JSON.stringify of details already in sorted key order) gives the
// same text as the general canonical form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, chainEvent, eventHash, GENESIS } from '../src/audit/chain.js';
import type { NewAuditEvent } from '../src/store/types.js';

/** The canonical form as first written (sorted keys, undefined members left out), as the reference. */
function reference(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(',')}}`;
}

test('event hashes are those of the chain as first written (values computed by the earlier implementation)', () => {
  const events: NewAuditEvent[] = [
    { at: '2026-12-07T01:00:00.000Z', kind: 'query', actor: 'integrator:i1', siteId: 's1', integratorId: 'i1', outcome: 'ok',
      details: { queryId: 'q1', mode: 'immediate', executionMode: 'reader', status: 'successful', httpStatus: 200, commandHash: 'ab', commandSize: 80, requestSize: 200, resultSize: 60, rows: 1, rowsAffected: null, sqlExecutionDuration: 0, durationMs: 1 } },
    { at: '2026-12-07T01:00:00.001Z', kind: 'integration.enabled', actor: 'link:s1', siteId: 's1', integratorId: 'i1', outcome: 'ok',
      details: { access: 'read', allowList: ['BPS_Patients', 'Ä'], nested: { z: 1, a: [{ y: null, b: 'x' }] }, 10: 1, 9: 2, und: undefined } },
    { at: '2026-12-07T01:00:00.002Z', kind: 'auth.failed', actor: 'ip:127.0.0.1', siteId: null, integratorId: null, outcome: 'refused', details: {} },
  ];
  const want = [
    '6600ad17699ca39c79029baf0ddc74cd79b4efdccc69330e9f12f11b30966ee3',
    '6666aec66f3c8a5c6b39b0f1b6b8c1bd95c3957d7ccf5fa5c7b6dea8e3873dd5',
    '25dfdcae27f1137f40d334d17d2311d5aeeeb4182ea16d3509252929264a223c',
  ];
  let prev = GENESIS;
  events.forEach((e, i) => {
    prev = eventHash(i + 1, prev, e);
    assert.equal(prev, want[i], `event ${i + 1}`);
  });
});

test('the stored details are their canonical JSON, which reads back to the same hash', () => {
  const e: NewAuditEvent = { at: '2026-12-07T01:00:00.000Z', kind: 'k', actor: 'a', siteId: null, integratorId: null, outcome: 'ok', details: { b: 1, a: { d: [3, { f: 1, e: 2 }], c: undefined } } };
  const { hash, detailsJson } = chainEvent(7, GENESIS, e);
  assert.equal(detailsJson, '{"a":{"d":[3,{"e":2,"f":1}]},"b":1}');
  assert.equal(eventHash(7, GENESIS, { ...e, details: JSON.parse(detailsJson) as Record<string, unknown> }), hash);
});

test('canonicalJson equals the reference canonical form on sorted, unsorted and odd values', () => {
  let seed = 42;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const keys = ['a', 'b', 'B', 'é', '10', '9', 'z', '__proto__x', 'aa', '', 'key with "quote"'];
  const value = (depth: number): unknown => {
    switch (rnd(depth > 2 ? 6 : 9)) {
      case 0: return null;
      case 1: return undefined;
      case 2: return rnd(2) === 0;
      case 3: return rnd(1000) - 500 + (rnd(2) ? 0.5 : 0);
      case 4: return `s${rnd(100)}\u2028"\\`;
      case 5: return -0;
      case 6: return Array.from({ length: rnd(4) }, () => value(depth + 1));
      default: {
        const chosen = keys.filter(() => rnd(2) === 0);
        if (rnd(2) === 0) chosen.sort();
        return Object.fromEntries(chosen.map((k) => [k, value(depth + 1)]));
      }
    }
  };
  for (let i = 0; i < 5000; i++) {
    const v = value(0);
    assert.equal(canonicalJson(v), reference(v), JSON.stringify(v));
  }
  // Objects that JSON.stringify would turn into something else take the general path.
  const odd = { when: new Date(0), buf: Buffer.from('x'), map: new Map([[1, 2]]), n: NaN };
  assert.equal(canonicalJson(odd), reference(odd));
  assert.equal(canonicalJson(Object.assign(Object.create(null) as object, { b: 1, a: 2 })), '{"a":2,"b":1}');
});
