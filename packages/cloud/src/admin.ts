// Operator actions that work on the store directly, so they also work while the Cloud is running.
import { randomUUID } from 'node:crypto';
import type { Store, IntegratorRecord, SiteRecord } from './store/types.js';
import { hashKey, newApiKey } from './keys.js';
import { verifyChain, type VerifyResult } from './audit/chain.js';

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
  await store.appendAudit({ at: rec.createdAt, kind: 'admin.integratorCreated', actor: 'operator', siteId: null, integratorId: rec.id, outcome: 'ok', details: { name: rec.name } });
  return { ...rec, apiKey, secondaryApiKey };
}

/** Promotes a site; a running Cloud notices within a second and re-syncs the Links. */
export async function promoteSite(store: Store, siteId: string): Promise<SiteRecord[]> {
  if (!(await store.site(siteId))) throw new Error(`no site with Halo GUID ${siteId}`);
  const sites = await store.promoteSite(siteId);
  await store.appendAudit({ at: new Date().toISOString(), kind: 'site.promoted', actor: 'operator', siteId, integratorId: null, outcome: 'ok', details: { superseded: sites.filter((s) => s.id !== siteId).map((s) => s.id) } });
  return sites;
}

export async function verifyAudit(store: Store): Promise<VerifyResult> {
  const head = await store.getSetting('audit.head');
  return verifyChain(await store.auditChain(), head ? (JSON.parse(head) as { seq: number; hash: string }) : undefined);
}
