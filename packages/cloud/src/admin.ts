// Operator actions that work on the store directly, so they also work while the Cloud is running.
import { randomUUID } from 'node:crypto';
import type { Store, IntegratorRecord } from './store/types.js';
import { hashKey, newApiKey } from './keys.js';

export interface NewIntegrator extends IntegratorRecord {
  apiKey: string;
  secondaryApiKey: string;
}

export async function createIntegrator(store: Store, name: string): Promise<NewIntegrator> {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 100) throw new Error('integrator name must be 1 to 100 characters');
  const rec: IntegratorRecord = { id: randomUUID(), name: trimmed, createdAt: new Date().toISOString() };
  const apiKey = newApiKey();
  const secondaryApiKey = newApiKey();
  await store.createIntegrator(rec, { primary: hashKey(apiKey), secondary: hashKey(secondaryApiKey) });
  return { ...rec, apiKey, secondaryApiKey };
}
