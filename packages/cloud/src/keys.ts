// Integrator API keys: 256-bit random secrets shown once; only their SHA-256 is stored. Lookup is by
// hash, so the secret itself is never compared byte by byte (no timing signal about the stored value).
import { hash, randomBytes } from 'node:crypto';

export function newApiKey(): string {
  return randomBytes(32).toString('hex');
}

export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}
