// Entry point of an executor thread (the `thread` transport, the default). The Link stops a statement
// that overruns its limit by interrupting its connection and then ending this thread.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { serveExecutor } from './serve.js';
import type { FromExecutor, ToExecutor } from './ipc.js';

const { niceness } = workerData as { niceness: number };
// On Linux a thread's nice value is its own (setpriority on the calling thread), so a background
// executor thread yields the CPU to the rest of the Link and to the clinic's interactive work.
if (niceness && process.platform === 'linux') {
  try {
    setPriority(niceness);
  } catch {
    /* not permitted here: run at normal priority */
  }
}
const port = parentPort!;
const executor = serveExecutor({
  send: (m: FromExecutor, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer),
  onMessage: (handler) => void port.on('message', (m: ToExecutor) => handler(m)),
});
port.once('close', () => executor.close());
