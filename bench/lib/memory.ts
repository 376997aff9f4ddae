// Resident memory of groups of processes, sampled from /proc/<pid>/status (VmRSS, VmHWM) on a timer:
// per group, the peak of the group's summed RSS at one sample, the largest single process, and the
// lifetime high-water mark (VmHWM) of each process seen. Linux only; a vanished process reads as 0.
import { readFileSync } from 'node:fs';

export interface MemStatus {
  rssKb: number;
  hwmKb: number;
  /** Proportional set size (shared pages divided among their sharers), when asked for. */
  pssKb: number;
}

const kbOf = (text: string, key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);

export function memStatus(pid: number, withPss = false): MemStatus | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    let pssKb = 0;
    if (withPss) {
      try {
        pssKb = kbOf(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
      } catch {
        pssKb = 0;
      }
    }
    return { rssKb: kbOf(s, 'VmRSS'), hwmKb: kbOf(s, 'VmHWM'), pssKb };
  } catch {
    return undefined;
  }
}

export interface GroupPeak {
  /** Distinct processes seen in the group. */
  pids: number[];
  /** Highest summed VmRSS of the group's processes at one sample, kB. */
  peakSumRssKb: number;
  /** Highest VmRSS of any one process of the group, kB. */
  peakOneRssKb: number;
  /** Highest VmHWM (lifetime peak RSS, includes start-up) of any one process of the group, kB. */
  hwmKb: number;
  /** VmRSS summed over the group at the first sample, kB. */
  startSumRssKb: number;
  /** When the summed RSS peaked (ms since the epoch). */
  peakAt: number;
  /** Highest summed PSS (shared pages split among the processes sharing them) at one sample, kB. */
  peakSumPssKb: number;
}

export interface MemoryReport {
  samples: number;
  intervalMs: number;
  groups: Record<string, GroupPeak>;
}

export class MemorySampler {
  private timer?: NodeJS.Timeout;
  private samples = 0;
  private pidCache: Record<string, number[]> = {};
  private pidCacheAt = -Infinity;
  private readonly peaks: Record<string, GroupPeak & { seen: Set<number> }> = {};

  /**
   * @param groups name → the pids of that group now (called at most every `refreshMs`; a pid may be in
   *   several groups, it is read once per sample).
   * @param maxSamples hard bound on the number of samples taken.
   * @param pssEvery also read PSS from /proc/<pid>/smaps_rollup every this many samples (0 = never): it
   *   walks the process's page tables, about 1 ms per process, so it is read less often than RSS.
   */
  constructor(private readonly groups: Record<string, () => number[]>, private readonly intervalMs = 100, private readonly maxSamples = 100_000, private readonly pssEvery = 0, private readonly refreshMs = 5000) {
    for (const g of Object.keys(groups)) this.peaks[g] = { pids: [], seen: new Set(), peakSumRssKb: 0, peakOneRssKb: 0, hwmKb: 0, startSumRssKb: -1, peakAt: 0, peakSumPssKb: 0 };
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => {
      if (this.samples >= this.maxSamples) return this.stopTimer();
      this.sample();
    }, this.intervalMs);
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  sample(withPss = this.pssEvery > 0 && this.samples % this.pssEvery === 0): void {
    const now = performance.now();
    if (now - this.pidCacheAt >= this.refreshMs) {
      for (const [g, f] of Object.entries(this.groups)) this.pidCache[g] = f();
      this.pidCacheAt = now;
    }
    this.samples++;
    const read = new Map<number, MemStatus | undefined>();
    const at = performance.timeOrigin + now;
    for (const [g, pids] of Object.entries(this.pidCache)) {
      const p = this.peaks[g]!;
      let sum = 0;
      let pss = 0;
      for (const pid of pids) {
        if (!read.has(pid)) read.set(pid, memStatus(pid, withPss));
        const m = read.get(pid);
        if (!m) continue;
        p.seen.add(pid);
        sum += m.rssKb;
        pss += m.pssKb;
        p.peakOneRssKb = Math.max(p.peakOneRssKb, m.rssKb);
        p.hwmKb = Math.max(p.hwmKb, m.hwmKb);
      }
      if (p.startSumRssKb < 0) p.startSumRssKb = sum;
      if (sum > p.peakSumRssKb) {
        p.peakSumRssKb = sum;
        p.peakAt = at;
      }
      p.peakSumPssKb = Math.max(p.peakSumPssKb, pss);
    }
  }

  stop(): MemoryReport {
    this.stopTimer();
    this.pidCacheAt = -Infinity; // re-read the pids: catch anything started since the last refresh
    this.sample(this.pssEvery > 0);
    const groups: Record<string, GroupPeak> = {};
    for (const [g, { seen, ...p }] of Object.entries(this.peaks)) groups[g] = { ...p, pids: [...seen], startSumRssKb: Math.max(0, p.startSumRssKb) };
    return { samples: this.samples, intervalMs: this.intervalMs, groups };
  }
}

export const mib = (kb: number): number => kb / 1024;
