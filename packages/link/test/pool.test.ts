import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPracticeDatabase } from '@conduit/bp-sim';
import { ExecutorPool } from '../src/executor/pool.js';
import type { Command } from '@conduit/protocol';

let db: string;
before(() => {
  db = join(mkdtempSync(join(tmpdir(), 'conduit-pool-')), 'practice.db');
  createPracticeDatabase(db, { patients: 50, weeks: 1, seed: 2 });
});

const command = (text: string): Command => ({ text, type: 'text', executionMode: 'reader', parameters: [] });
const job = (qid: string, text = 'SELECT 1 AS x', timeoutMs = 3000) => ({ qid, command: command(text), maxResultBytes: 1e6, timeoutMs, readOnly: true, onChunk: () => undefined });

test('jobs started in the same tick each get their own executor, and more jobs than executors wait their turn', async () => {
  const pool = new ExecutorPool({ kind: 'sqlite', catalogues: { Patients: db } }, 2);
  await pool.start();
  try {
    const outcomes = await Promise.all(['q1', 'q2', 'q3', 'q4', 'q5'].map((q) => pool.run(job(q))));
    assert.deepEqual(outcomes.map((o) => o.ok), [true, true, true, true, true]);
    assert.equal(pool.idle, 2);
  } finally {
    await pool.close();
  }
});

test('a statement over its limit is stopped by killing its executor, which is replaced', async () => {
  const pool = new ExecutorPool({ kind: 'sqlite', catalogues: { Patients: db } }, 1);
  await pool.start();
  try {
    const [pid] = pool.pids;
    const slow = await pool.run(job('slow', 'SELECT COUNT(*) FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d CROSS JOIN PATIENTS e', 300));
    assert.equal(slow.ok, false);
    assert.equal(!slow.ok && slow.details.errorCode, -2);
    const after = await pool.run(job('next'));
    assert.equal(after.ok, true);
    assert.notEqual(pool.pids[0], pid, 'a new executor process took over');
    assert.throws(() => process.kill(pid!, 0), 'the old executor process is gone');
  } finally {
    await pool.close();
  }
});
after(() => undefined);

test('an elastic pool keeps its warm executors, starts more when jobs wait, stops them when idle, and still kills an overrun', async () => {
  const pool = new ExecutorPool({ kind: 'sqlite', catalogues: { Patients: db } }, 3, 0, { warm: 1, idleMs: 500 });
  await pool.start();
  try {
    assert.equal(pool.pids.length, 1, 'one warm executor');
    const slow = 'SELECT COUNT(*) FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d';
    // Three jobs at once: the pool grows to its size; every job gets an answer.
    const seen = new Set<number>();
    let most = 0;
    const watch = setInterval(() => {
      for (const p of pool.pids) seen.add(p);
      most = Math.max(most, pool.pids.length);
    }, 10);
    const outcomes = await Promise.all(['e1', 'e2', 'e3'].map((q) => pool.run(job(q, slow, 20_000))));
    clearInterval(watch);
    assert.deepEqual(outcomes.map((o) => o.ok), [true, true, true]);
    assert.ok(most >= 2 && most <= 3, `grew beyond the warm executor and no further than its size (${most})`);
    const grown = [...seen];
    const deadline = Date.now() + 10_000;
    while (pool.pids.length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(pool.pids.length, 1, 'back to the warm executor after idling');
    await new Promise((r) => setTimeout(r, 300));
    for (const pid of grown.filter((p) => !pool.pids.includes(p))) assert.throws(() => process.kill(pid, 0), `retired executor ${pid} exited`);
    // The guarantee holds for an executor started on demand: an overrun is stopped by killing it.
    const both = await Promise.all([
      pool.run(job('long', 'SELECT COUNT(*) FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d CROSS JOIN PATIENTS e', 300)),
      pool.run(job('long2', 'SELECT COUNT(*) FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d CROSS JOIN PATIENTS e', 300)),
    ]);
    assert.deepEqual(both.map((o) => !o.ok && o.details.errorCode), [-2, -2]);
    assert.equal((await pool.run(job('after'))).ok, true);
  } finally {
    await pool.close();
  }
});
