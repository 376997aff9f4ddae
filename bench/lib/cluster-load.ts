// Closed-loop load over several targets at once, measured in rounds: worker w always sends to
// targets[w mod targets.length] (so load is spread evenly over nodes), and samples of every round of
// one case are pooled, so cases measured in alternating rounds see the machine's other load alike.
import { Samples, summarise, type Summary } from './stats.js';
import type { HttpClient } from './http-load.js';
import { cpuTimeMs, ioCounts } from './processes.js';

/** Named groups of processes whose CPU time is charged to the case measured meanwhile. */
export type CpuGroups = Record<string, () => number[]>;

export class PooledCase {
  readonly samples = new Samples();
  elapsedMs = 0;
  errors = 0;
  /** CPU ms used by each group of processes over this case's rounds. */
  readonly cpuMs: Record<string, number> = {};
  /** Read/write system calls and voluntary context switches of each group over this case's rounds. */
  readonly syscalls: Record<string, number> = {};
  readonly wakeups: Record<string, number> = {};
  /** Completed queries by target (the order of the targets given to round()). */
  readonly byTarget: number[] = [];
  firstError?: string;

  summary(): Summary & { firstError?: string } {
    return { ...summarise(this.samples.values(), this.elapsedMs, this.errors), ...(this.firstError ? { firstError: this.firstError } : {}) };
  }
}

/** One round: `concurrency` workers for `durationMs` (or `maxRequests`), added to `into` unless it is a warm-up. */
export async function round(targets: HttpClient[], concurrency: number, durationMs: number, maxRequests: number, into?: PooledCase, groups: CpuGroups = {}): Promise<void> {
  const pids = Object.entries(groups).map(([g, f]) => [g, f()] as const);
  const cpu = (): number[] => pids.map(([, ps]) => ps.reduce((a, p) => a + cpuTimeMs(p), 0));
  const io = (): { syscalls: number; wakeups: number }[] => pids.map(([, ps]) => ps.map(ioCounts).reduce((a, b) => ({ syscalls: a.syscalls + b.syscalls, wakeups: a.wakeups + b.wakeups }), { syscalls: 0, wakeups: 0 }));
  const cpu0 = into ? cpu() : [];
  const io0 = into ? io() : [];
  let issued = 0;
  const started = performance.now();
  const until = started + durationMs;
  const worker = async (w: number): Promise<void> => {
    const client = targets[w % targets.length]!;
    while (issued < maxRequests && performance.now() < until) {
      issued++;
      const t0 = performance.now();
      try {
        const res = await client.send();
        const dt = performance.now() - t0;
        if (res.status === 200 && into) {
          into.samples.push(dt);
          const t = w % targets.length;
          into.byTarget[t] = (into.byTarget[t] ?? 0) + 1;
        } else if (into) {
          into.errors++;
          into.firstError ??= `HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`;
        }
      } catch (e) {
        if (into) {
          into.errors++;
          into.firstError ??= (e as Error).message;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  if (into) {
    into.elapsedMs += performance.now() - started;
    const cpu1 = cpu();
    const io1 = io();
    pids.forEach(([g], i) => {
      into.cpuMs[g] = (into.cpuMs[g] ?? 0) + cpu1[i]! - cpu0[i]!;
      into.syscalls[g] = (into.syscalls[g] ?? 0) + io1[i]!.syscalls - io0[i]!.syscalls;
      into.wakeups[g] = (into.wakeups[g] ?? 0) + io1[i]!.wakeups - io0[i]!.wakeups;
    });
  }
}
