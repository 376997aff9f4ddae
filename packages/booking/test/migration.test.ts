// The per-practice migration stage model: readiness blockers, transition rules, reversibility until
// retirement, automatic fallback on Conduit errors, and the audited store in SQLite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PMS_VERSION } from '@conduit/bp-sim';
import {
  MigrationStore, ErrorWindow, TransitionRefused, canTransition, readinessBlockers, versionAtLeast, servingBackend, shadowReads, fallbackStage, type ReadinessFacts,
} from '../src/index.js';

const good: ReadinessFacts = { pmsVersion: 'Bp Premier Orchid SP1', integrationTicked: true, paired: true, siteOnline: true };

test('versions: release order then service pack; unknown is too old; the simulator is new enough', () => {
  assert.equal(versionAtLeast('Bp Premier Orchid SP1'), true);
  assert.equal(versionAtLeast('Bp Premier Saffron'), true);
  assert.equal(versionAtLeast('Bp Premier Orchid'), false);
  assert.equal(versionAtLeast('Bp Premier Jade SP4'), false);
  assert.equal(versionAtLeast('Medical Director 3'), false);
  assert.equal(versionAtLeast(null), false);
  assert.equal(versionAtLeast(PMS_VERSION), true);
});

test('readiness blockers in the operator\'s words', () => {
  assert.deepEqual(readinessBlockers(good), []);
  assert.deepEqual(readinessBlockers({ pmsVersion: 'Bp Premier Jade SP2', integrationTicked: false, paired: false, siteOnline: false }).map((b) => b.message),
    ['Bp version older than required', 'integration not ticked', 'pairing code not entered', 'Link unreachable']);
});

test('transitions: one step forward when checks pass, any step back until retirement, retirement final', () => {
  assert.equal(canTransition('connector', 'ready', { facts: good }).ok, true);
  assert.equal(canTransition('connector', 'shadow', { facts: good }).ok, false, 'no skipping');
  const old = canTransition('connector', 'ready', { facts: { ...good, pmsVersion: 'Bp Premier Jade' } });
  assert.ok(!old.ok && old.blockers?.[0]?.code === 'pmsVersion');
  assert.equal(canTransition('connector', 'ready').ok, false, 'readiness must be checked');
  assert.equal(canTransition('shadow', 'conduit', { facts: good, comparisons: 10, openDifferences: 1 }).ok, false);
  assert.equal(canTransition('shadow', 'conduit', { facts: good, comparisons: 0 }).ok, false);
  assert.equal(canTransition('shadow', 'conduit', { facts: good, comparisons: 10 }).ok, true);
  assert.equal(canTransition('conduit', 'connector-retired').ok, false);
  assert.equal(canTransition('conduit', 'connector-retired', { retirementConfirmed: true }).ok, true);
  assert.equal(canTransition('conduit', 'connector').ok, true);
  assert.equal(canTransition('shadow', 'ready').ok, true);
  assert.equal(canTransition('connector-retired', 'conduit').ok, false);
  assert.equal(servingBackend('shadow'), 'connector');
  assert.equal(servingBackend('conduit'), 'conduit');
  assert.equal(shadowReads('shadow'), true);
  assert.equal(fallbackStage('conduit'), 'shadow');
  assert.equal(fallbackStage('shadow'), null);
});

test('error window: the threshold within the window triggers fallback, old errors expire', () => {
  const w = new ErrorWindow(3, 1000);
  assert.equal(w.record(false, 0), false);
  assert.equal(w.record(false, 100), false);
  assert.equal(w.record(true, 200), false);
  assert.equal(w.record(false, 1500), false, 'the first two expired');
  assert.equal(w.record(false, 1600), false);
  assert.equal(w.record(false, 1700), true);
});

test('store: stages, audit trail and shadow differences persist in SQLite', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'migration-')), 'booking.db');
  let t = Date.parse('2026-03-01T00:00:00Z');
  const s = new MigrationStore(file, () => new Date(t++));
  assert.equal(s.stage('site-1'), 'connector');
  s.transition('site-1', 'ready', 'operator', 'wave 1', { facts: good });
  s.transition('site-1', 'shadow', 'system', 'wave 1', { facts: good });
  s.recordComparison('site-1', 'practitioners', true);
  s.recordComparison('site-1', 'freeSlots', false, 'slot 09:00 missing through Conduit');
  assert.throws(() => s.transition('site-1', 'conduit', 'system', 'wave 1', { facts: good }), TransitionRefused);
  s.resolveDifferences('site-1', 'operator');
  s.transition('site-1', 'conduit', 'system', 'wave 1', { facts: good });
  s.transition('site-1', 'shadow', 'system', 'fallback: Conduit errors');
  s.transition('site-1', 'conduit', 'system', 'wave 1', { facts: good });
  assert.throws(() => s.transition('site-1', 'connector-retired', 'system', 'retire'), /not confirmed/);
  s.transition('site-1', 'connector-retired', 'system', 'retire', { retirementConfirmed: true });
  assert.throws(() => s.transition('site-1', 'conduit', 'operator', 'undo'), /final/);
  s.close();

  const again = new MigrationStore(new Database(file));
  assert.equal(again.stage('site-1'), 'connector-retired');
  assert.equal(again.comparisons('site-1'), 2);
  assert.deepEqual(again.differences('site-1').map((d) => [d.call, d.resolved]), [['freeSlots', true]]);
  assert.deepEqual(again.audit('site-1').map((a) => `${a.from}>${a.to}`),
    ['connector>ready', 'ready>shadow', 'shadow>shadow', 'shadow>conduit', 'conduit>shadow', 'shadow>conduit', 'conduit>connector-retired']);
  assert.deepEqual(again.stages().map((x) => x.stage), ['connector-retired']);
});
