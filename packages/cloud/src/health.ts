// What GET /healthz reports: whether this node can serve requests, which needs its store and, in a
// cluster, its bus to answer. A load balancer must stop sending a node traffic while either is down (its
// requests would all fail or wait). Probes come often, so a result is reused for a second: at most one
// round trip to each engine per second, whatever the probe rate.
import type { Store } from './store/types.js';
import type { Bus } from './bus/types.js';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  /** 'ok', or why not. */
  store: string;
  bus?: string;
}

export interface HealthOptions {
  /** An engine that has not answered by then is down. */
  timeoutMs: number;
  /** How long one check's result answers probes. */
  reuseMs: number;
}

export const DEFAULT_HEALTH: HealthOptions = { timeoutMs: 2_000, reuseMs: 1_000 };

export class Health {
  private last?: { at: number; report: Promise<HealthReport> };

  constructor(
    private readonly store: Pick<Store, 'ping'>,
    private readonly bus?: Pick<Bus, 'ping'>,
    private readonly opts: HealthOptions = DEFAULT_HEALTH,
  ) {}

  report(now = Date.now()): Promise<HealthReport> {
    if (this.last && now - this.last.at < this.opts.reuseMs) return this.last.report;
    const report = this.check();
    this.last = { at: now, report };
    return report;
  }

  private async check(): Promise<HealthReport> {
    const [store, bus] = await Promise.all([
      verdict(() => this.store.ping(), this.opts.timeoutMs),
      this.bus ? verdict(() => this.bus!.ping(), this.opts.timeoutMs) : undefined,
    ]);
    const ok = store === 'ok' && (bus === undefined || bus === 'ok');
    return { status: ok ? 'ok' : 'unavailable', store, ...(bus !== undefined ? { bus } : {}) };
  }
}

async function verdict(ping: () => Promise<void>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`down: no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([ping().then(() => 'ok', (e: Error) => `down: ${String(e.message).slice(0, 200)}`), late]);
  } finally {
    clearTimeout(timer);
  }
}
