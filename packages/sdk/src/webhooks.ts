// Query-completion webhooks: signature verification, a node:http receiver, and a waiter that lets
// runAsync wake up on a webhook instead of polling.
//
// Signature (X-Halo-Signature-256): lowercase hex HMAC-SHA256, keyed with the integrator's secret
// (its UTF-8 bytes), of the raw body bytes, ".", and the X-Halo-Timestamp value.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookPayload } from './types.js';

/** Timestamps further than this from the receiver's clock are rejected (replay prevention). */
export const WEBHOOK_TOLERANCE_MS = 5 * 60_000;

export const WEBHOOK_HEADERS = { id: 'x-halo-id', timestamp: 'x-halo-timestamp', signature: 'x-halo-signature-256' } as const;

/** The signature a sender puts in X-Halo-Signature-256. */
export function signWebhook(secret: string, body: string | Uint8Array, timestamp: string): string {
  return createHmac('sha256', secret).update(body).update('.').update(timestamp).digest('hex');
}

export interface VerifyWebhookInput {
  /** The signing secret; give two while a rotation is under way (either is accepted). */
  secret: string | readonly string[];
  /** The raw body exactly as received, before any JSON parsing. */
  body: string | Uint8Array;
  /** X-Halo-Timestamp. */
  timestamp: string | undefined | null;
  /** X-Halo-Signature-256. */
  signature: string | undefined | null;
  /** The receiver's clock (epoch ms or Date). Default now. */
  now?: number | Date;
  /** Default 5 minutes. A timestamp further away, in the past or the future, is rejected. */
  toleranceMs?: number;
}

/**
 * True only when `signature` is the HMAC of exactly this body and timestamp under (one of) the
 * secret(s), and the timestamp is within `toleranceMs` of `now`. Compares in constant time; a
 * malformed signature or timestamp is simply false.
 */
export function verifyWebhook(input: VerifyWebhookInput): boolean {
  const { body, timestamp, signature } = input;
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return false;
  const now = input.now === undefined ? Date.now() : typeof input.now === 'number' ? input.now : input.now.getTime();
  if (Math.abs(now - at) > (input.toleranceMs ?? WEBHOOK_TOLERANCE_MS)) return false;
  if (!/^[0-9a-f]{64}$/.test(signature)) return false;
  const given = Buffer.from(signature, 'hex');
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  let ok = false;
  // Every secret is checked (no early exit), so timing does not tell which one matched.
  for (const s of secrets) {
    if (typeof s !== 'string' || s === '') continue;
    if (timingSafeEqual(Buffer.from(signWebhook(s, body, timestamp), 'hex'), given)) ok = true;
  }
  return ok;
}

const UUIDISH = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parses and checks a webhook body; throws TypeError if it is not a query-completion notification. */
export function parseWebhook(body: string | Uint8Array): WebhookPayload {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const v = JSON.parse(text) as Partial<WebhookPayload>;
  const str = (x: unknown): x is string => typeof x === 'string' && x !== '';
  if (!v || typeof v !== 'object' || !str(v.id) || !str(v.occurredAt) || !str(v.siteId) || !str(v.queryId) || (v.webhookSource !== 'async' && v.webhookSource !== 'registered')) {
    throw new TypeError('not a query-completion webhook body');
  }
  if (!UUIDISH.test(v.queryId) || !UUIDISH.test(v.siteId)) throw new TypeError('webhook siteId/queryId are not GUIDs');
  return v as WebhookPayload;
}

/**
 * Lets a waiting `runAsync` (or anything else) learn that a query finished. Feed it every verified
 * notification with `notify`; `wait(queryId)` resolves when that query's notification arrives — also if
 * it arrived before `wait` was called (recent ids are remembered), since a fast query's webhook can
 * beat the submit response.
 */
export class WebhookWaiter {
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly seen = new Map<string, number>();

  constructor(private readonly rememberMs = 10 * 60_000, private readonly maxRemembered = 10_000) {}

  notify(payload: Pick<WebhookPayload, 'queryId'>): void {
    const id = payload.queryId.toLowerCase();
    this.seen.set(id, Date.now());
    if (this.seen.size > this.maxRemembered) this.prune();
    const ws = this.waiting.get(id);
    if (ws) {
      this.waiting.delete(id);
      for (const w of ws) w();
    }
  }

  /** Resolves when `queryId` has been notified; rejects with the signal's reason on abort. */
  wait(queryId: string, signal?: AbortSignal): Promise<void> {
    const id = queryId.toLowerCase();
    if (this.seen.has(id)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let set = this.waiting.get(id);
      if (!set) this.waiting.set(id, (set = new Set()));
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        set.delete(done);
        if (set.size === 0) this.waiting.delete(id);
        reject(signal!.reason);
      };
      set.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private prune(): void {
    const cutoff = Date.now() - this.rememberMs;
    for (const [id, at] of this.seen) if (at < cutoff || this.seen.size > this.maxRemembered) this.seen.delete(id);
  }
}

export interface WebhookHandlerOptions {
  /** The signing secret, or both secrets during a rotation. */
  secret: string | readonly string[];
  /** Called once per notification id, after the 2xx answer has been sent. */
  onNotification: (payload: WebhookPayload, meta: { deliveryId: string; timestamp: string }) => void | Promise<void>;
  /** Called when onNotification throws, or a request is refused (for logging). */
  onError?: (err: unknown) => void;
  toleranceMs?: number;
  /** Largest body accepted (default 64 KiB; notifications are ~200 bytes). */
  maxBodyBytes?: number;
  /** How many delivery ids are remembered for deduplication (default 10000). */
  dedupeSize?: number;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * A `node:http` request listener that receives query-completion webhooks: reads the raw body, verifies
 * the signature and timestamp (401 if wrong), answers 204 at once, then calls `onNotification` once
 * per X-Halo-Id (deliveries are at least once; repeats are answered 204 and dropped).
 */
export function createWebhookHandler(opts: WebhookHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const maxBytes = opts.maxBodyBytes ?? 64 * 1024;
  const dedupe = new Set<string>();
  const limit = opts.dedupeSize ?? 10_000;
  const refuse = (res: ServerResponse, status: number, why: string): void => {
    opts.onError?.(new Error(`webhook refused (${status}): ${why}`));
    res.writeHead(status, { 'content-type': 'text/plain' }).end(why);
  };
  return (req, res) => {
    if (req.method !== 'POST') {
      refuse(res, 405, 'POST only');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) tooBig = true;
      else chunks.push(c);
    });
    req.on('error', (e) => opts.onError?.(e));
    req.on('end', () => {
      if (tooBig) return refuse(res, 413, 'body too large');
      const body = Buffer.concat(chunks);
      const timestamp = header(req, WEBHOOK_HEADERS.timestamp);
      const signature = header(req, WEBHOOK_HEADERS.signature);
      if (!verifyWebhook({ secret: opts.secret, body, timestamp, signature, toleranceMs: opts.toleranceMs })) return refuse(res, 401, 'bad signature or timestamp');
      let payload: WebhookPayload;
      try {
        payload = parseWebhook(body);
      } catch (e) {
        return refuse(res, 400, (e as Error).message);
      }
      const deliveryId = header(req, WEBHOOK_HEADERS.id) ?? payload.id;
      res.writeHead(204).end();
      if (dedupe.has(deliveryId)) return;
      dedupe.add(deliveryId);
      if (dedupe.size > limit) dedupe.delete(dedupe.values().next().value as string);
      Promise.resolve()
        .then(() => opts.onNotification(payload, { deliveryId, timestamp: timestamp! }))
        .catch((e: unknown) => opts.onError?.(e));
    });
  };
}
