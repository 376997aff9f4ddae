// Per-integrator webhook secrets are derived, never stored: secret = HMAC-SHA256(masterKey, "webhook\n" + integratorId
// + "\n" + secretVersion), lowercase hex. Only the master key (32 random bytes, settings key webhooks.masterKey) is kept.
import { createHmac, randomBytes } from 'node:crypto';
import type { SqliteStore } from '../store/sqlite.js';
import type { PgStore } from '../store/postgres.js';
import type { WebhookConfig } from './store.js';
import { outboxFor } from './pg-store.js';
import { validateUrlTemplate } from './url.js';

export const MASTER_KEY_SETTING = 'webhooks.masterKey';

export function deriveWebhookSecret(masterKey: Buffer, integratorId: string, secretVersion: number): string {
  return createHmac('sha256', masterKey).update(`webhook\n${integratorId}\n${secretVersion}`).digest('hex');
}

/** The master key, made on first use. Safe against a concurrent first use by another process: the first writer wins. */
export async function webhookMasterKey(store: SqliteStore | PgStore): Promise<Buffer> {
  const stored = await store.getSetting(MASTER_KEY_SETTING);
  const hex = stored ?? await store.setSettingOnce(MASTER_KEY_SETTING, randomBytes(32).toString('hex'));
  const key = Buffer.from(hex, 'hex');
  if (key.length !== 32) throw new Error(`setting ${MASTER_KEY_SETTING} is not a 32-byte hex key`);
  return key;
}

export interface ConfiguredWebhook extends WebhookConfig {
  /** The signing secret to give the integrator. */
  secret: string;
  /** True if this call changed the secret (first configuration or rotation). */
  rotated: boolean;
}

/**
 * Sets an integrator's webhook URL template. The first call, and any call with `rotate`, makes a new secret (the old
 * one stops working at once, also for retries still queued). Writes an audit event (never the secret).
 */
export async function configureWebhook(
  store: SqliteStore | PgStore, integratorId: string, urlTemplate: string, opts: { rotate?: boolean } = {},
): Promise<ConfiguredWebhook> {
  const template = validateUrlTemplate(urlTemplate);
  if (!(await store.listIntegrators()).some((i) => i.id === integratorId)) throw new Error(`no integrator with id ${integratorId}`);
  const masterKey = await webhookMasterKey(store);
  const ws = outboxFor(store);
  const before = await ws.config(integratorId);
  const at = new Date().toISOString();
  const cfg = await ws.upsertConfig(integratorId, template, opts.rotate ?? false, at);
  const rotated = before?.secretVersion !== cfg.secretVersion;
  await store.appendAudit({
    at, kind: 'admin.webhookConfigured', actor: 'operator', siteId: null, integratorId, outcome: 'ok',
    details: { url: template, secretVersion: cfg.secretVersion, rotated },
  });
  return { ...cfg, secret: deriveWebhookSecret(masterKey, integratorId, cfg.secretVersion), rotated };
}

/** The current secret of an integrator's webhook, or undefined if it has none. */
export async function webhookSecret(store: SqliteStore | PgStore, integratorId: string): Promise<string | undefined> {
  const cfg = await outboxFor(store).config(integratorId);
  return cfg ? deriveWebhookSecret(await webhookMasterKey(store), integratorId, cfg.secretVersion) : undefined;
}
