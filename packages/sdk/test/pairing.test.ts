// Pairing with a real code generated at the practice's Link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSystem, clientFor } from './support.js';
import { ConduitApiError } from '../src/index.js';

test('pair with a real pairing code: before it 403 notPaired, after it the site answers; codes are single use; failures are rate limited', async () => {
  const sys = await startSystem({ pair: false, cloud: { practice: { pairingFailuresPerIntegrator: { max: 2, windowMs: 60_000 }, pairingFailuresPerSite: { max: 10, windowMs: 60_000 } } } });
  const retried: number[] = [];
  const client = clientFor(sys, { retry: { maxRetryAfterMs: 5000, onRetry: (i) => retried.push(i.status) } });
  const practice = { practiceManagementSiteId: sys.link!.pmsSiteId, practiceManagementName: 'Best Practice' as const };

  assert.deepEqual(await client.listSites(practice), []);
  await assert.rejects(client.getSite(sys.siteId), (e: ConduitApiError) => e.kind === 'forbidden' && e.reason === 'notPaired');

  // The practice ticks the integration and generates a code in "Setup third-party integrations".
  await sys.link!.integrations.save(sys.integratorId, { enabled: true });
  const code = await sys.link!.integrations.pairingCode(sys.integratorId);
  assert.equal(code.siteId, sys.link!.pmsSiteId);

  const site = await client.pairSite({ ...practice, pairingCode: code.code.toLowerCase() });
  assert.equal(site.id, sys.siteId);
  assert.equal(site.practiceManagementSiteId, sys.link!.pmsSiteId);
  assert.deepEqual((await client.listSites(practice)).map((s) => s.id), [sys.siteId]);
  assert.equal((await client.getSite(sys.siteId)).id, sys.siteId);
  const one = await client.immediate<{ One: number }>(sys.siteId, 'SELECT 1 AS One');
  assert.deepEqual(one.rows, [{ One: 1 }]);

  // A used code is refused, and is not sent again by the SDK.
  const used = await client.pairSite({ ...practice, pairingCode: code.code }).catch((e: unknown) => e as ConduitApiError);
  assert.ok(used instanceof ConduitApiError);
  assert.equal(used.kind, 'forbidden');
  assert.equal(used.reason, 'badPairingCode');
  assert.equal(used.attempts, 1);

  // Too many failures: 429 with Retry-After far beyond maxRetryAfterMs is thrown at once, not waited.
  await client.pairSite({ ...practice, pairingCode: 'WRONG-CODE2' }).catch(() => undefined);
  const limited = await client.pairSite({ ...practice, pairingCode: 'WRONG-CODE3' }).catch((e: unknown) => e as ConduitApiError);
  assert.ok(limited instanceof ConduitApiError);
  assert.equal(limited.kind, 'rateLimited');
  assert.equal(limited.status, 429);
  assert.ok((limited.retryAfterMs ?? 0) > 5000, `retryAfterMs ${limited.retryAfterMs}`);
  assert.equal(limited.attempts, 1);
  assert.deepEqual(retried, []);
});
