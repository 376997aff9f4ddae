import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPracticeDatabase } from '@conduit/bp-sim';
import { ExecutorPool } from '../src/executor/pool.js';
import type { Transport } from '../src/executor/handles.js';
import type { Command } from '@conduit/protocol';

let db: string;
before(() => {
  db = join(mkdtempSync(join(tmpdir(), 'conduit-pool-')), 'practice.db');
  createPracticeDatabase(db, { patients: 50, weeks: 1, seed: 2 });
});

const command = (text: string): Command => ({ text, type: 'text', executionMode: 'reader', parameters: [] });
const job = (qid: string, text = 'SELECT 1 AS x', timeoutMs = 3000) => ({ qid, command: command(text), maxResultBytes: 1e6, timeoutMs, readOnly: true, onChunk: () => undefined });

for (const transport of ['thread', 'process'] as Transport[]) {
  test(`${transport}: jobs started in the same tick each get their own executor, and more jobs than executors wait their turn`, async () => {
    const pool = new ExecutorPool({ kind: 'sqlite', catalogues: { Patients: db } }, 2, { transport });
    await pool.start();
    try {
      const outcomes = await Promise.all(['q1', 'q2', 'q3', 'q4', 'q5'].map((q) => pool.run(job(q))));
      assert.deepEqual(outcomes.map((o) => o.ok), [true, true, true, true, true]);
      assert.equal(pool.idle, 2);
    } finally {
      await pool.close();
    }
  });

  test(`${transport}: a statement over its limit is stopped at the database (thread: interrupted, the thread reused; process: killed and replaced)`, async () => {
    const pool = new ExecutorPool({ kind: 'sqlite', catalogues: { Patients: db } }, 1, { transport });
    await pool.start();
    try {
      const [pid] = pool.ids;
      const slow = await pool.run(job('slow', 'SELECT COUNT(*) FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d CROSS JOIN PATIENTS e', 300));
      assert.equal(slow.ok, false);
      assert.equal(!slow.ok && slow.details.errorCode, -2);
      const after = await pool.run(job('next'));
      assert.equal(after.ok, true);
      if (transport === 'process') {
        assert.notEqual(pool.ids[0], pid, 'a new executor process took over');
        assert.throws(() => process.kill(pid!, 0), 'the old executor process is gone');
      } else {
        // The statement was interrupted at the database and the same thread took the next job (had the
        // interrupt failed, the thread would still be counting rows and a replacement would have come).
        assert.deepEqual(pool.ids, [pid], 'the same executor thread, free again');
      }
    } finally {
      await pool.close();
    }
  });
  test(`${transport}: an elastic pool keeps its warm executors, starts more when jobs wait, stops them when idle, and still kills an overrun`, async () => {
    const pool = new ExecutorPool({ kind: 'sqlite', catalogues: { Patients: db } }, 3, { elastic: { warm: 1, idleMs: 500 }, transport });
    await pool.start();
    try {
      assert.equal(pool.ids.length, 1, 'one warm executor');
      const slow = 'SELECT COUNT(*) FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d';
      // Three jobs at once: the pool grows to its size; every job gets an answer.
      const seen = new Set<number>();
      let most = 0;
      const watch = setInterval(() => {
        for (const p of pool.ids) seen.add(p);
        most = Math.max(most, pool.ids.length);
      }, 10);
      const outcomes = await Promise.all(['e1', 'e2', 'e3'].map((q) => pool.run(job(q, slow, 20_000))));
      clearInterval(watch);
      assert.deepEqual(outcomes.map((o) => o.ok), [true, true, true]);
      assert.ok(most >= 2 && most <= 3, `grew beyond the warm executor and no further than its size (${most})`);
      const grown = [...seen];
      const deadline = Date.now() + 10_000;
      while (pool.ids.length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(pool.ids.length, 1, 'back to the warm executor after idling');
      await new Promise((r) => setTimeout(r, 300));
      if (transport === 'process') for (const pid of grown.filter((p) => !pool.ids.includes(p))) assert.throws(() => process.kill(pid, 0), `retired executor ${pid} exited`);
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

  test(`${transport}: a cancelled write changes nothing and leaves no lock behind`, async () => {
    const pool = new ExecutorPool({ kind: 'sqlite', catalogues: { Patients: db } }, 1, { transport });
    await pool.start();
    try {
      const count = async (): Promise<string> => {
        let body = '';
        const o = await pool.run({ ...job(`count-${Math.random()}`, "SELECT COUNT(*) AS n FROM PATIENTS WHERE SURNAME = 'Cancelled'"), onChunk: (d: Buffer) => { body += d.toString(); } });
        assert.equal(o.ok, true);
        return body;
      };
      const before = await count();
      const write = { ...job('write', "UPDATE PATIENTS SET SURNAME = 'Cancelled' WHERE (SELECT COUNT(*) FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d CROSS JOIN PATIENTS e) > 0", 300), readOnly: false };
      write.command = { ...write.command, executionMode: 'nonQuery' };
      const stopped = await pool.run(write);
      assert.equal(!stopped.ok && stopped.details.errorCode, -2);
      assert.equal(await count(), before, 'nothing was changed');
      const next = { ...job('write2', "UPDATE PATIENTS SET SURNAME = SURNAME WHERE INTERNALID = 1"), readOnly: false };
      next.command = { ...next.command, executionMode: 'nonQuery' };
      assert.equal((await pool.run(next)).ok, true, 'the write lock was released');
    } finally {
      await pool.close();
    }
  });
}
