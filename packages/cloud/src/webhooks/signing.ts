// Webhook signatures: HMAC-SHA256 over `<raw body>.<X-Halo-Timestamp>`, lowercase hex. Pure functions, so the
// SDK can reuse them to verify what the Cloud sends.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How old (or how far in the future) a webhook timestamp may be before verification rejects it. */
export const WEBHOOK_TOLERANCE_MS = 5 * 60_000;

/** The `X-Halo-Signature-256` value: lowercase hex HMAC-SHA256 of `body + "." + timestamp`, keyed by the secret's UTF-8 bytes. */
export function signWebhook(secret: string, body: string | Uint8Array, timestamp: string): string {
  return createHmac('sha256', secret).update(body).update('.').update(timestamp).digest('hex');
}

/**
 * True only if `signature` is the signature of exactly these body bytes and timestamp, and the timestamp is within
 * `toleranceMs` of `now` (replay prevention). Compares in constant time.
 */
export function verifyWebhook(
  secret: string, body: string | Uint8Array, timestamp: string, signature: string,
  now: Date | number = Date.now(), toleranceMs = WEBHOOK_TOLERANCE_MS,
): boolean {
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return false;
  const nowMs = typeof now === 'number' ? now : now.getTime();
  if (Math.abs(nowMs - at) > toleranceMs) return false;
  if (typeof signature !== 'string' || !/^[0-9a-f]{64}$/.test(signature)) return false;
  const expected = Buffer.from(signWebhook(secret, body, timestamp), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
