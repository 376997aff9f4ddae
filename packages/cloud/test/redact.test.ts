// Store and bus locations as the Cloud logs and prints them: never a password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeStore } from '../src/store/open.js';
import { scrubLocation } from '../src/store/redact.js';

test('passwords are hidden before the host, as query parameters, and wherever a message quotes them', () => {
  assert.equal(describeStore('postgres://conduit:hunter2@db:5432/conduit'), 'postgres://conduit:***@db:5432/conduit');
  assert.equal(describeStore('postgres://conduit:p@ss/w?rd@db/conduit'), 'postgres://conduit:***@db/conduit');
  assert.equal(describeStore('redis://:s3cret@127.0.0.1:6379'), 'redis://:***@127.0.0.1:6379');
  assert.equal(describeStore('postgres://db/conduit?user=c&password=hunter2&sslpassword=x'), 'postgres://db/conduit?user=c&password=***&sslpassword=***');
  assert.equal(describeStore('/var/lib/conduit/cloud.db'), '/var/lib/conduit/cloud.db');
  const url = 'postgres://conduit:hunt%40er2@db/conduit';
  assert.equal(scrubLocation(`connect to ${url} failed: password hunt@er2 rejected`, url), 'connect to postgres://conduit:***@db/conduit failed: password *** rejected');
});
