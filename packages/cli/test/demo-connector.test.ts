// The demo's second practice records its Connector's login, so "Bookwell Connector" shows on that
// practice's screen; starting again adds it to an older database but never re-ticks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPracticeDatabase, listIntegrationLogins, setIntegrationLogin } from '@conduit/bp-sim';
import { ensureConnectorDatabase } from '../src/commands/demo-connector.js';

test('ensureConnectorDatabase records the Connector login once and keeps the practice\'s untick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-demo-'));
  // An existing demo database from before the login was recorded (a small one: the demo's takes longer to make).
  createPracticeDatabase(join(dir, 'practice-connector.db'), { patients: 20, weeks: 1, seed: 5, siteId: '20418' });
  const database = ensureConnectorDatabase(dir, '20417', 1);
  assert.equal(database, join(dir, 'practice-connector.db'));
  assert.deepEqual(listIntegrationLogins(database), [{ name: 'Bookwell Connector', enabled: true }]);

  setIntegrationLogin(database, 'Bookwell Connector', false);
  ensureConnectorDatabase(dir, '20417', 1);
  assert.deepEqual(listIntegrationLogins(database), [{ name: 'Bookwell Connector', enabled: false }], 'the next start does not tick it again');
});
