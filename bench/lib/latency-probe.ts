// A closed-loop latency probe in its own process, so that the benchmark process's own work (decoding
// and parsing result pages) never delays the probe's requests or its clock. Usage:
//   latency-probe.ts '<json config>'   (see ProbeConfig)
// It warms up, prints "probe measuring", then sends one request at a time until SIGTERM, maxMs or
// maxRequests, whichever first; writes every sample (start time on the shared wall clock, latency) to
// `out` as JSON and prints "probe done".
import { writeFileSync } from 'node:fs';
import { HttpClient } from './http-load.js';

export interface ProbeConfig {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Rows every answer must carry. */
  rows: number;
  concurrency: number;
  warmupMs: number;
  maxMs: number;
  maxRequests: number;
  timeoutMs: number;
  out: string;
}

export interface ProbeResult {
  /** [start time (ms since the epoch, fractional), latency ms] of each successful request. */
  samples: [number, number][];
  errors: number;
  errorTimes: number[];
  firstError?: string;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as ProbeConfig;
const client = new HttpClient({ url: cfg.url, method: 'POST', headers: cfg.headers, body: cfg.body }, cfg.concurrency, cfg.timeoutMs);
const now = (): number => performance.timeOrigin + performance.now();
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});

function check(status: number, body: Buffer): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${body.toString('utf8').slice(0, 300)}`;
  const json = JSON.parse(body.toString('utf8')) as { status?: string; result?: { data?: string } };
  const rows = JSON.parse(Buffer.from(json.result?.data ?? '', 'base64').toString('utf8')) as unknown[];
  if (json.status !== 'successful' || rows.length !== cfg.rows) return `expected ${cfg.rows} rows, got ${rows.length} (${json.status})`;
  return undefined;
}

async function main(): Promise<void> {
  const first = await client.send();
  const bad = check(first.status, first.body);
  if (bad) throw new Error(`probe: first answer: ${bad}`);
  const warmUntil = performance.now() + cfg.warmupMs;
  await Promise.all(Array.from({ length: cfg.concurrency }, async () => {
    while (!stopping && performance.now() < warmUntil) await client.send().catch(() => undefined);
  }));
  console.log('probe measuring');
  const result: ProbeResult = { samples: [], errors: 0, errorTimes: [] };
  const until = performance.now() + cfg.maxMs;
  let issued = 0;
  await Promise.all(Array.from({ length: cfg.concurrency }, async () => {
    while (!stopping && issued < cfg.maxRequests && performance.now() < until) {
      issued++;
      const t0 = now();
      try {
        const res = await client.send();
        const dt = now() - t0;
        if (res.status === 200) result.samples.push([t0, dt]);
        else {
          result.errors++;
          result.errorTimes.push(t0);
          result.firstError ??= `HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`;
        }
      } catch (e) {
        result.errors++;
        result.errorTimes.push(t0);
        result.firstError ??= (e as Error).message;
      }
    }
  }));
  client.close();
  writeFileSync(cfg.out, JSON.stringify(result));
  console.log('probe done');
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
  },
);
