export { startCloud, storeFile, type CloudOptions, type RunningCloud } from './server.js';
export { createIntegrator, promoteSite, verifyAudit, type NewIntegrator } from './admin.js';
export { SqliteStore } from './store/sqlite.js';
export type { Store, SiteRecord, QueryRecord, IntegratorRecord, AuditEvent } from './store/types.js';
export { verifyChain, type VerifyResult } from './audit/chain.js';
export { ACCESS_MESSAGES } from './practice/control.js';
export { hashKey } from './keys.js';
export * from './webhooks/index.js';
