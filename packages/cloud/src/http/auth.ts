// Integrator authentication by Ocp-Apim-Subscription-Key. Known keys are cached by hash for a short
// time so the hot path does no store read; unknown keys always go to the store (revocation stays prompt).
import type { FastifyRequest } from 'fastify';
import type { IntegratorRecord, Store } from '../store/types.js';
import { hashKey } from '../keys.js';
import { ApiError, MESSAGES } from './errors.js';

const CACHE_MS = 30_000;

export class IntegratorAuth {
  private readonly cache = new Map<string, { rec: IntegratorRecord; until: number }>();

  constructor(private readonly store: Store) {}

  async authenticate(req: FastifyRequest): Promise<IntegratorRecord> {
    const raw = req.headers['ocp-apim-subscription-key'];
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!key) throw new ApiError(401, MESSAGES.missingKey);
    if (key.length > 256) throw new ApiError(401, MESSAGES.invalidKey);
    const hash = hashKey(key);
    const hit = this.cache.get(hash);
    const now = Date.now();
    if (hit && hit.until > now) return hit.rec;
    const rec = await this.store.integratorByKeyHash(hash);
    if (!rec) throw new ApiError(401, MESSAGES.invalidKey);
    this.cache.set(hash, { rec, until: now + CACHE_MS });
    return rec;
  }
}
