// An async extraction: submit, wait (polling with backoff), then read every row page by page.
// Only one page is held in memory at a time, so this works for any size of extraction.
//   npx tsx docs/integrators/examples/async-extract.ts [out.ndjson]
import { createWriteStream } from 'node:fs';
import { exampleClient, loadConfig } from './demo-config.js';

interface Appointment {
  InternalID: number;
  AppointmentDate: string;
  AppointmentTime: number;
  Provider: string;
  Status: string;
}

const { siteId } = loadConfig();
const client = exampleClient();
const out = process.argv[2] ? createWriteStream(process.argv[2]) : undefined;

const started = Date.now();
const sql = 'SELECT InternalID, AppointmentDate, AppointmentTime, Provider, Status FROM BPS_Appointments ORDER BY AppointmentDate, AppointmentTime';
const run = await client.runAsync<Appointment>(siteId, sql, {
  pollIntervalMs: 250, // first poll; grows ×1.5 (with jitter) up to maxPollIntervalMs
  waitTimeoutMs: 10 * 60_000,
});
console.log(`query ${run.queryId}: ${run.rowCount} rows in ${run.pageCount} pages, ready after ${Date.now() - started} ms`);

let n = 0;
const byStatus = new Map<string, number>();
for await (const row of run) {
  // Rows come in order, fetched one page at a time as the loop asks for them.
  byStatus.set(row.Status, (byStatus.get(row.Status) ?? 0) + 1);
  out?.write(`${JSON.stringify(row)}\n`);
  n++;
}
console.log([...byStatus].map(([s, c]) => `${s}: ${c}`).join(', '));
out?.end();
console.log(`read ${n} rows${out ? ` into ${process.argv[2]}` : ''}`);
if (n !== run.rowCount) throw new Error(`expected ${run.rowCount} rows, read ${n}`);
