// What the numbers were measured on.
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  kernel: string;
  memoryGiB: number;
  date: string;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAvg1: number;
}

export function machine(): Machine {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    kernel: release(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    date: new Date().toISOString(),
    loadAvg1: Math.round(loadavg()[0]! * 100) / 100,
  };
}
