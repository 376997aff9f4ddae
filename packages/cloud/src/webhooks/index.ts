// Webhooks: configuration, the durable outbox and delivery loop, and the signing helpers.
export type { WebhookEvent, WebhookEmitter } from './types.js';
export { WebhookService, DEFAULT_WEBHOOK_OPTIONS, type WebhookServiceOptions } from './service.js';
export { WebhookStore, type WebhookConfig, type WebhookStats, type WebhookFailure, type OutboxRow, type OutboxStatus } from './store.js';
export { configureWebhook, webhookSecret, deriveWebhookSecret, webhookMasterKey, MASTER_KEY_SETTING, type ConfiguredWebhook } from './secrets.js';
export { signWebhook, verifyWebhook, WEBHOOK_TOLERANCE_MS } from './signing.js';
export { expandUrlTemplate, validateUrlTemplate, MAX_WEBHOOK_URL_LENGTH } from './url.js';
export { nextDelay, type BackoffOptions } from './backoff.js';
