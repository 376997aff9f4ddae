// The examples in docs/integrators/examples run, as written, against a real system described by a
// demo.json like the one `npm start` writes.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIMITS } from '@conduit/protocol';
import { configureWebhook } from '../../cloud/src/index.js';
import { startSystem, type System } from './support.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const examples = join(root, 'docs', 'integrators', 'examples');
let sys: System;
let dir: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  // The Cloud's own minimum frequency, as `npm start` runs it: the examples must run against the demo as written.
  sys = await startSystem({ cloud: { registered: { minFrequencyS: LIMITS.registeredMinFrequencyS } } });
  dir = mkdtempSync(join(tmpdir(), 'conduit-sdk-examples-'));
  const demo = { baseUrl: sys.cloud.url, apiKey: sys.apiKey, integratorId: sys.integratorId, practiceManagementSiteId: sys.link!.pmsSiteId, siteId: sys.siteId };
  writeFileSync(join(dir, 'demo.json'), JSON.stringify(demo));
  // `@conduit/sdk` resolves through the npm workspace once it is installed; this mapping makes the
  // examples run the SDK's source even before that.
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { paths: { '@conduit/sdk': [join(root, 'packages', 'sdk', 'src', 'index.ts')] } } }));
  env = { ...process.env, CONDUIT_DEMO_FILE: join(dir, 'demo.json'), TSX_TSCONFIG_PATH: join(dir, 'tsconfig.json') };
  for (const k of ['CONDUIT_BASE_URL', 'CONDUIT_API_KEY', 'CONDUIT_SITE_ID', 'CONDUIT_PMS_SITE_ID']) delete env[k];
});

function run(name: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(examples, name), ...args], { cwd: root, env: { ...env, ...extra }, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout, err: stderr });
    });
  });
}

const freePort = (): Promise<number> => new Promise((r) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => r(port));
  });
});

test('pair.ts: finds the site; pairs with a real code', async () => {
  const found = await run('pair.ts');
  assert.equal(found.code, 0, found.err);
  assert.match(found.out, new RegExp(`site ${sys.siteId}: online, active`));
  await sys.link!.integrations.save(sys.integratorId, { enabled: true, access: 'readwrite' });
  const code = await sys.link!.integrations.pairingCode(sys.integratorId);
  const paired = await run('pair.ts', [code.code]);
  assert.equal(paired.code, 0, paired.err);
  assert.match(paired.out, new RegExp(`paired with .*: Halo GUID ${sys.siteId}`));
  const again = await run('pair.ts', [code.code]);
  assert.equal(again.code, 1);
  assert.match(again.err, /ask the practice for a new one/);
});

test('immediate.ts: typed rows, a scalar, a typed SQL error', async () => {
  const r = await run('immediate.ts', ['S']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /rows in \d+ ms at the database/);
  assert.match(r.out, /the practice has 300 patients/);
  assert.match(r.out, /queryFailed \(400\): mssql 208/);
});

test('async-extract.ts: every row of a multi-page extraction, written as NDJSON', async () => {
  const file = join(dir, 'appointments.ndjson');
  const r = await run('async-extract.ts', [file]);
  assert.equal(r.code, 0, r.err);
  const m = /: (\d+) rows in (\d+) pages/.exec(r.out);
  assert.ok(m, r.out);
  assert.ok(Number(m[2]) > 1, 'several pages');
  assert.match(r.out, new RegExp(`read ${m[1]} rows`));
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, Number(m[1]));
});

test('registered-webhook.ts: receives the real signed webhook, reads the result, cancels', async () => {
  const port = await freePort();
  const { secret } = await configureWebhook(sys.cloud.store, sys.integratorId, `http://127.0.0.1:${port}/conduit/{source}/{queryId}`);
  const r = await run('registered-webhook.ts', [], { CONDUIT_WEBHOOK_SECRET: secret, WEBHOOK_PORT: String(port) });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /webhook: registered query [0-9a-f-]{36} completed/);
  assert.match(r.out, /^1\t/m);
  assert.match(r.out, /registered query [0-9a-f-]{36} cancelled/);
  assert.equal((await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/registered`)).json.registeredQueries.length, 0);
});
