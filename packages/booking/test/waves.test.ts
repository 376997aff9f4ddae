// Waves: validation of the schedule, cumulative cohorts in a stable order fixed at the start date,
// and the runner moving members one stage per check (soak times, blockers recorded) on a real
// MigrationStore in SQLite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { MigrationStore, WaveStore, WaveRunner, WaveError, cohortOrder, type ReadinessFacts, type Stage } from '../src/index.js';

const keys = Array.from({ length: 40 }, (_, i) => `practice-${i}`);

test('schedule: names, dates and shares are checked, and shares grow with the dates', () => {
  const w = new WaveStore(new Database(':memory:'));
  w.schedule({ name: 'First', startsAt: '2026-12-01T00:00:00Z', percent: 10 });
  w.schedule({ name: 'Last', startsAt: '2026-12-20T00:00:00Z', percent: 100 });
  assert.throws(() => w.schedule({ name: 'first', startsAt: '2026-12-05T00:00:00Z', percent: 50 }), /already a wave called/);
  assert.throws(() => w.schedule({ name: 'Middle', startsAt: 'soon', percent: 50 }), /not a valid date/);
  assert.throws(() => w.schedule({ name: 'Middle', startsAt: '2026-12-05T00:00:00Z', percent: 0 }), WaveError);
  assert.throws(() => w.schedule({ name: 'Middle', startsAt: '2026-12-05T00:00:00Z', percent: 5 }), /"First" starts earlier with 10 %/);
  assert.throws(() => w.schedule({ name: 'Before', startsAt: '2026-11-30T00:00:00Z', percent: 20 }), /"First" starts later with 10 %/);
  const mid = w.schedule({ name: 'Middle', startsAt: '2026-12-05T00:00:00Z', percent: 50 });
  assert.deepEqual(w.waves().map((x) => x.name), ['First', 'Middle', 'Last']);
  w.cancel(mid.id);
  assert.deepEqual(w.waves().map((x) => x.name), ['First', 'Last']);
});

test('cohorts: cumulative shares in a stable hashed order, fixed when each wave starts', () => {
  let now = new Date('2026-12-01T00:00:00Z');
  const w = new WaveStore(new Database(':memory:'), () => now);
  const a = w.schedule({ name: 'A', startsAt: '2026-12-02T00:00:00Z', percent: 10 });
  const b = w.schedule({ name: 'B', startsAt: '2026-12-03T00:00:00Z', percent: 50 });
  const c = w.schedule({ name: 'C', startsAt: '2026-12-04T00:00:00Z', percent: 100 });
  assert.deepEqual(w.startDue(keys), [], 'nothing is due yet');
  now = new Date('2026-12-02T00:00:01Z');
  assert.deepEqual(w.startDue(keys).map((x) => x.name), ['A']);
  assert.deepEqual(w.members(a.id).map((m) => m.practice).sort(), cohortOrder(keys).slice(0, 4).sort(), '10 % of 40 = the first 4 in hashed order');
  assert.throws(() => w.cancel(a.id), /has started/);
  now = new Date('2026-12-03T12:00:00Z');
  w.startDue([...keys, 'late-joiner']);
  assert.equal(w.members(b.id).length, Math.ceil(41 * 0.5) - 4);
  now = new Date('2026-12-05T00:00:00Z');
  w.startDue([...keys, 'late-joiner', 'later-joiner']);
  assert.equal(w.members().length, 42, 'everyone in exactly one wave');
  assert.equal(new Set(w.members().map((m) => m.practice)).size, 42);
  assert.ok(w.members(c.id).length > 0);
  assert.notDeepEqual(cohortOrder(keys), keys, 'not sign-up order');
  assert.deepEqual(cohortOrder([...keys].reverse()), cohortOrder(keys), 'the order does not depend on the input order');
});

