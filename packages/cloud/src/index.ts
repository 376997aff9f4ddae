export { startCloud, storeFile, type CloudOptions, type RunningCloud } from './server.js';
export { createIntegrator, type NewIntegrator } from './admin.js';
export { SqliteStore } from './store/sqlite.js';
export type { Store, SiteRecord, QueryRecord, IntegratorRecord } from './store/types.js';
export { hashKey } from './keys.js';
