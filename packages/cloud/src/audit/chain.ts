// The audit log's hash chain: each event's hash covers its content and the previous event's hash, so
// altering, reordering or removing an event breaks every hash after it. The newest hash is also kept
// as the chain head, so removing the last events is detected too.
import { hash } from 'node:crypto';
import type { AuditEvent, NewAuditEvent } from '../store/types.js';

export const GENESIS = '0'.repeat(64);

function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}

/**
 * Whether JSON.stringify(v) is canonical(v): only JSON values, and every object a plain one whose keys
 * are already in sorted order. The Cloud builds its event details that way, so the common case costs
 * one native JSON.stringify instead of a sort and a string per key.
 */
function inCanonicalOrder(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  const t = typeof v;
  if (t === 'string' || t === 'boolean' || t === 'number') return true;
  if (t !== 'object') return false;
  if (Array.isArray(v)) {
    for (const x of v) if (!inCanonicalOrder(x)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  let prev: string | undefined;
  for (const k of Object.keys(v)) {
    if (prev !== undefined && !(prev < k)) return false;
    prev = k;
    if (!inCanonicalOrder((v as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** canonical(v), computed the cheap way when it can be. Exported for tests. */
export function canonicalJson(v: unknown): string {
  return inCanonicalOrder(v) ? JSON.stringify(v ?? null) : canonical(v);
}

/** The fields of an event before its details, as they stand in its hashed text. */
const headOf = (e: NewAuditEvent): string =>
  `${canonicalJson(e.at)},${canonicalJson(e.kind)},${canonicalJson(e.actor)},${canonicalJson(e.siteId)},${canonicalJson(e.integratorId)},${canonicalJson(e.outcome)}`;

/**
 * An event's hash and the JSON of its details as stored. The hashed text is the canonical JSON of
 * `[seq, at, kind, actor, siteId, integratorId, outcome, details, prevHash]`; the details are written in
 * canonical form, so the two share one serialisation.
 */
export function chainEvent(seq: number, prevHash: string, e: NewAuditEvent): { hash: string; detailsJson: string } {
  const { detailsJson, body } = eventBody(e);
  return { hash: hash('sha256', `[${canonicalJson(seq)},${body},${canonicalJson(prevHash)}]`, 'hex'), detailsJson };
}

/**
 * The stored JSON of an event's details, and its hashed text without the first and last fields: that text
 * is fixed before the event's place in the chain is known, so the PostgreSQL store chains a batch inside
 * one statement (pg-migrations.ts, conduit_audit_append, builds `[seq,<body>,"prevHash"]` from it).
 */
export function eventBody(e: NewAuditEvent): { detailsJson: string; body: string } {
  const detailsJson = canonicalJson(e.details);
  return { detailsJson, body: `${headOf(e)},${detailsJson}` };
}

export function eventHash(seq: number, prevHash: string, e: NewAuditEvent): string {
  return chainEvent(seq, prevHash, e).hash;
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
