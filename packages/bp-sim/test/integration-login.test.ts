// SIM_INTEGRATION_LOGIN as the practice screen lists it, and recording a login without undoing an untick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { integrationLoginEnabled, listIntegrationLogins, recordIntegrationLogin, setIntegrationLogin, SIM_INTEGRATION_LOGIN_TABLE } from '../src/index.js';
import { smallPractice } from './helpers.js';

test('logins are listed by name with their tick; recording keeps an unticked one unticked', () => {
  const { file, db } = smallPractice({ patients: 20, weeks: 1 });
  assert.deepEqual(listIntegrationLogins(file), [], 'a new practice records no logins');
  assert.equal(recordIntegrationLogin(file, 'Bookwell Connector'), true);
  setIntegrationLogin(file, 'acme Reminders', false);
  assert.deepEqual(listIntegrationLogins(db), [{ name: 'acme Reminders', enabled: false }, { name: 'Bookwell Connector', enabled: true }]);

  setIntegrationLogin(file, 'Bookwell Connector', false);
  assert.equal(recordIntegrationLogin(file, 'BOOKWELL CONNECTOR'), false, 'names compare case-insensitively');
  assert.equal(integrationLoginEnabled(file, 'Bookwell Connector'), false, 'recording again does not tick it');

  db.raw.exec(`DROP TABLE ${SIM_INTEGRATION_LOGIN_TABLE}`);
  assert.deepEqual(listIntegrationLogins(file), [], 'a file made before the table lists none');
  assert.equal(recordIntegrationLogin(file, 'Bookwell Connector'), true, 'and gets the table when one is recorded');
  assert.deepEqual(listIntegrationLogins(file), [{ name: 'Bookwell Connector', enabled: true }]);
});
