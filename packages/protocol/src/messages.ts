// Link <-> Cloud text messages. Every envelope is {v, type, id, ...}; both ends validate with zod.
import { z } from 'zod';
import { commandSchema, errorDetailsSchema, DIRECTIONS, SQL_DB_TYPES } from './query-model.js';

export const PROTOCOL_VERSION = 1;
/** The Cloud's WebSocket endpoint for Links (under the Cloud's address, path prefix kept: link/src/cloud-url.ts). */
export const LINK_ENDPOINT = '/link/v1/connect';

const base = { v: z.literal(PROTOCOL_VERSION), id: z.string().min(1).max(64) };
const catalogueSchema = z.object({ name: z.string().min(1).max(64), isDefault: z.boolean() });
const resultParameterSchema = z.object({
  name: z.string(), direction: z.enum(DIRECTIONS), type: z.enum(SQL_DB_TYPES),
  value: z.string().nullable(), size: z.number().int().optional(),
});

export const siteInfoSchema = z.object({
  pmsType: z.enum(['BestPractice', 'Zedmed', 'D4w']),
  pmsSiteId: z.string().min(1).max(64),
  practiceName: z.string().max(200),
  pmsVersion: z.string().max(64),
  catalogues: z.array(catalogueSchema).min(1),
});
export type SiteInfo = z.infer<typeof siteInfoSchema>;

// ---- Link -> Cloud ----
export const helloSchema = z.object({
  ...base, type: z.literal('hello'),
  publicKey: z.string().min(40).max(200), // SPKI DER, base64
  linkVersion: z.string().max(32),
  linkNonce: z.string().min(16).max(128),
  /** Ephemeral X25519 key for this session (SPKI, base64). */
  ecdhPublicKey: z.string().min(40).max(200),
  site: siteInfoSchema,
});
export const authSchema = z.object({ ...base, type: z.literal('auth'), signature: z.string().max(200) });
export const heartbeatSchema = z.object({
  ...base, type: z.literal('heartbeat'), clientTime: z.string(), inFlight: z.number().int().min(0),
});
export const queryStartedSchema = z.object({ ...base, type: z.literal('query.started'), queryId: z.string(), at: z.number() });
export const queryCompletedSchema = z.object({
  ...base, type: z.literal('query.completed'), queryId: z.string(),
  rows: z.number().int().optional(), rowsAffected: z.number().int().optional(),
  size: z.number().int(), chunks: z.number().int().min(0),
  parameters: z.array(resultParameterSchema),
  sqlExecutionDuration: z.number().int().min(0),
  executingAt: z.number(), uploadingAt: z.number(),
  /** Paged (async) results: how many pages were sent. */
  pages: z.number().int().min(0).optional(),
});
/** Sent after the last chunk of a result page; the Cloud answers page.ack once the page is stored. */
export const queryPageSchema = z.object({
  ...base, type: z.literal('query.page'), queryId: z.string(), page: z.number().int().min(1),
  rows: z.number().int().min(0), size: z.number().int().min(0), rangeStart: z.number().int().min(0), rangeEnd: z.number().int().min(-1),
});
export type QueryPage = z.infer<typeof queryPageSchema>;
export const queryFailedSchema = z.object({
  ...base, type: z.literal('query.failed'), queryId: z.string(),
  status: z.enum(['executionFailed', 'expiredInQueue']),
  errorDetails: errorDetailsSchema,
  executingAt: z.number().optional(),
});

/** How an integration may use the practice database. Read-only unless the practice grants more. */
export const integrationSchema = z.object({
  integratorId: z.string().uuid(),
  enabled: z.boolean(),
  access: z.enum(['read', 'readwrite']),
  /** Optional allow-list; null means every table and procedure (within `access`). */
  allowList: z.object({
    tables: z.array(z.string().min(1).max(128)).max(500),
    procedures: z.array(z.string().min(1).max(128)).max(500),
  }).nullable(),
  updatedAt: z.string(),
});
export type Integration = z.infer<typeof integrationSchema>;

export const integrationsChangedSchema = z.object({ ...base, type: z.literal('integrations.changed'), integrations: z.array(integrationSchema).max(1000) });
export const pairingIssuedSchema = z.object({
  ...base, type: z.literal('pairing.issued'), integratorId: z.string().uuid(), codeHash: z.string().length(64), expiresAt: z.string(),
});
export const catalogRequestSchema = z.object({ ...base, type: z.literal('catalog.request') });
/** One run of a registered query. The result travels only when its hash changed. */
export const registeredResultSchema = z.object({
  ...base, type: z.literal('registered.result'), registeredId: z.string(), runAt: z.number(), hash: z.string().length(64),
  changed: z.boolean(), data: z.string().optional(), rows: z.number().int().min(0), size: z.number().int().min(0),
  parameters: z.array(resultParameterSchema), sqlExecutionDuration: z.number().int().min(0),
});
export const registeredFailedSchema = z.object({
  ...base, type: z.literal('registered.failed'), registeredId: z.string(), runAt: z.number(), errorDetails: errorDetailsSchema,
});
export type RegisteredResult = z.infer<typeof registeredResultSchema>;
export type RegisteredFailed = z.infer<typeof registeredFailedSchema>;

