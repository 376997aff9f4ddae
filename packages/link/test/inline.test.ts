import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BpSimDatabase, createPracticeDatabase } from '@conduit/bp-sim';
import type { Command } from '@conduit/protocol';
import { InlineRunner, BUDGET_MS } from '../src/executor/inline.js';
import { ExecutorPool } from '../src/executor/pool.js';
import type { Job } from '../src/executor/job.js';

let db: string;
before(() => {
  db = join(mkdtempSync(join(tmpdir(), 'conduit-inline-')), 'practice.db');
  createPracticeDatabase(db, { patients: 60, weeks: 1, seed: 5 });
});

const SLOW = 'SELECT COUNT(*) AS n FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d CROSS JOIN PATIENTS e';
const command = (text: string, executionMode: Command['executionMode'] = 'reader'): Command => ({ text, type: 'text', executionMode, parameters: [] });
function job(text: string, opts: Partial<Job> & { mode?: Command['executionMode'] } = {}): Job & { body: () => string } {
  const parts: Buffer[] = [];
  return {
    qid: `q${Math.random()}`, command: command(text, opts.mode), maxResultBytes: 1e6, timeoutMs: 5000, readOnly: true,
    onChunk: (d) => void parts.push(d), ...opts, body: () => Buffer.concat(parts).toString(),
  };
}
const surnameCount = (runner: InlineRunner): string => {
  const j = job("SELECT COUNT(*) AS n FROM PATIENTS WHERE SURNAME = 'Inline'");
  assert.equal(runner.tryRun(j).outcome?.ok, true);
  return j.body();
};

// Budgets far above anything a loaded machine takes, where a test needs the statement to finish here.
const ROOMY = { budgetMs: 30_000, typicalMs: 30_000 };

test('a quick read runs on the calling thread, to its end before anything else runs, and answers exactly what an executor answers', async () => {
  const runner = new InlineRunner({ Patients: db }, ROOMY);
  const pool = new ExecutorPool({ kind: 'sqlite', catalogues: { Patients: db } }, 1);
  await Promise.all([runner.start(), pool.start()]);
  try {
    const text = 'SELECT TOP 20 InternalID, Firstname, Surname, DOB FROM BPS_Patients ORDER BY InternalID';
    const here = job(text);
    const attempt = await runner.tryRun(here);
    assert.ok(attempt.outcome?.ok, JSON.stringify(attempt));
    const there = job(text);
    const outcome = await pool.run(there);
    assert.ok(outcome.ok);
    assert.equal(here.body(), there.body());
    assert.deepEqual({ ...attempt.outcome.result, sqlExecutionDuration: 0 }, { ...outcome.result, sqlExecutionDuration: 0 });
  } finally {
    runner.close();
    await pool.close();
  }
});

test('a write is refused here without effect, handed on for a read-write integration, and its text then goes straight on', async () => {
  const runner = new InlineRunner({ Patients: db }, ROOMY);
  await runner.start();
  try {
    const before = surnameCount(runner);
    const write = "UPDATE PATIENTS SET SURNAME = 'Inline' WHERE INTERNALID = 1";
    const first = await runner.tryRun(job(write, { readOnly: false, mode: 'nonQuery' }));
    assert.equal(first.outcome, undefined, 'handed on');
    assert.equal(surnameCount(runner), before, 'the attempt changed nothing');
    const again = await runner.tryRun(job(write, { readOnly: false, mode: 'nonQuery' }));
    assert.deepEqual(again, { spentMs: 0 }, 'not tried here again');
    // A read-only integration's write: the database's refusal is the answer, as on an executor.
    const refused = await runner.tryRun(job("UPDATE PATIENTS SET SURNAME = 'Inline' WHERE INTERNALID = 2", { mode: 'nonQuery' }));
    assert.equal(refused.outcome?.ok, false);
    assert.equal(!refused.outcome?.ok && refused.outcome?.details.errorCode, 3906);
  } finally {
    runner.close();
  }
});

