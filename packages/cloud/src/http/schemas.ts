// JSON schemas for the Integrator API requests. Unknown fields are refused, not silently dropped, so a
// typo in a field name gets a clear 400 instead of a query that runs with defaults.
import { SQL_DB_TYPES, EXECUTION_MODES, COMMAND_TYPES, DIRECTIONS, LIMITS } from '@conduit/protocol';

const parameter = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128 },
    direction: { type: 'string', enum: [...DIRECTIONS], default: 'input' },
    type: { type: 'string', enum: [...SQL_DB_TYPES] },
    value: { type: ['string', 'null'] },
    // SqlParameter.Size: -1 is MAX (nvarchar(max), varbinary(max)), as .NET clients send it; below -1 SqlClient refuses too.
    size: { type: 'integer', minimum: -1 },
  },
} as const;

export const command = {
  type: 'object',
  additionalProperties: false,
  required: ['text'],
  properties: {
    text: { type: 'string', minLength: 1 },
    executionMode: { type: 'string', enum: [...EXECUTION_MODES], default: 'reader' },
    type: { type: 'string', enum: [...COMMAND_TYPES], default: 'text' },
    parameters: { type: 'array', maxItems: 2100, items: parameter, default: [] },
  },
} as const;

export const immediateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['command'],
  properties: {
    maxTimeInQueue: { type: 'integer', minimum: 0, maximum: LIMITS.immediateMaxTimeInQueueMax, default: LIMITS.immediateMaxTimeInQueueDefault },
    command,
    catalogue: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

export const siteParams = {
  type: 'object',
  required: ['siteId'],
  properties: { siteId: { type: 'string', format: 'uuid' } },
} as const;

export const queryParams = {
  type: 'object',
  required: ['siteId', 'queryId'],
  properties: { siteId: { type: 'string', format: 'uuid' }, queryId: { type: 'string', format: 'uuid' } },
} as const;

export const sitesQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['practiceManagementSiteId', 'practiceManagementName'],
  properties: {
    practiceManagementSiteId: { type: 'string', minLength: 1, maxLength: 64 },
    practiceManagementName: { type: 'string', enum: ['Best Practice', 'Zedmed', 'D4w'] },
  },
} as const;

export const asyncBody = {
  type: 'object',
  additionalProperties: false,
  required: ['command'],
  properties: {
    maxTimeInQueue: { type: 'integer', minimum: 0, maximum: LIMITS.asyncMaxTimeInQueueMax, default: LIMITS.asyncMaxTimeInQueueDefault },
    command,
    catalogue: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

export const statusBody = {
  type: 'object',
  additionalProperties: false,
  required: ['queryIds'],
  properties: { queryIds: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', format: 'uuid' } } },
} as const;

export const pageParams = {
  type: 'object',
  required: ['siteId', 'queryId', 'pageNumber'],
  properties: {
    siteId: { type: 'string', format: 'uuid' }, queryId: { type: 'string', format: 'uuid' },
    pageNumber: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' },
  },
} as const;

export const registeredBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'registeredQueryType', 'frequency', 'duration', 'registerCommand'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    registeredQueryType: { type: 'string', enum: ['query'] },
    frequency: { type: 'integer', minimum: 1 },
    duration: { type: 'integer', minimum: 1, maximum: LIMITS.registeredMaxDurationS },
    registerCommand: { type: 'object', additionalProperties: false, required: ['command'], properties: { command } },
  },
} as const;

/** pair-site: the practice lookup plus the code the practice generated (required for Best Practice). */
export const pairQuery = {
  ...sitesQuery,
  properties: { ...sitesQuery.properties, pairingCode: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;
