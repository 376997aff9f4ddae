// Closed-loop load over several targets at once, measured in rounds: each target gets its share of the
// connections (so load is spread evenly over nodes) from its own load session (wrk: its own process per
// window; the node client: its own agent), the targets' windows run together, and the samples of every
// round of one case are pooled, so cases measured in alternating rounds see the machine's other load alike.
import { Samples, summarise, type Summary } from './stats.js';
import type { LoadGenerator, LoadSession, LoadTarget, WindowResult } from './load-generator.js';
import { cpuTimeWithReapedMs, ioCounts } from './processes.js';

/**
 * Named groups of processes whose CPU time is charged to the case measured meanwhile: a process and its
 * children (a child that exits during a round is still counted, through its parent's reaped time).
 */
export type CpuGroups = Record<string, () => number[]>;

/** The CPU group the load generator's own CPU (as its sessions report it) is charged to. */
export const LOAD_GENERATOR = 'load generator';

export class PooledCase {
  readonly samples = new Samples();
  elapsedMs = 0;
  /** Successful answers (a generator's latencies may include answers that failed their status or check). */
  count = 0;
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
    const s = summarise(this.samples.values(), this.elapsedMs, this.errors);
    return { ...s, count: this.count, throughput: this.elapsedMs > 0 ? (this.count * 1000) / this.elapsedMs : 0, ...(this.firstError ? { firstError: this.firstError } : {}) };
  }
}

/** One target's session and its share of the case's connections. */
export interface RoundTarget {
  session: LoadSession;
  concurrency: number;
}

/** A case's sessions: `concurrency` connections shared out over the targets as evenly as whole numbers allow. */
export function openSpread(gen: LoadGenerator, targets: LoadTarget[], concurrency: number): RoundTarget[] {
  if (concurrency < targets.length) throw new Error(`concurrency ${concurrency} is below the number of targets (${targets.length})`);
  return targets.map((t, i) => {
    const share = Math.floor(concurrency / targets.length) + (i < concurrency % targets.length ? 1 : 0);
    return { session: gen.open(t, share), concurrency: share };
  });
}

export interface RoundOptions {
  /** Added to this case unless it is a warm-up. */
  into?: PooledCase;
  groups?: CpuGroups;
  /** Validate each target's first answer (a warm-up round before the measured ones). */
  validate?: boolean;
  /**
   * How the sessions' own CPU adds up: 'sum' when each session is its own process (wrk), 'max' when they
   * all share this process (the node client: each reads the same process's CPU over the same window).
   */
  generatorCpu: 'sum' | 'max';
}

/** One round: every target's window for `durationMs`, at the same time. */
export async function round(targets: RoundTarget[], durationMs: number, o: RoundOptions): Promise<void> {
  const { into, groups = {} } = o;
  const pids = Object.entries(groups).map(([g, f]) => [g, f()] as const);
  const cpu = (): number[] => pids.map(([, ps]) => ps.reduce((a, p) => a + cpuTimeWithReapedMs(p), 0));
  const io = (): { syscalls: number; wakeups: number }[] => pids.map(([, ps]) => ps.map(ioCounts).reduce((a, b) => ({ syscalls: a.syscalls + b.syscalls, wakeups: a.wakeups + b.wakeups }), { syscalls: 0, wakeups: 0 }));
  const cpu0 = into ? cpu() : [];
  const io0 = into ? io() : [];
  let cpu1: number[] = [];
  let io1: { syscalls: number; wakeups: number }[] = [];
  let running = targets.length;
  let ended = 0;
  // The round's window runs from the launch of its first target's load to the end of its last one's (a
  // generator process's start-up counts in it: throughput is not overstated). The other processes' CPU is
  // read as soon as the last window's load ends, before the generators' bookkeeping.
  const started = performance.now();
  const onEnd = (): void => {
    if (--running === 0) {
      ended = performance.now();
      if (into) {
        cpu1 = cpu();
        io1 = io();
      }
    }
  };
  const results: WindowResult[] = await Promise.all(targets.map((t) => t.session.run({ durationMs, maxRequests: Number.MAX_SAFE_INTEGER }, { validate: o.validate, onEnd })));
  if (!into) return;
  results.forEach((r, t) => {
    into.samples.pushAll(r.latenciesMs);
    into.count += r.summary.count;
    into.errors += r.summary.errors;
    into.firstError ??= r.summary.firstError;
    into.byTarget[t] = (into.byTarget[t] ?? 0) + r.summary.count;
  });
  into.elapsedMs += (ended || performance.now()) - started;
  pids.forEach(([g], i) => {
    into.cpuMs[g] = (into.cpuMs[g] ?? 0) + cpu1[i]! - cpu0[i]!;
    into.syscalls[g] = (into.syscalls[g] ?? 0) + io1[i]!.syscalls - io0[i]!.syscalls;
    into.wakeups[g] = (into.wakeups[g] ?? 0) + io1[i]!.wakeups - io0[i]!.wakeups;
  });
  const clientCpu = results.map((r) => r.clientCpuMs).filter((v) => Number.isFinite(v));
  into.cpuMs[LOAD_GENERATOR] = (into.cpuMs[LOAD_GENERATOR] ?? 0) + (o.generatorCpu === 'sum' ? clientCpu.reduce((a, b) => a + b, 0) : Math.max(0, ...clientCpu));
}