export const linkMessageSchema = z.discriminatedUnion('type', [
  helloSchema, authSchema, heartbeatSchema, queryStartedSchema, queryCompletedSchema, queryFailedSchema,
  integrationsChangedSchema, pairingIssuedSchema, catalogRequestSchema, queryPageSchema, registeredResultSchema, registeredFailedSchema,
]);
export type LinkMessage = z.infer<typeof linkMessageSchema>;
export type QueryCompleted = z.infer<typeof queryCompletedSchema>;
export type QueryFailed = z.infer<typeof queryFailedSchema>;

// ---- Cloud -> Link (always signed, see signing.ts) ----
export const challengeSchema = z.object({
  ...base, type: z.literal('challenge'), nonce: z.string().min(16), cloudPublicKey: z.string(), linkNonce: z.string(),
  ecdhPublicKey: z.string().min(40).max(200),
});
export const welcomeSchema = z.object({
  ...base, type: z.literal('welcome'), linkId: z.string(), siteId: z.string(),
  authoritative: z.boolean(), heartbeatIntervalMs: z.number().int().positive(), serverTime: z.number(),
  /** The nonce of the hello it answers: binds the signed welcome to one connection (since 26.1207.1). */
  linkNonce: z.string().min(16).max(128).optional(),
});
export const queryExecuteSchema = z.object({
  ...base, type: z.literal('query.execute'), queryId: z.string(),
  mode: z.enum(['immediate', 'async', 'registered']),
  command: commandSchema,
  catalogue: z.string().optional(),
  /** Whose query this is: the Link checks the integration itself before running it. */
  integratorId: z.string(),
  /** Epoch ms by which execution must have started, else the query expires in queue. */
  startBy: z.number(),
  executionMs: z.number().int().positive(),
  maxResultBytes: z.number().int().positive(),
  /** Async results are cut into pages of about this many bytes, each acknowledged before the next. */
  pageBytes: z.number().int().positive().optional(),
});
export const queryCancelSchema = z.object({ ...base, type: z.literal('query.cancel'), queryId: z.string(), reason: z.string() });
export const errorMessageSchema = z.object({ ...base, type: z.literal('error'), code: z.string(), message: z.string() });
/** The answer to a Link request (integrations.changed, pairing.issued, catalog.request). */
export const ackSchema = z.object({
  ...base, type: z.literal('ack'), ref: z.string(), ok: z.boolean(), error: z.string().optional(),
  integrators: z.array(z.object({ id: z.string(), name: z.string() })).optional(),
});
/** Sent to a Link that is (or becomes) authoritative: the practice's settings it must adopt. */
export const integrationsSyncSchema = z.object({
  ...base, type: z.literal('integrations.sync'), authoritative: z.boolean(), integrations: z.array(integrationSchema),
});
export const pageAckSchema = z.object({ ...base, type: z.literal('page.ack'), queryId: z.string(), page: z.number().int().min(1) });
export const registeredDefinitionSchema = z.object({
  id: z.string(), integratorId: z.string(), command: commandSchema, frequency: z.number().int().positive(), expiresAt: z.number(),
  lastHash: z.string().nullable(),
});
export type RegisteredDefinition = z.infer<typeof registeredDefinitionSchema>;
/** The complete set of registered queries the Link must run for its site. */
export const registeredSyncSchema = z.object({ ...base, type: z.literal('registered.sync'), queries: z.array(registeredDefinitionSchema) });
export const cloudMessageSchema = z.discriminatedUnion('type', [
  challengeSchema, welcomeSchema, queryExecuteSchema, queryCancelSchema, errorMessageSchema, ackSchema, integrationsSyncSchema,
  pageAckSchema, registeredSyncSchema,
]);
export type Ack = z.infer<typeof ackSchema>;
export type CloudMessage = z.infer<typeof cloudMessageSchema>;
export type QueryExecute = z.infer<typeof queryExecuteSchema>;

/** Close codes on the Link socket, beyond the standard ones. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  /** RFC 6455 §7.4.1 registry: the server cannot take the connection now; the client tries again later. */
  tryAgain: 1013,
  authFailed: 4001,
  protocolError: 4002,
  replaced: 4003,
} as const;
