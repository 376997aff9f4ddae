// A Cloud process for the crash tests that need options `conduit cloud` has no flag for (the webhook
// outbox's lease and per-attempt timeout). It does what `conduit cloud` does — startCloud on a port and
// data dir, printing "Conduit Cloud listening on <url>" — with CRASH_CLOUD_OPTIONS (JSON, a partial
// CloudOptions) merged in. SIGTERM closes it cleanly; the tests mostly SIGKILL it.
import { startCloud, type CloudOptions } from '@conduit/cloud';

const extra = JSON.parse(process.env.CRASH_CLOUD_OPTIONS ?? '{}') as Partial<CloudOptions>;
const cloud = await startCloud({
  port: Number(process.env.CRASH_CLOUD_PORT ?? '0'),
  host: '127.0.0.1',
  dataDir: process.env.CRASH_CLOUD_DATA_DIR!,
  logLevel: process.env.CONDUIT_LOG_LEVEL ?? 'warn',
  ...extra,
});
console.log(`Conduit Cloud listening on ${cloud.url}`);
process.once('SIGTERM', () => {
  void cloud.close().then(() => process.exit(0));
});
