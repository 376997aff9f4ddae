// The hand-written enums match the Halo Connect reference document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  SQL_DB_TYPES, EXECUTION_MODES, COMMAND_TYPES, DIRECTIONS, QUERY_STATUSES, REGISTERED_QUERY_STATUSES, ERROR_TYPES,
  PMS_TYPES, PRACTICE_MANAGEMENT_NAMES, SITE_AVAILABILITIES, SITE_STATUSES, RESULT_PAGE_STATUSES, type RegisteredQuery, type Site,
} from '../src/index.js';

const file = process.env.CONDUIT_HALO_OPENAPI ?? fileURLToPath(new URL('../../../../shared/reference/halo/integrator-openapi.json', import.meta.url));
const schemas = (JSON.parse(readFileSync(file, 'utf8')) as { components: { schemas: Record<string, { enum?: string[]; properties?: Record<string, { enum?: string[] }> }> } }).components.schemas;
const sorted = (xs: readonly string[]): string[] => [...xs].sort();

test('enums equal the reference (components.schemas)', () => {
  const pairs: [string, readonly string[]][] = [
    ['Type', SQL_DB_TYPES], ['ExecutionMode', EXECUTION_MODES], ['CommandType', COMMAND_TYPES], ['Direction', DIRECTIONS],
    ['AsyncQueryStatus', QUERY_STATUSES], ['RegisteredQueryStatus', REGISTERED_QUERY_STATUSES], ['QueryExecutionFailErrorType', ERROR_TYPES],
    ['PMSType', PMS_TYPES], ['PracticeManagementName', PRACTICE_MANAGEMENT_NAMES], ['SiteAvailability', SITE_AVAILABILITIES],
    ['SiteStatus', SITE_STATUSES], ['ResultPageStatus', RESULT_PAGE_STATUSES],
  ];
  for (const [name, ours] of pairs) assert.deepEqual(sorted(ours), sorted(schemas[name]!.enum!), name);
  // Records over `keyof` make tsc insist that these lists are exactly the fields of the SDK types.
  const site: Record<keyof Site, true> = {
    id: true, pmsType: true, availability: true, status: true, haloLinkVersion: true, enrichedAt: true, catalogue: true, practiceMetadata: true,
    name: true, practiceManagementSiteId: true, practiceManagementName: true, practiceManagementVersion: true, createdAt: true, authoritative: true,
    clientTimestampUTC: true, heartbeatTimestampUTC: true,
  };
  assert.deepEqual(sorted(Object.keys(site)), sorted(Object.keys(schemas.SiteForIntegrator!.properties!)), 'Site has every SiteForIntegrator field');
  const registered: Record<keyof RegisteredQuery, true> = {
    id: true, name: true, registeredQueryType: true, status: true, frequency: true, duration: true, lastHash: true, lastErrorDetails: true,
    metrics: true, createdAt: true, completedAt: true,
  };
  const ref = Object.keys(schemas.RegisteredQuery!.properties!);
  assert.deepEqual(sorted(ref.filter((k) => !(k in registered))), [], 'RegisteredQuery has every reference field');
});
