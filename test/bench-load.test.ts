// The bench's load generators without timing: wrk's summary (its latency histogram with the
// coordinated-omission correction undone), the files the wrk script reads, the answer checks, the
// node client's bodies, and wrk itself driving a loopback server through the script, bounded by count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANSWER_CHECKS } from '../bench/lib/answer-checks.js';
import { httpTarget, nodeGenerator } from '../bench/lib/http-load.js';
import { PooledCase, openSpread, round } from '../bench/lib/cluster-load.js';
import type { LoadTarget } from '../bench/lib/load-generator.js';
import { percentile } from '../bench/lib/stats.js';
import { decodeRequests, encodeConfig, encodeRequests, rawRequest } from '../bench/lib/wrk-files.js';
import { findWrk, wrkGenerator, wrkVersion } from '../bench/lib/wrk-load.js';
import {
  correctionInterval, histogramOf, histogramPercentile, histogramSamplesMs, parseWrkSummary, undoCorrection, wrkWindow, type Histogram, type WrkRawSummary,
} from '../bench/lib/wrk-summary.js';

/** wrk 4.1.0's stats_correct (src/stats.c), on a dense array: the reference the inversion is tested against. */
function wrkCorrect(data: number[], expected: number): void {
  const max = data.length - 1;
  for (let n = expected * 2; n <= max; n++) {
    const count = data[n]!;
    for (let m = n - expected; count && m > expected; m -= expected) data[m]! += count;
  }
}

function dense(h: Histogram, size: number): number[] {
  const d = new Array<number>(size).fill(0);
  h.values.forEach((v, i) => (d[v] = h.counts[i]!));
  return d;
}

function sparse(d: number[]): Histogram {
  const h: Histogram = { values: [], counts: [] };
  d.forEach((c, v) => {
    if (c) {
      h.values.push(v);
      h.counts.push(c);
    }
  });
  return h;
}

/** A deterministic skewed latency sample: mostly near `base` µs, a long tail. */
function samples(n: number, base: number, seed: number): number[] {
  let x = seed;
  const rnd = (): number => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, () => Math.round(base * (0.6 + rnd()) + (rnd() < 0.03 ? rnd() * base * 40 : 0)));
}

test('undoing wrk\'s coordinated-omission correction gives back exactly the measured histogram', () => {
  for (const [n, base, seed] of [[5000, 150, 1], [800, 3000, 2], [20000, 80, 3], [3, 10, 4]] as const) {
    const measured = sparse(samples(n, base, seed).reduce((d, v) => ((d[v] = (d[v] ?? 0) + 1), d), [] as number[]).map((c) => c ?? 0));
    const size = measured.values[measured.values.length - 1]! + 1;
    const connections = 4;
    const durationUs = measured.values.reduce((a, v, i) => a + v * measured.counts[i]!, 0) / connections;
    const interval = correctionInterval(durationUs, n, connections)!;
    const data = dense(measured, size);
    wrkCorrect(data, interval);
    const corrected = sparse(data);
    if (measured.values[measured.values.length - 1]! >= 2 * interval) assert.ok(corrected.counts.reduce((a, b) => a + b) > n, 'the correction added samples');
    assert.deepEqual(undoCorrection(corrected, interval), measured);
  }
  // wrk corrects only when there is at least one answer per connection
  assert.equal(correctionInterval(1_000_000, 3, 4), undefined);
  assert.equal(correctionInterval(1_000_000, 9, 4), 500_000);
});

test('histogram percentiles are the nearest-rank percentiles of the samples', () => {
  const s = samples(1234, 200, 7);
  const h = sparse(s.reduce((d, v) => ((d[v] = (d[v] ?? 0) + 1), d), [] as number[]).map((c) => c ?? 0));
  const sorted = Float64Array.from(s).sort();
  for (const p of [1, 50, 90, 99, 99.9, 100]) assert.equal(histogramPercentile(h, p), percentile(sorted, p), `p${p}`);
  assert.ok(Number.isNaN(histogramPercentile({ values: [], counts: [] }, 50)));
  assert.throws(() => histogramOf([1, 2, 3]), /odd/);
  assert.throws(() => histogramOf([5, 1, 4, 1]), /ascending/);
});

