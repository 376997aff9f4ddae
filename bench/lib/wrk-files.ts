// The files the wrk script (bench/lib/wrk-load.lua) reads: the raw HTTP requests it sends, built here
// once so the script only picks the next one, and its "key value" config.
import { writeFileSync } from 'node:fs';
import { assertLoopback } from './http-load.js';
import type { AnswerCheck } from './answer-checks.js';

/** One complete HTTP/1.1 request (keep-alive is HTTP/1.1's default), as the node client would send it. */
export function rawRequest(url: string, method: string, headers: Record<string, string>, body?: string): Buffer {
  const u = assertLoopback(url);
  const lines = [`${method} ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`];
  const has = (name: string): boolean => Object.keys(headers).some((h) => h.toLowerCase() === name);
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name + value)) throw new Error(`header ${name} holds a line break`);
    if (name.toLowerCase() !== 'content-length' && name.toLowerCase() !== 'host') lines.push(`${name}: ${value}`);
  }
  const payload = body === undefined ? undefined : Buffer.from(body);
  if (payload && !has('content-type')) lines.push('content-type: application/json');
  if (payload) lines.push(`Content-Length: ${payload.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), payload ?? Buffer.alloc(0)]);
}

/** "wrk-load requests 1 <n>\n" then "<length>\n<bytes>\n" per request. */
export function encodeRequests(requests: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`wrk-load requests 1 ${requests.length}\n`)];
  for (const r of requests) parts.push(Buffer.from(`${r.length}\n`), r, Buffer.from('\n'));
  return Buffer.concat(parts);
}

/** Inverse of encodeRequests (for tests and checks). */
export function decodeRequests(file: Buffer): Buffer[] {
  let nl = file.indexOf(10);
  const head = /^wrk-load requests 1 (\d+)$/.exec(file.subarray(0, nl).toString());
  if (!head) throw new Error('not a wrk-load requests file');
  const out: Buffer[] = [];
  let pos = nl + 1;
  for (let k = 0; k < Number(head[1]); k++) {
    nl = file.indexOf(10, pos);
    const len = Number(file.subarray(pos, nl).toString());
    out.push(file.subarray(nl + 1, nl + 1 + len));
    pos = nl + 1 + len + 1;
  }
  return out;
}

export interface WrkConfig {
  threads: number;
  connectionsPerThread: number;
  /** Requests over all threads; split evenly between them. */
  maxRequests: number;
  durationMs: number;
  /** rotate: every thread cycles through all requests; once: each request is sent at most once. */
  mode: 'rotate' | 'once';
  check?: AnswerCheck;
  requests: string;
  out: string;
  /** Where the first thread writes its first answer ("<status>\n<body>"), for validation. */
  firstResponse?: string;
}

export function encodeConfig(c: WrkConfig): string {
  const entries: [string, string | number | undefined][] = [
    ['threads', c.threads], ['connections_per_thread', c.connectionsPerThread], ['max_requests', c.maxRequests],
    ['duration_ms', c.durationMs], ['mode', c.mode], ['check', c.check], ['requests', c.requests], ['out', c.out],
    ['first_response', c.firstResponse],
  ];
  return entries.filter(([, v]) => v !== undefined).map(([k, v]) => {
    if (/[\r\n]/.test(String(v))) throw new Error(`wrk config ${k} holds a line break`);
    return `${k} ${v}\n`;
  }).join('');
}

export function writeConfig(file: string, c: WrkConfig): void {
  writeFileSync(file, encodeConfig(c));
}
