// Immediate queries: typed rows, parameters, a scalar, and what the errors look like.
//   npx tsx docs/integrators/examples/immediate.ts [SURNAME-PREFIX]
import { ConduitApiError } from '@conduit/sdk';
import { exampleClient, loadConfig } from './demo-config.js';

interface Patient {
  InternalID: number;
  Firstname: string;
  Surname: string;
  DOB: string | null;
}

const { siteId } = loadConfig();
const client = exampleClient();
const prefix = process.argv[2] ?? 'S';

// Rows arrive base64-encoded; the SDK decodes them into objects keyed by column name (typed as T,
// unchecked: pass `map` to validate or convert).
const { rows, query } = await client.immediate<Patient>(siteId, {
  text: 'SELECT TOP 5 InternalID, Firstname, Surname, DOB FROM BPS_Patients WHERE Surname LIKE @prefix ORDER BY Surname',
  parameters: [{ name: '@prefix', type: 'VarChar', value: `${prefix}%` }],
}, { maxTimeInQueue: 15_000 });
for (const p of rows) console.log(`${p.InternalID}\t${p.Surname}, ${p.Firstname}\t${p.DOB ?? ''}`);
console.log(`${query.result.rows} rows in ${query.metrics?.sqlExecutionDuration ?? '?'} ms at the database`);

const { value: patients } = await client.immediate(siteId, { text: 'SELECT COUNT(*) FROM BPS_Patients', executionMode: 'scalar' });
console.log(`the practice has ${String(patients)} patients`);

// A query that runs and fails throws ConduitApiError with the database's errorDetails.
try {
  await client.immediate(siteId, 'SELECT * FROM NoSuchTable');
} catch (e) {
  if (!(e instanceof ConduitApiError)) throw e;
  console.log(`${e.kind} (${e.status}): ${e.errorDetails?.errorType} ${e.errorDetails?.errorCode} — ${e.message}`);
}