/** A summary as the Lua script writes it, around a measured histogram. */
function rawSummary(measured: Histogram, over: Partial<WrkRawSummary> = {}): WrkRawSummary {
  const n = measured.counts.reduce((a, b) => a + b, 0);
  const connections = 2;
  const durationUs = 150_000;
  const interval = correctionInterval(durationUs, n, connections)!;
  const data = dense(measured, measured.values[measured.values.length - 1]! + 1);
  wrkCorrect(data, interval);
  const corrected = sparse(data);
  const total = corrected.counts.reduce((a, b) => a + b, 0);
  const mean = corrected.values.reduce((a, v, i) => a + v * corrected.counts[i]!, 0) / total;
  // wrk's stats_percentile: the value where the running count reaches round(p/100 × count + 0.5)
  const wrkPct = (p: number): number => {
    const rank = Math.round((p / 100) * total + 0.5);
    let seen = 0;
    return corrected.values.find((_, i) => (seen += corrected.counts[i]!) >= rank)!;
  };
  return {
    format: 'wrk-load summary 1', connections, durationUs, requests: n, bytes: 1000,
    errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 0 },
    histogramCount: total,
    api: { min: corrected.values[0]!, max: corrected.values[corrected.values.length - 1]!, mean, p50: wrkPct(50), p90: wrkPct(90), p99: wrkPct(99) },
    histogram: corrected.values.flatMap((v, i) => [v, corrected.counts[i]!]),
    threads: [
      { issued: n - 10, responses: n - 10, non200: 2, check_failed: 3, parked: 1, started_us: 1000, last_us: 1_001_000, cpu_start_us: 50, cpu_end_us: 20_050, finished: true, first_error: 'booking refused (RETURN -1): the slot was not free' },
      { issued: 10, responses: 10, non200: 0, check_failed: 0, parked: 1, started_us: 1500, last_us: 1_500_000, cpu_start_us: 60, cpu_end_us: 30_000, finished: true },
    ],
    ...over,
  };
}

test('a wrk summary becomes the bench Summary: measured latencies, successes, errors by kind, window, CPU', () => {
  const measured: Histogram = { values: [100, 150, 200, 5000], counts: [400, 500, 95, 5] };
  const w = wrkWindow(rawSummary(measured));
  assert.equal(w.answered, 1000);
  assert.equal(w.summary.count, 995);
  assert.equal(w.summary.errors, 5);
  assert.deepEqual(w.errorKinds, { status: 2, check: 3, late: 0, unanswered: 0, connect: 0, read: 0, write: 0 });
  assert.equal(w.summary.firstError, 'booking refused (RETURN -1): the slot was not free');
  assert.equal(w.summary.elapsedMs, 1499);
  assert.equal(w.summary.throughput, (995 * 1000) / 1499);
  assert.equal(w.clientCpuMs, (30_000 - 50) / 1000);
  assert.deepEqual([w.summary.minMs, w.summary.p50Ms, w.summary.p90Ms, w.summary.p99Ms, w.summary.maxMs], [0.1, 0.15, 0.15, 0.2, 5]);
  assert.equal(w.summary.meanMs, (100 * 400 + 150 * 500 + 200 * 95 + 5000 * 5) / 1000 / 1000);
  assert.ok(w.corrected.count > 1000 && w.corrected.p99Ms > w.summary.p99Ms, 'the corrected view is kept apart, and is worse');
});

