// The Connector hub keeps its token hashes and retirements in the booking product's SQLite: a restart
// of the booking server still lets the practice's Connector in, and a retired Connector stays out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startBooking, type RunningBooking } from '../packages/booking/src/index.js';
import { ConnectorAgent } from '../packages/connector/src/index.js';
import { practiceDatabase, waitFor } from './support/system.js';

const TOKEN = 'persisted-token-0123456789abcdef';

test('token hashes and retirements survive a restart of the booking server, and a recorded retirement completes the move', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'booking-persist-'));
  const dataFile = join(dir, 'booking.db');
  const database = practiceDatabase(dir);
  const start = (): Promise<RunningBooking> => startBooking({ port: 0, dataFile, conduit: { baseUrl: 'http://127.0.0.1:9', apiKey: 'unused' }, onError: () => undefined, connector: { requestTimeoutMs: 5000 } });
  const agentFor = (b: RunningBooking): ConnectorAgent => new ConnectorAgent({ url: `${b.url.replace('http', 'ws')}/connector`, practiceId: 'site-p', token: TOKEN, databaseFile: database, backoff: { initialMs: 20, maxMs: 200 } });

  let booking = await start();
  booking.connectors.setToken('site-p', TOKEN);
  await booking.close();

  // Only the SHA-256 is on disk, never the token.
  const raw = new Database(dataFile, { readonly: true });
  const row = raw.prepare('SELECT hash, retired_at AS retiredAt FROM connector_token WHERE practice = ?').get('site-p') as { hash: Buffer; retiredAt: string | null };
  raw.close();
  assert.equal(row.hash.length, 32);
  assert.equal(row.retiredAt, null);
  assert.ok(!row.hash.toString('latin1').includes(TOKEN));

  booking = await start();
  const agent = agentFor(booking);
  agent.start();
  try {
    await waitFor(() => booking.connectors.isOnline('site-p'), 5000, 'connector online after restart');
    assert.equal(await booking.connectors.retire('site-p'), true);
    assert.equal(await agent.done(), 'retired');
  } finally {
    agent.stop();
    await booking.close();
  }

  booking = await start();
  try {
    assert.equal(booking.connectors.isRetired('site-p'), true, 'the retirement survives the restart');
    assert.throws(() => booking.connectors.setToken('site-p', TOKEN), /retired/);
    const again = agentFor(booking);
    again.start();
    assert.equal(await again.done(), 'unauthorised', 'a retired practice stays out after a restart');
    // The server stopped after the Connector's retirement was recorded but before the stage moved on:
    // the recorded confirmation completes the move, though the Connector is gone for good.
    const good = { pmsVersion: 'Bp Premier Orchid SP1', integrationTicked: true, paired: true, siteOnline: true };
    booking.migrationStore.transition('site-p', 'ready', 'test', 'setup', { facts: good });
    booking.migrationStore.transition('site-p', 'shadow', 'test', 'setup', { facts: good });
    booking.migrationStore.recordComparison('site-p', 'practitioners', true);
    booking.migrationStore.transition('site-p', 'conduit', 'test', 'setup', { facts: good });
    assert.equal((await booking.migration.status('site-p')).blocker, null);
    assert.equal((await booking.migration.advance('site-p')).stage, 'connector-retired');
  } finally {
    await booking.close();
  }
});
