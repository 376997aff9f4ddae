// @conduit/sdk: a typed client for the Conduit / Halo Connect Integrator API.
export {
  ConduitClient, AsyncRun,
  type ConduitClientOptions, type CommandInput, type PracticeRef, type PairSiteRequest, type QueryOptions, type ImmediateOptions,
  type ImmediateResult, type ResultPage, type ResultStream, type RegisteredQueryInput, type RegisteredResult, type WaitOptions,
  type RunAsyncOptions,
} from './client.js';
export { DEFAULT_TIMEOUT_MS, type CallOptions, type FetchLike, type TransportOptions } from './transport.js';
export { DEFAULT_RETRY, backoffDelay, parseRetryAfter, type RetryOptions } from './retry.js';
export { ConduitApiError, isConduitApiError, forbiddenReason, mayHaveRun, type ErrorKind, type ForbiddenReason } from './errors.js';
export { decodeData, decodeRows, parseJsonArrayStream, type RowMapper } from './rows.js';
export {
  verifyWebhook, signWebhook, parseWebhook, createWebhookHandler, WebhookWaiter, WEBHOOK_TOLERANCE_MS, WEBHOOK_HEADERS,
  type VerifyWebhookInput, type WebhookHandlerOptions,
} from './webhooks.js';
export * from './types.js';