test('a wrk summary that does not add up is refused rather than reported', () => {
  const measured: Histogram = { values: [100, 150, 200, 5000], counts: [400, 500, 95, 5] };
  const good = rawSummary(measured);
  assert.throws(() => wrkWindow({ ...good, api: { ...good.api, mean: good.api.mean * 1.01 } }), /disagrees with wrk's API/);
  assert.throws(() => wrkWindow({ ...good, histogramCount: good.histogramCount + 1 }), /buckets sum/);
  assert.throws(() => wrkWindow({ ...good, errors: { ...good.errors, timeout: 1 } }), /1000 measured samples .* wrk recorded 999/);
  assert.throws(() => wrkWindow({ ...good, threads: [good.threads[0]!] }), /the script 990/);
  assert.throws(() => parseWrkSummary('{"format":"other"}'), /not a wrk-load summary/);
  assert.deepEqual(parseWrkSummary(JSON.stringify(good)), good);
});

test('a window stopped from outside counts its unanswered requests and has no script CPU reading', () => {
  const measured: Histogram = { values: [100, 200], counts: [10, 10] };
  const good = rawSummary(measured);
  const w = wrkWindow({
    ...good,
    errors: { ...good.errors, read: 1 },
    threads: [{ issued: 23, responses: 20, non200: 0, check_failed: 0, parked: 0, started_us: 10, last_us: 2010, cpu_start_us: 1, finished: false }],
  });
  assert.equal(w.errorKinds.unanswered, 3);
  assert.equal(w.summary.errors, 3, 'a read error loses the request in flight, already counted as unanswered');
  assert.equal(w.summary.count, 20);
  assert.equal(w.clientCpuMs, undefined);
  assert.match(w.summary.firstError!, /3 request\(s\) unanswered/);
});

test('raw requests: Host from the URL, byte length of the body, default JSON content type, loopback only', () => {
  const body = JSON.stringify({ command: { text: 'SELECT \'é\'' } });
  const r = rawRequest('http://127.0.0.1:8123/integrator/sites/x/queries/immediate?a=1', 'POST', { 'Ocp-Apim-Subscription-Key': 'k' }, body).toString();
  assert.equal(r, `POST /integrator/sites/x/queries/immediate?a=1 HTTP/1.1\r\nHost: 127.0.0.1:8123\r\nOcp-Apim-Subscription-Key: k\r\ncontent-type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  assert.equal(rawRequest('http://127.0.0.1:1/p', 'GET', { 'Content-Type': 'text/plain', Host: 'evil', 'content-length': '9' }).toString(), 'GET /p HTTP/1.1\r\nHost: 127.0.0.1:1\r\nContent-Type: text/plain\r\n\r\n');
  assert.throws(() => rawRequest('http://example.com/', 'GET', {}), /loopback/);
  assert.throws(() => rawRequest('http://127.0.0.1:1/', 'GET', { a: 'b\r\nc: d' }), /line break/);
});

test('the requests file and the config round-trip, bodies with line breaks included', () => {
  const reqs = [Buffer.from('a\r\n\r\nb\n'), Buffer.from(''), Buffer.from('x'.repeat(70_000))];
  assert.deepEqual(decodeRequests(encodeRequests(reqs)), reqs);
  assert.equal(encodeRequests([Buffer.from('ab')]).toString(), 'wrk-load requests 1 1\n2\nab\n');
  assert.equal(encodeConfig({ threads: 2, connectionsPerThread: 16, maxRequests: 100, durationMs: 5000, mode: 'once', check: 'appointment-id', requests: '/r', out: '/o' }),
    'threads 2\nconnections_per_thread 16\nmax_requests 100\nduration_ms 5000\nmode once\ncheck appointment-id\nrequests /r\nout /o\n');
  assert.throws(() => encodeConfig({ threads: 1, connectionsPerThread: 1, maxRequests: 1, durationMs: 1, mode: 'rotate', requests: '/a\nb', out: '/o' }), /line break/);
});

const answer = (rows: unknown[], status = 'successful'): Buffer => Buffer.from(JSON.stringify({ status, result: { rows: rows.length, data: Buffer.from(JSON.stringify(rows)).toString('base64') } }));

test('the booking check: the first row must carry a positive id', () => {
  const check = ANSWER_CHECKS['appointment-id'];
  assert.equal(check(answer([{ id: 812 }])), undefined);
  assert.equal(check(answer([{ id: -1 }])), 'booking refused (RETURN -1): the slot was not free');
  assert.equal(check(answer([{ id: 0 }])), 'booking refused (RETURN 0): the slot was not free');
  assert.equal(check(answer([])), 'booking refused (RETURN undefined): the slot was not free');
});

test('the node client\'s bodies: fixed, rotating, and each-once until they run out', () => {
  const base = { url: 'http://127.0.0.1:1/', method: 'POST' as const, headers: {} };
  assert.equal(httpTarget({ ...base, bodies: { kind: 'fixed', body: 'f' } }).body, 'f');
  const rot = httpTarget({ ...base, bodies: { kind: 'rotate', bodies: ['a', 'b', 'c'] } }).body as () => string;
  assert.deepEqual([rot(), rot(), rot(), rot()], ['a', 'b', 'c', 'a']);
  const left = ['1', '2'];
  const once = httpTarget({ ...base, bodies: { kind: 'once', take: (n) => left.splice(0, n) }, check: 'appointment-id' });
  const next = once.body as () => string | undefined;
  assert.deepEqual([next(), next(), next()], ['1', '2', undefined]);
  assert.equal(once.check, ANSWER_CHECKS['appointment-id']);
});

// wrk is required (.ci/run installs Debian's package): a missing wrk fails the run, never skips it.
test('wrk through the script: each-once bodies sent once, every answer checked, counts bounded, first answer validated', async () => {
  const bin = findWrk();
  if (!bin) throw new Error('wrk is not installed: apt-get install wrk');
  const seen: string[] = [];
  // Booking n answers RETURN -1 when n is a multiple of 7, HTTP 503 when a multiple of 11, else id n.
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push(body);
      const n = Number((JSON.parse(body) as { n: number }).n);
      if (n % 11 === 0) {
        res.writeHead(503).end('busy');
        return;
      }
      const out = answer([{ id: n % 7 === 0 ? -1 : n }]);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length }).end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const dir = mkdtempSync(join(tmpdir(), 'conduit-wrk-test-'));
    const bodies = Array.from({ length: 600 }, (_, i) => JSON.stringify({ n: i + 1 }));
    let validated: string | undefined;
    for (const threads of [1, 2]) {
      seen.length = 0;
      const left = [...bodies];
      const gen = wrkGenerator({ bin, dir, timeoutMs: 10_000, threads: () => threads, version: await wrkVersion(bin) });
      const target: LoadTarget = {
        url: `http://127.0.0.1:${port}/book`, method: 'POST', headers: { 'x-key': 'k' },
        bodies: { kind: 'once', take: (n) => left.splice(0, n) }, check: 'appointment-id',
        validate: (status, body) => (validated = `${status} ${body.toString()}`),
      };
      const session = gen.open(target, 4);
      // 600 bodies, at most 500 requests: the count bound ends the window (the time bound is far away).
      let ended = false;
      const r = await session.run({ durationMs: 120_000, maxRequests: 500 }, { validate: true, onEnd: () => (ended = true) });
      session.close();
      assert.ok(ended);
      assert.equal(seen.length, 500, `threads ${threads}: requests sent`);
      assert.equal(new Set(seen).size, 500, 'each body at most once');
      const ns = seen.map((b) => (JSON.parse(b) as { n: number }).n);
      const refused = ns.filter((n) => n % 7 === 0 && n % 11 !== 0).length;
      const busy = ns.filter((n) => n % 11 === 0).length;
      assert.deepEqual(r.errorKinds, { status: busy, check: refused, late: 0, unanswered: 0, connect: 0, read: 0, write: 0 });
      assert.equal(r.summary.errors, busy + refused);
      assert.equal(r.summary.count, 500 - busy - refused);
      assert.match(r.summary.firstError!, /^(HTTP 503: busy|booking refused \(RETURN -1\): the slot was not free)$/);
      assert.ok(r.summary.p50Ms > 0 && r.summary.maxMs >= r.summary.p99Ms && r.summary.elapsedMs > 0);
      assert.ok(r.clientCpuMs > 0);
      assert.match(validated!, /^(200 \{"status":"successful"|503 busy)/);
    }

    // Rotating bodies are cycled through: 1,500 requests send each of 600 two or three times.
    seen.length = 0;
    const gen = wrkGenerator({ bin, dir, timeoutMs: 10_000, threads: () => 1, version: 'wrk' });
    const session = gen.open({ url: `http://127.0.0.1:${port}/book`, method: 'POST', headers: {}, bodies: { kind: 'rotate', bodies } }, 1);
    const r = await session.run({ durationMs: 120_000, maxRequests: 1500 });
    assert.equal(seen.length, 1500);
    const counts = new Map<string, number>();
    for (const b of seen) counts.set(b, (counts.get(b) ?? 0) + 1);
    assert.deepEqual([...new Set(counts.values())].sort(), [2, 3]);
    assert.equal(r.summary.count + r.summary.errors, 1500, 'no check: only the 503s are errors');
  } finally {
    server.close();
  }
});

