import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { BpSimDatabase, Interrupter, interruptSupported, STATEMENT_INTERRUPTED } from '../src/index.js';
import { smallPractice } from './helpers.js';

// A worker thread does not inherit the test's tsx loader: the worker registers it, then loads the file.
const WORKER = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => { t.register(); return import(${JSON.stringify(new URL('./interrupt-worker.ts', import.meta.url).href)}); })`;
const SLOW = 'FROM PATIENTS a CROSS JOIN PATIENTS b CROSS JOIN PATIENTS c CROSS JOIN PATIENTS d';

type Msg = { t: 'token'; token: bigint } | { t: 'done' | 'error'; number?: number; ms: number } | { t: 'after'; patients: number };

/** Runs `text` on a worker thread and interrupts it from this thread after `afterMs`. */
async function interruptAfter(file: string, text: string, afterMs: number): Promise<Msg[]> {
  const worker = new Worker(WORKER, { eval: true, workerData: { file, text }, execArgv: ['--conditions=conduit-source'] });
  const interrupter = new Interrupter();
  const seen: Msg[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('exit', () => resolve());
      worker.on('message', (m: Msg) => {
        seen.push(m);
        if (m.t === 'token') setTimeout(() => assert.equal(interrupter.interrupt(m.token), true, 'the connection is found by its token'), afterMs);
      });
    });
  } finally {
    interrupter.close();
  }
  return seen;
}

test('the interrupt extension is built (npm install / the build compiles it)', () => {
  assert.equal(interruptSupported(), true);
});

test('a statement running on another thread is stopped at the database and fails with 3617; the connection stays usable', { timeout: 30_000 }, async () => {
  const { file } = smallPractice();
  const seen = await interruptAfter(file, `SELECT COUNT(*) AS n ${SLOW}`, 300);
  const end = seen.find((m) => m.t === 'done' || m.t === 'error');
  assert.equal(end?.t, 'error', `the statement ended early: ${JSON.stringify(end)}`);
  assert.equal(end.t === 'error' && end.number, STATEMENT_INTERRUPTED);
  assert.ok(end.ms < 5000, `stopped soon after the interrupt (${end.ms} ms)`);
  assert.ok(seen.some((m) => m.t === 'after' && m.patients > 0));
});

test('an interrupted write changes nothing (SQLite rolls the statement back)', { timeout: 30_000 }, async () => {
  const { file } = smallPractice();
  const db = BpSimDatabase.open(file);
  const before = [...db.execute({ text: "SELECT COUNT(*) AS n FROM PATIENTS WHERE SURNAME = 'Interrupted'", type: 'text', params: [] }).rows];
  const seen = await interruptAfter(file, `UPDATE PATIENTS SET SURNAME = 'Interrupted' WHERE (SELECT COUNT(*) ${SLOW}) > 0`, 300);
  const end = seen.find((m) => m.t === 'done' || m.t === 'error');
  assert.equal(end?.t === 'error' && end.number, STATEMENT_INTERRUPTED);
  const after = [...db.execute({ text: "SELECT COUNT(*) AS n FROM PATIENTS WHERE SURNAME = 'Interrupted'", type: 'text', params: [] }).rows];
  assert.deepEqual(after, before);
  db.close();
});

test('a closed connection\'s token interrupts nothing, and tokens are never reused', () => {
  const { file } = smallPractice();
  const a = BpSimDatabase.open(file);
  const token = a.interruptToken!;
  a.close();
  const b = BpSimDatabase.open(file);
  assert.notEqual(b.interruptToken, token);
  const interrupter = new Interrupter();
  assert.equal(interrupter.interrupt(token), false);
  assert.equal(interrupter.interrupt(b.interruptToken!), true);
  // An interrupt that arrives while nothing runs does not fail the next statement.
  assert.deepEqual([...b.execute({ text: 'SELECT 1 AS x', type: 'text', params: [] }).rows], [{ x: 1 }]);
  interrupter.close();
  b.close();
});
