import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler, type Task } from '../src/scheduler.js';

function task(qid: string, mode: Task['mode'], log: string[], gate: Promise<void>, startBy = Date.now() + 10_000): Task {
  return {
    qid, mode, startBy,
    run: async () => {
      log.push(`run ${qid}`);
      await gate;
    },
    expire: () => log.push(`expire ${qid}`),
  };
}

test('immediate, registered and async work each have a lane: a long extraction holds up neither of the others', async () => {
  const s = new Scheduler(1, 1);
  const log: string[] = [];
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  s.submit(task('a1', 'async', log, gate));
  s.submit(task('a2', 'async', log, gate));
  s.submit(task('r1', 'registered', log, gate));
  s.submit(task('r2', 'registered', log, gate));
  s.submit(task('i1', 'immediate', log, gate));
  s.submit(task('i2', 'immediate', log, gate));
  assert.deepEqual(log, ['run a1', 'run r1', 'run i1'], 'a busy async lane holds up neither a registered query nor an immediate one');
  assert.equal(s.queued, 3);
  assert.equal(s.active, 3);
  open();
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(log.slice(3).sort(), ['run a2', 'run i2', 'run r2'], 'each lane runs its next task as its slot frees');
  s.close();
});

test('work not started by its deadline expires in the queue', async () => {
  const s = new Scheduler(1, 1);
  const log: string[] = [];
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  s.submit(task('i1', 'immediate', log, gate));
  s.submit(task('i2', 'immediate', log, gate, Date.now() + 50));
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(log, ['run i1', 'expire i2']);
  open();
  s.close();
});

test('a queued task can be taken back before it starts', () => {
  const s = new Scheduler(1, 1);
  const log: string[] = [];
  const never = new Promise<void>(() => undefined);
  s.submit(task('i1', 'immediate', log, never));
  s.submit(task('i2', 'immediate', log, never));
  assert.equal(s.dequeue('i2')?.qid, 'i2');
  assert.equal(s.dequeue('i2'), undefined);
  s.close();
});

test('deadlines are judged on the clock it is given; a task that can start at once starts even past its deadline', async () => {
  const cloudNow = { t: 1_000_000 };
  const s = new Scheduler(1, 1, () => cloudNow.t);
  const log: string[] = [];
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  // Past its startBy on arrival (maxTimeInQueue 0, or a slow network), but a slot is free: it runs.
  s.submit(task('i1', 'immediate', log, gate, cloudNow.t - 5));
  // Queued behind it with a deadline ahead on the given clock (whatever Date.now() says): it waits.
  s.submit(task('i2', 'immediate', log, gate, cloudNow.t + 1_000));
  s.submit(task('i3', 'immediate', log, gate, cloudNow.t + 100));
  cloudNow.t += 500;
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(log, ['run i1', 'expire i3'], 'only the queued task past its deadline on that clock expires');
  open();
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(log, ['run i1', 'expire i3', 'run i2']);
  s.close();
});
