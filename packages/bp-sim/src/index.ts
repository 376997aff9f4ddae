// Public API of the simulated Bp Premier database.
export type { SimParamDirection, SimParam, SimBatch, SimOutcome } from './types.js';
export { FIRST_VALUE } from './types.js';
export { SqlServerError, STATEMENT_INTERRUPTED } from './errors.js';
export { Interrupter, interruptSupported, INTERRUPT_EXTENSION } from './interrupt.js';
export { BpSimDatabase, type OpenOptions } from './database.js';
export { createPracticeDatabase, DEFAULT_START_DATE, type GenerateOptions, type GenerateResult, type ProgressFn } from './generate/generator.js';
export { readPracticeInfo, PMS_VERSION } from './practice.js';
export { TABLES, INDEXES } from './schema.js';
export { VIEWS } from './views.js';
export { procedureNames } from './procedures/registry.js';
export { isValidMedicareNumber, isValidIhi, medicareCheckDigit, luhnCheckDigit } from './generate/identifiers.js';
export {
  setIntegrationLogin, integrationLoginEnabled, listIntegrationLogins, recordIntegrationLogin, setPmsVersion, loginFailedError,
  ensureIntegrationLoginTable, SIM_INTEGRATION_LOGIN_TABLE, SIM_INTEGRATION_LOGIN_DDL, LOGIN_FAILED, type IntegrationLogin,
} from './integration-login.js';