test('a slow statement is interrupted by the watchdog at its budget (also after the watchdog has parked) and handed on', async () => {
  const runner = new InlineRunner({ Patients: db });
  await runner.start();
  try {
    const first = await runner.tryRun(job(SLOW));
    assert.equal(first.outcome, undefined);
    assert.ok(first.spentMs >= BUDGET_MS && first.spentMs < 15_000, `stopped after its budget, long before its natural end (~80 s) (${first.spentMs} ms)`);
    assert.deepEqual(await runner.tryRun(job(SLOW)), { spentMs: 0 }, 'remembered as slow');
    // After the watchdog has been idle long enough to park, it still wakes for the next statement.
    await new Promise((r) => setTimeout(r, 2600));
    const other = await runner.tryRun(job(`${SLOW} CROSS JOIN PATIENTS f`));
    assert.equal(other.outcome, undefined);
    assert.ok(other.spentMs >= BUDGET_MS && other.spentMs < 15_000, `woken and stopped (${other.spentMs} ms)`);
    // The connection is fine afterwards (answered here, or handed on if the machine is slow; never failed).
    assert.notEqual((await runner.tryRun(job('SELECT 1 AS x'))).outcome?.ok, false);
  } finally {
    runner.close();
  }
});

test('a slow verdict runs out: the text is tried here again, and found slow again it stays away four times longer', async () => {
  const runner = new InlineRunner({ Patients: db }, { firstSlowMs: 300 });
  await runner.start();
  try {
    const spent = async (): Promise<number> => {
      const a = await runner.tryRun(job(SLOW));
      assert.equal(a.outcome, undefined);
      return a.outcome ? -1 : a.spentMs;
    };
    assert.ok(await spent() >= BUDGET_MS);
    assert.deepEqual(await runner.tryRun(job(SLOW)), { spentMs: 0 }, 'sent away');
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(await spent() >= BUDGET_MS, 'tried here again after 300 ms');
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(await runner.tryRun(job(SLOW)), { spentMs: 0 }, 'still away: 1200 ms this time');
  } finally {
    runner.close();
  }
});

test('through the pool: a slow statement handed on keeps its whole time limit, and is stopped at it', async () => {
  const pool = new ExecutorPool({ kind: 'sqlite', catalogues: { Patients: db } }, 1, { inline: true });
  await pool.start();
  try {
    const t0 = Date.now();
    const outcome = await pool.run(job(SLOW, { timeoutMs: 400 }));
    const took = Date.now() - t0;
    assert.equal(!outcome.ok && outcome.details.errorCode, -2);
    assert.ok(took >= 380, `the inline attempt counted against the limit, not on top of it, and the limit was kept (${took} ms)`);
    assert.equal((await pool.run(job('SELECT 1 AS x'))).ok, true);
  } finally {
    await pool.close();
  }
});

test('a text sent away as slow but under the quiet limit runs here again only when asked for a quiet Link, and keeps its verdict', async () => {
  // typicalMs 0: every timed run counts as slow, so a quick read is sent away after its strikes.
  const runner = new InlineRunner({ Patients: db }, { typicalMs: 0, budgetMs: 30_000 });
  await runner.start();
  try {
    const text = 'SELECT TOP 5 InternalID FROM BPS_Patients ORDER BY InternalID';
    for (let i = 0; i < 4; i++) assert.equal(runner.tryRun(job(text)).outcome?.ok, true, `run ${i} here`);
    assert.deepEqual(runner.tryRun(job(text)), { spentMs: 0, quietly: true }, 'sent away, but may run here when quiet');
    const quiet = job(text);
    assert.equal(runner.tryRun(quiet, true).outcome?.ok, true);
    assert.match(quiet.body(), /InternalID/);
    assert.deepEqual(runner.tryRun(job(text)), { spentMs: 0, quietly: true }, 'the quiet run did not lift the verdict');
  } finally {
    runner.close();
  }
  // A text over the quiet limit is not offered.
  const strict = new InlineRunner({ Patients: db }, { typicalMs: 0, quietMs: -1, budgetMs: 30_000 });
  await strict.start();
  try {
    const text = 'SELECT TOP 5 InternalID FROM BPS_Patients ORDER BY InternalID';
    for (let i = 0; i < 4; i++) strict.tryRun(job(text));
    assert.deepEqual(strict.tryRun(job(text)), { spentMs: 0 });
    assert.deepEqual(strict.tryRun(job(text), true), { spentMs: 0 }, 'not run here even when quiet');
  } finally {
    strict.close();
  }
});

