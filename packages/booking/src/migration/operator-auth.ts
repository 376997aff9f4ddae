// The operator's credential for /operator/* and /api/operator/*: `Authorization: Bearer <token>`, or the
// session cookie the sign-in form sets. The token itself is never stored in the cookie (the cookie is
// an expiry and an HMAC keyed by the token, so changing the token ends every session) and never logged.
// Every comparison hashes both sides and uses timingSafeEqual. Requests that change something must come
// from the same origin (Origin / Sec-Fetch-Site), on top of the SameSite=Strict cookie.
import type { IncomingMessage } from 'node:http';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const OPERATOR_COOKIE = 'bookwell_operator';
const SESSION_S = 12 * 3600;
/** Wrong tokens allowed per client address within the window before sign-in answers 429. */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 10 * 60_000;

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
/** Constant-time equality of two strings of any length (both are hashed first). */
export const sameSecret = (a: string, b: string): boolean => timingSafeEqual(sha256(a), sha256(b));

export type AuthResult = 'ok' | 'missing' | 'wrong';

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

const clientOf = (req: IncomingMessage): string => req.socket.remoteAddress ?? 'unknown';

export class OperatorAuth {
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(private readonly token: string, private readonly now: () => number = Date.now) {}

  private mac(expiry: number): string {
    return createHmac('sha256', this.token).update(`operator-session:${expiry}`).digest('base64url');
  }

  /** A new session cookie value (expiry and its HMAC). */
  session(): string {
    const expiry = Math.floor(this.now() / 1000) + SESSION_S;
    return `v1.${expiry}.${this.mac(expiry)}`;
  }

  private validSession(value: string | undefined): boolean {
    const m = /^v1\.(\d{1,12})\.([\w-]{43})$/.exec(value ?? '');
    if (!m) return false;
    const expiry = Number(m[1]);
    // Compare first, whatever the expiry, so the time taken does not depend on it.
    const ok = sameSecret(m[2]!, this.mac(expiry));
    return ok && expiry > this.now() / 1000;
  }

  /** Whether the token matches (constant time). */
  matches(given: string): boolean {
    return sameSecret(given, this.token);
  }

  /** Bearer header first, then the session cookie. */
  check(req: IncomingMessage): AuthResult {
    const h = req.headers.authorization;
    if (h !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
      if (m && this.matches(m[1]!)) return 'ok';
      this.failed(req);
      return 'wrong';
    }
    const c = cookies(req).get(OPERATOR_COOKIE);
    if (c === undefined) return 'missing';
    return this.validSession(c) ? 'ok' : 'wrong';
  }

  /** Counts a wrong token from this client. */
  failed(req: IncomingMessage): void {
    const k = clientOf(req);
    const now = this.now();
    const f = this.failures.get(k);
    if (!f || f.until <= now) this.failures.set(k, { count: 1, until: now + FAILURE_WINDOW_MS });
    else f.count++;
    if (this.failures.size > 10_000) for (const [key, v] of this.failures) if (v.until <= now) this.failures.delete(key);
  }

  /** Seconds this client must wait before trying another token (0: go ahead). */
  blockedFor(req: IncomingMessage): number {
    const f = this.failures.get(clientOf(req));
    const now = this.now();
    return f && f.until > now && f.count >= MAX_FAILURES ? Math.ceil((f.until - now) / 1000) : 0;
  }

  cookie(req: IncomingMessage, value: string, maxAge = SESSION_S): string {
    const secure = (req.socket as { encrypted?: boolean }).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
    return `${OPERATOR_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
  }
}

/**
 * Whether a request that changes something comes from this site: a browser's Origin (when it sends
 * one) must name this host, and Sec-Fetch-Site must not say another site.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host.toLowerCase() === String(req.headers.host ?? '').toLowerCase();
  } catch {
    return false;
  }
}
