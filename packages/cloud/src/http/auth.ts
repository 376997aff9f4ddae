// Integrator authentication by Ocp-Apim-Subscription-Key. Known keys are cached by hash for a short
// time so the hot path does no store read; unknown keys always go to the store (revocation stays prompt).
import type { FastifyRequest } from 'fastify';
import type { IntegratorRecord, Store } from '../store/types.js';
import { hashKey } from '../keys.js';
import { ApiError, MESSAGES } from './errors.js';
import type { AuditLog } from '../audit/log.js';

const CACHE_MS = 30_000;

export class IntegratorAuth {
  private readonly cache = new Map<string, { rec: IntegratorRecord; until: number }>();

  constructor(private readonly store: Store, private readonly audit: AuditLog) {}

  private refuse(req: FastifyRequest, message: string, why: string): never {
    // The key itself is never recorded; only where the attempt came from.
    this.audit.record({ kind: 'auth.failed', actor: `ip:${req.ip}`, siteId: null, integratorId: null, outcome: 'refused', details: { why, path: req.routeOptions.url ?? req.url.split('?')[0] } });
    throw new ApiError(401, message);
  }

  /** The integrator, at once when its key is cached (no promise on the hot path), else from the store. */
  authenticate(req: FastifyRequest): IntegratorRecord | Promise<IntegratorRecord> {
    const raw = req.headers['ocp-apim-subscription-key'];
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!key) return this.refuse(req, MESSAGES.missingKey, 'missing key');
    if (key.length > 256) return this.refuse(req, MESSAGES.invalidKey, 'invalid key');
    const hash = hashKey(key);
    const hit = this.cache.get(hash);
    const now = Date.now();
    if (hit && hit.until > now) return hit.rec;
    return this.lookUp(req, hash, now);
  }

  private async lookUp(req: FastifyRequest, hash: string, now: number): Promise<IntegratorRecord> {
    const rec = await this.store.integratorByKeyHash(hash);
    if (!rec) return this.refuse(req, MESSAGES.invalidKey, 'invalid key');
    this.cache.set(hash, { rec, until: now + CACHE_MS });
    return rec;
  }
}
