// Entry point of an executor process (the `process` transport). The Link kills this process to stop
// a statement that overruns its time limit.
import { serveExecutor } from './serve.js';
import type { FromExecutor, ToExecutor } from './ipc.js';

const executor = serveExecutor({
  send: (m: FromExecutor) => void process.send!(m),
  onMessage: (handler) => void process.on('message', (m: ToExecutor) => handler(m)),
});
process.on('disconnect', () => {
  executor.close();
  process.exit(0);
});
