// Worker thread for interrupt.test.ts: opens the practice, reports its connection's interrupt token,
// then runs the statement it was given and reports how it ended.
import { parentPort, workerData } from 'node:worker_threads';
import { BpSimDatabase, SqlServerError } from '../src/index.js';

const { file, text } = workerData as { file: string; text: string };
const db = BpSimDatabase.open(file);
parentPort!.postMessage({ t: 'token', token: db.interruptToken });
const started = Date.now();
try {
  const out = db.execute({ text, type: 'text', params: [] });
  const rows = [...out.rows];
  parentPort!.postMessage({ t: 'done', rows: rows.length, ms: Date.now() - started });
} catch (e) {
  parentPort!.postMessage({ t: 'error', number: e instanceof SqlServerError ? e.number : null, message: (e as Error).message, ms: Date.now() - started });
}
// Still usable after an interrupt: the connection is not damaged.
const n = [...db.execute({ text: 'SELECT COUNT(*) AS n FROM PATIENTS', type: 'text', params: [] }).rows][0] as { n: number };
parentPort!.postMessage({ t: 'after', patients: n.n });
db.close();
