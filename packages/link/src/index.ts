export { Link, LINK_VERSION, type LinkOptions, type LinkStatus } from './link.js';
export { readSiteInfo } from './site-info.js';
export { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { Scheduler } from './scheduler.js';
export { ResultWriter } from './result-writer.js';
export type { DriverConfig } from './executor/ipc.js';
export { startLocalUi, type LocalUi } from './local/server.js';
export { IntegrationError, type IntegrationRow, type PairingCode } from './integrations/manager.js';
export { newPairingCode, PAIRING_BITS, PAIRING_ALPHABET } from './integrations/pairing-code.js';
