// Orders work for the practice database: immediate before registered before async, a per-site
// concurrency limit, and one slot always kept free for immediate queries so background work never
// holds up the clinic's real-time traffic. Work not started by its deadline expires in the queue.
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
  private running = 0;
  private backgroundRunning = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly concurrency: number) {
    this.sweeper = setInterval(() => this.expireOverdue(), 250);
    this.sweeper.unref();
  }

  get queued(): number {
    return this.queues.reduce((n, q) => n + q.length, 0);
  }
  get active(): number {
    return this.running;
  }

  submit(task: Task): void {
    this.queues[PRIORITY[task.mode]]!.push(task);
    this.pump();
  }

  /** Removes a task that has not started yet. */
  dequeue(qid: string): Task | undefined {
    for (const q of this.queues) {
      const i = q.findIndex((t) => t.qid === qid);
      if (i >= 0) return q.splice(i, 1)[0];
    }
    return undefined;
  }

  private backgroundLimit(): number {
    return this.concurrency > 1 ? this.concurrency - 1 : 1;
  }

  private next(): Task | undefined {
    const now = Date.now();
    for (let p = 0; p < this.queues.length; p++) {
      if (p > 0 && this.backgroundRunning >= this.backgroundLimit()) return undefined;
      const q = this.queues[p]!;
      while (q.length > 0) {
        const t = q.shift()!;
        if (t.startBy < now) {
          t.expire();
          continue;
        }
        return t;
      }
    }
    return undefined;
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const t = this.next();
      if (!t) return;
      const background = t.mode !== 'immediate';
      this.running++;
      if (background) this.backgroundRunning++;
      t.run().finally(() => {
        this.running--;
        if (background) this.backgroundRunning--;
        this.pump();
      });
    }
  }

  private expireOverdue(): void {
    const now = Date.now();
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