test('a cluster round shares the connections out over its targets, runs them together and pools what they measured', async () => {
  const bin = findWrk();
  if (!bin) throw new Error('wrk is not installed: apt-get install wrk');
  // Three servers, each answering after 1 ms and counting its requests and the most connections it had open
  // at once (wrk opens and closes one first, to try the address).
  const servers = [0, 1, 2].map(() => {
    const s = { answered: 0, open: 0, connections: 0, server: createServer((req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => {
        s.answered++;
        const out = answer([{ InternalID: 42 }]);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length }).end(out);
      }, 1));
    }) };
    s.server.on('connection', (socket) => {
      s.connections = Math.max(s.connections, ++s.open);
      socket.on('close', () => s.open--);
    });
    return s;
  });
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r))));
  try {
    const dir = mkdtempSync(join(tmpdir(), 'conduit-round-test-'));
    const targets: LoadTarget[] = servers.map((s) => ({
      url: `http://127.0.0.1:${(s.server.address() as AddressInfo).port}/q`, method: 'POST', headers: {}, bodies: { kind: 'fixed', body: '{}' },
    }));
    const gens = [wrkGenerator({ bin, dir, timeoutMs: 10_000, threads: () => 1, version: 'wrk' }), nodeGenerator(10_000)];
    for (const gen of gens) {
      for (const s of servers) s.answered = s.connections = 0;
      const spread = openSpread(gen, targets, 8);
      assert.deepEqual(spread.map((t) => t.concurrency), [3, 3, 2]);
      const into = new PooledCase();
      const cpuBefore = process.cpuUsage();
      await round(spread, 400, { into, groups: { bench: () => [process.pid] }, generatorCpu: gen.name === 'wrk' ? 'sum' : 'max' });
      for (const t of spread) t.session.close();
      const used = process.cpuUsage(cpuBefore);
      assert.deepEqual(into.byTarget, servers.map((s) => s.answered), `${gen.name}: every answer counted for its target`);
      assert.deepEqual(servers.map((s) => s.connections), [3, 3, 2], `${gen.name}: each target got its share of connections`);
      const s = into.summary();
      assert.equal(s.count, servers.reduce((a, x) => a + x.answered, 0));
      assert.equal(into.samples.length, s.count, 'one latency per answer, pooled over the targets');
      assert.ok(s.count > 100 && s.errors === 0, `${gen.name}: ${s.count} answers, ${s.errors} errors`);
      assert.ok(s.p50Ms >= 1 && s.p99Ms >= s.p50Ms, 'latencies include the servers\' 1 ms');
      // The targets ran together: the round's window (first launch to last end) is about 400 ms, not three times that.
      assert.ok(into.elapsedMs >= 380 && into.elapsedMs < 1000, `window ${into.elapsedMs} ms`);
      assert.ok(into.cpuMs['load generator']! > 0, 'the generator\'s own CPU is charged');
      // A group's reading counts the children its processes reaped: here the wrk processes this process ran.
      const own = (used.user + used.system) / 1000;
      if (gen.name === 'wrk') assert.ok(into.cpuMs.bench! >= into.cpuMs['load generator']! - 20, `wrk's CPU is in its parent's reading (${into.cpuMs.bench} ms)`);
      else assert.ok(into.cpuMs.bench! >= 0 && into.cpuMs.bench! <= own + 20, `a group reads /proc for its processes (${into.cpuMs.bench} vs ${own} ms)`);
    }
  } finally {
    for (const s of servers) s.server.close();
  }
});

test('a wrk histogram expands to its samples, in ms', () => {
  assert.deepEqual([...histogramSamplesMs({ values: [100, 250], counts: [2, 1] })], [0.1, 0.1, 0.25]);
  assert.equal(histogramSamplesMs({ values: [], counts: [] }).length, 0);
});