test('runner: members move one stage per check when checks pass, soak times hold them, blockers are recorded', async () => {
  let now = new Date('2026-12-01T00:00:00Z');
  const db = new Database(':memory:');
  const store = new MigrationStore(db, () => now);
  const waves = new WaveStore(db, () => now);
  const facts = new Map<string, ReadinessFacts>();
  const good: ReadinessFacts = { pmsVersion: 'Bp Premier Orchid SP1', integrationTicked: true, paired: true, siteOnline: true };
  for (const k of keys.slice(0, 4)) facts.set(k, good);
  facts.set(keys[0]!, { ...good, pmsVersion: 'Bp Premier Jade SP2' });
  const { canTransition, STAGES } = await import('../src/index.js');
  const next = (s: Stage): Stage => STAGES[STAGES.indexOf(s) + 1]!;
  const ctxOf = (k: string) => ({ facts: facts.get(k)!, comparisons: store.comparisons(k), openDifferences: store.openDifferences(k), retirementConfirmed: true });
  const migration = {
    async status(k: string) {
      const stage = store.stage(k);
      if (stage === 'connector-retired') return { stage, blocker: null };
      const c = canTransition(stage, next(stage), ctxOf(k));
      return { stage, blocker: c.ok ? null : c.reason };
    },
    async advance(k: string, actor: string, reason: string) { store.transition(k, next(store.stage(k)), actor, reason, ctxOf(k)); },
    async probe(k: string) { store.recordComparison(k, 'practitioners', true); },
  };
  const runner = new WaveRunner({ waves, migration, eligible: () => keys.slice(0, 4), stageSince: (k) => store.since(k), shadowSoakMs: 60_000, conduitSoakMs: 120_000, now: () => now });
  waves.schedule({ name: 'All', startsAt: '2026-12-01T00:00:00Z', percent: 100 });
  let r = await runner.tick();
  assert.deepEqual(r.started, ['All']);
  assert.equal(r.advanced.length, 3);
  assert.deepEqual(r.blocked, [{ practice: keys[0], blocker: 'Bp version older than required' }]);
  assert.equal(waves.memberOf(keys[0]!)?.blocker, 'Bp version older than required');
  r = await runner.tick();
  assert.ok(r.advanced.every((a) => a.to === 'shadow'));
  r = await runner.tick();
  assert.equal(r.advanced.length, 0, 'held in shadow for its soak time (the probe made the comparisons)');
  assert.match(waves.memberOf(keys[1]!)!.blocker!, /comparing results for 60 s more/);
  now = new Date(now.getTime() + 61_000);
  r = await runner.tick();
  assert.ok(r.advanced.length === 3 && r.advanced.every((a) => a.to === 'conduit'));
  now = new Date(now.getTime() + 121_000);
  r = await runner.tick();
  assert.ok(r.advanced.length === 3 && r.advanced.every((a) => a.to === 'connector-retired'));
  assert.equal(store.stage(keys[0]!), 'connector');
  assert.ok(store.audit(keys[1]!).every((a) => a.actor === 'wave:All'));
  assert.equal(waves.memberOf(keys[1]!)?.blocker, null);
});

test('runner: a practice moved to shadow by hand, in no wave, is compared on its behalf but never moved', async () => {
  const db = new Database(':memory:');
  const store = new MigrationStore(db);
  const waves = new WaveStore(db);
  const ready: ReadinessFacts = { pmsVersion: 'Bp Premier Orchid SP1', integrationTicked: true, paired: true, siteOnline: true };
  const { canTransition } = await import('../src/index.js');
  const ctx = (k: string) => ({ facts: ready, comparisons: store.comparisons(k), openDifferences: store.openDifferences(k), minComparisons: 2 });
  store.transition('by-hand', 'ready', 'operator', 'test', ctx('by-hand'));
  store.transition('by-hand', 'shadow', 'operator', 'test', ctx('by-hand'));
  const probed: string[] = [];
  const migration = {
    async status(k: string) {
      const c = canTransition(store.stage(k), 'conduit', ctx(k));
      return { stage: store.stage(k), blocker: c.ok ? null : c.reason };
    },
    async advance() { throw new Error('a practice in no wave is never advanced by the runner'); },
    async probe(k: string) { probed.push(k); store.recordComparison(k, 'practitioners', true); },
  };
  const runner = new WaveRunner({ waves, migration, eligible: () => ['by-hand'], inShadow: () => store.stages().filter((s) => s.stage === 'shadow').map((s) => s.practice), stageSince: (k) => store.since(k) });
  await runner.tick();
  await runner.tick();
  await runner.tick();
  assert.deepEqual(probed, ['by-hand', 'by-hand'], 'probed while comparisons were short, then left alone');
  assert.equal(store.stage('by-hand'), 'shadow');
  assert.equal((await migration.status('by-hand')).blocker, null, 'the operator can advance it now');
});
