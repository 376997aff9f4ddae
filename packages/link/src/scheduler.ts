// Orders work for the practice database in three lanes, each with its own slots: immediate queries,
// registered (recurring) queries and async extractions. No lane waits on another: an extraction that runs
// for minutes holds up neither an integrator's immediate query nor a registered query due meanwhile (each
// runs at most 60 s). Work not started by its deadline expires in the queue.
import type { QueryMode } from '@conduit/protocol';

export interface Task {
  qid: string;
  mode: QueryMode;
  startBy: number;
  run: () => Promise<void>;
  expire: () => void;
}

const PRIORITY: Record<QueryMode, number> = { immediate: 0, registered: 1, async: 2 };

export class Scheduler {
  private readonly queues: Task[][] = [[], [], []];
  /** Tasks running in each lane, by PRIORITY (immediate, registered, async). */
  private readonly running = [0, 0, 0];
  private readonly slots: number[];
  private readonly sweeper: NodeJS.Timeout;

  /**
   * `now` is the Cloud's clock as this Link reckons it: `startBy` is a Cloud time, and a practice
   * server's clock can be minutes out.
   */
  constructor(interactiveSlots: number, backgroundSlots: number, private readonly now: () => number = Date.now, registeredSlots = 1) {
    this.slots = [interactiveSlots, registeredSlots, backgroundSlots];
    this.sweeper = setInterval(() => this.expireOverdue(), 250);
    this.sweeper.unref();
  }

  get queued(): number {
    return this.queues.reduce((n, q) => n + q.length, 0);
  }
  get active(): number {
    return this.running[0]! + this.running[1]! + this.running[2]!;
  }

  submit(task: Task): void {
    this.queues[PRIORITY[task.mode]]!.push(task);
    this.pump(task);
  }

  /** Removes a task that has not started yet. */
  dequeue(qid: string): Task | undefined {
    for (const q of this.queues) {
      const i = q.findIndex((t) => t.qid === qid);
      if (i >= 0) return q.splice(i, 1)[0];
    }
    return undefined;
  }

  /**
   * The next task of `q` that may start. `fresh`, the task being submitted, starts even past its
   * `startBy` when a slot is free: it has not waited at the site, only travelled (maxTimeInQueue 0
   * means "only if it can start at once").
   */
  private take(q: Task[], now: number, fresh?: Task): Task | undefined {
    while (q.length > 0) {
      const t = q.shift()!;
      if (t.startBy < now && t !== fresh) {
        t.expire();
        continue;
      }
      return t;
    }
    return undefined;
  }

  private pump(fresh?: Task): void {
    const now = this.now();
    for (let lane = 0; lane < this.queues.length; lane++) {
      while (this.running[lane]! < this.slots[lane]!) {
        const t = this.take(this.queues[lane]!, now, fresh);
        if (!t) break;
        this.running[lane]!++;
        void t.run().finally(() => {
          this.running[lane]!--;
          this.pump();
        });
      }
    }
  }

  private expireOverdue(): void {
    const now = this.now();
    for (const q of this.queues) {
      for (let i = q.length - 1; i >= 0; i--) {
        if (q[i]!.startBy < now) q.splice(i, 1)[0]!.expire();
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
