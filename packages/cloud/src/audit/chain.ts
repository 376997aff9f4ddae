// The audit log's hash chain: each event's hash covers its content and the previous event's hash, so
// altering, reordering or removing an event breaks every hash after it. The newest hash is also kept
// as the chain head, so removing the last events is detected too.
import { createHash } from 'node:crypto';
import type { AuditEvent, NewAuditEvent } from '../store/types.js';

export const GENESIS = '0'.repeat(64);

function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}

/**
 * An event's hashed text is `[seq,<body>,"prevHash"]` (canonical JSON of the whole): the body is fixed before the
 * event's place in the chain is known, so the PostgreSQL store chains a batch inside one statement
 * (pg-migrations.ts, conduit_audit_append, builds the same text).
 */
export function eventBody(e: NewAuditEvent): string {
  return canonical([e.at, e.kind, e.actor, e.siteId, e.integratorId, e.outcome, e.details]).slice(1, -1);
}

export function eventHash(seq: number, prevHash: string, e: NewAuditEvent): string {
  return createHash('sha256').update(`[${seq},${eventBody(e)},${JSON.stringify(prevHash)}]`).digest('hex');
}

export interface VerifyResult {
  ok: boolean;
  events: number;
  problems: string[];
}

export function verifyChain(events: AuditEvent[], head: { seq: number; hash: string } | undefined): VerifyResult {
  const problems: string[] = [];
  let prev = GENESIS;
  let expectedSeq = events[0]?.seq ?? 1;
  for (const e of events) {
    if (e.seq !== expectedSeq) problems.push(`event ${expectedSeq}${e.seq > expectedSeq ? `–${e.seq - 1} missing` : ' out of order'} (found ${e.seq})`);
    if (e.prevHash !== prev) problems.push(`event ${e.seq} does not follow the event before it (removed or reordered events)`);
    if (eventHash(e.seq, e.prevHash, e) !== e.hash) problems.push(`event ${e.seq} was altered (its hash does not match its content)`);
    prev = e.hash;
    expectedSeq = e.seq + 1;
  }
  if (events.length > 0 && events[0]!.seq !== 1) problems.push(`events before ${events[0]!.seq} are missing`);
  const last = events[events.length - 1];
  if (head && (!last || last.seq !== head.seq || last.hash !== head.hash)) {
    problems.push(`the chain ends at event ${last?.seq ?? 0} but the recorded head is event ${head.seq} (events removed from the end)`);
  }
  return { ok: problems.length === 0, events: events.length, problems };
}
