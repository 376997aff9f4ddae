// The SQLite store's writer thread (sqlite-writer.ts): its own connection to the Cloud's file, writing
// the batches it is handed in the order they arrive, each in one transaction.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore } from './sqlite.js';
import type { WriteReply, WriteRequest } from './sqlite-writer.js';

const store = new SqliteStore((workerData as { file: string }).file);
parentPort!.on('message', (m: WriteRequest) => {
  let reply: WriteReply;
  try {
    store.writeBatchNow(m.inserts, m.updates, m.events);
    reply = { id: m.id };
  } catch (e) {
    reply = { id: m.id, error: (e as Error).message };
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage('ready');