test('through the pool: a quiet-eligible job alone runs on the Link thread; two in one turn go to executors', async () => {
  // No warm executors: a thread exists only once a job has been handed to one.
  const pool = new ExecutorPool({ kind: 'sqlite', catalogues: { Patients: db } }, 2, { inline: { typicalMs: 0, budgetMs: 30_000 }, elastic: { warm: 0, idleMs: 60_000 } });
  await pool.start();
  try {
    const text = 'SELECT TOP 5 InternalID, Surname FROM BPS_Patients ORDER BY InternalID';
    for (let i = 0; i < 4; i++) assert.equal((await pool.run(job(text))).ok, true);
    assert.equal(pool.ids.length, 0, 'the strikes ran here');
    const alone = job(text);
    assert.equal((await pool.run(alone)).ok, true);
    assert.equal(pool.ids.length, 0, 'alone in its turn with no executor busy: run here');
    const [a, b] = [job(text), job(text)];
    const both = await Promise.all([pool.run(a), pool.run(b)]);
    assert.ok(both.every((o) => o.ok));
    assert.equal(a.body(), alone.body());
    assert.ok(pool.ids.length >= 1, 'two in one turn: handed to executors');
  } finally {
    await pool.close();
  }
});

test('a quiet run stopped at its budget is handed on; one such stop leaves the text quiet-eligible, repeated ones end it', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'conduit-quiet-')), 'practice.db');
  createPracticeDatabase(file, { patients: 60, weeks: 1, seed: 7 });
  // Fast while no patient is called Quiet (one scan), far over the budget once all of them are (60^4 rows).
  const text = "SELECT COUNT(*) AS n FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d WHERE a.SURNAME = 'Quiet' AND b.SURNAME = 'Quiet' AND c.SURNAME = 'Quiet' AND d.SURNAME = 'Quiet'";
  // A stop moves the smoothed time a quarter of the way to the budget: from at most 40 ms (the quick runs,
  // on a busy machine) one stop leaves it at most 80 (still quiet-eligible), two take it over 87.5.
  const runner = new InlineRunner({ Patients: file }, { typicalMs: 0, budgetMs: 200, quietMs: 80 });
  await runner.start();
  try {
    for (let i = 0; i < 4; i++) assert.equal(runner.tryRun(job(text)).outcome?.ok, true);
    assert.deepEqual(runner.tryRun(job(text)), { spentMs: 0, quietly: true });
    const writer = BpSimDatabase.open(file);
    writer.execute({ text: "UPDATE PATIENTS SET SURNAME = 'Quiet'", type: 'text', params: [] });
    writer.close();
    const stopped = runner.tryRun(job(text), true);
    assert.equal(stopped.outcome, undefined, 'interrupted, to be run on an executor');
    assert.ok(stopped.spentMs >= 200);
    assert.deepEqual(runner.tryRun(job(text)), { spentMs: 0, quietly: true }, 'one stop: still quiet-eligible');
    assert.equal(runner.tryRun(job(text), true).outcome, undefined);
    assert.deepEqual(runner.tryRun(job(text)), { spentMs: 0 }, 'stopped again: no more quiet runs');
  } finally {
    runner.close();
  }
});
