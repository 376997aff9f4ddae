import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findFreeSlot, run, smallPractice } from './helpers.js';

const WORKERS = 6;
const workerFile = fileURLToPath(new URL('./race-worker.ts', import.meta.url));

test('processes racing for one slot: exactly one booking succeeds', { timeout: 60_000 }, async () => {
  const { file, db } = smallPractice();
  const slot = findFreeSlot(db);
  const children = Array.from({ length: WORKERS }, (_, i) =>
    spawn(process.execPath, ['--import', 'tsx', workerFile, file, String(slot.userId), slot.date, String(slot.time), String(i + 1)],
      { stdio: ['pipe', 'pipe', 'inherit'] }));
  const outputs = children.map((child) => {
    let buf = '';
    const lines: string[] = [];
    const waiters: Array<() => void> = [];
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) { lines.push(buf.slice(0, nl)); buf = buf.slice(nl + 1); waiters.splice(0).forEach((w) => w()); }
    });
    const line = async (n: number): Promise<string> => {
      while (lines.length <= n) await new Promise<void>((r) => waiters.push(r));
      return lines[n] as string;
    };
    return { line, exited: new Promise((r) => child.on('exit', r)) };
  });
  for (const o of outputs) assert.equal(await o.line(0), 'ready');
  for (const c of children) c.stdin.write('go\n'); // release all at once
  const results = await Promise.all(outputs.map(async (o) => JSON.parse(await o.line(1)) as { id?: number; error?: string }));
  await Promise.all(outputs.map((o) => o.exited));
  assert.deepEqual(results.filter((r) => r.error), []);
  const winners = results.filter((r) => Number(r.id) > 0);
  assert.equal(winners.length, 1, JSON.stringify(results));
  assert.equal(results.filter((r) => r.id === 0).length, WORKERS - 1);
  const rows = run(db, 'SELECT COUNT(*) AS n FROM APPOINTMENTS WHERE USERID = @u AND APPOINTMENTDATE = @d AND APPOINTMENTTIME = @t AND RECORDSTATUS = 1',
    { u: slot.userId, d: slot.date, t: slot.time }).rows[0];
  assert.equal(rows?.n, 1);
});
