// The operator's status for a practice that cannot move: the blocker in the words, `advance`
// refused and audited nothing, the practice still on its Connector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBooking, TransitionRefused, type ReadinessFacts } from '../packages/booking/src/index.js';

test('a practice with a Bp version too old stays on its Connector with its blocker shown', async () => {
  const facts: Record<string, ReadinessFacts> = {
    old: { pmsVersion: 'Bp Premier Jade SP4', integrationTicked: true, paired: true, siteOnline: true },
    unticked: { pmsVersion: 'Bp Premier Saffron', integrationTicked: false, paired: false, siteOnline: false },
  };
  const booking = await startBooking({
    port: 0, dataFile: join(mkdtempSync(join(tmpdir(), 'booking-blockers-')), 'booking.db'), conduit: { baseUrl: 'http://127.0.0.1:9', apiKey: 'unused' },
    onError: () => undefined, migration: { enabled: true, facts: (id) => Promise.resolve(facts[id]!) },
  });
  try {
    const st = await booking.migration.status('old');
    assert.equal(st.stage, 'connector');
    assert.equal(st.blocker, 'Bp version older than required');
    assert.deepEqual(st.blockers, ['Bp version older than required']);
    await assert.rejects(booking.migration.advance('old'), (e) => e instanceof TransitionRefused && /Bp version older than required/.test(e.message));
    assert.equal(booking.migration.stage('old'), 'connector');
    assert.equal(booking.migration.serving('old'), 'connector');
    assert.deepEqual(booking.migrationStore.audit('old'), []);
    assert.deepEqual((await booking.migration.status('unticked')).blockers, ['integration not ticked', 'pairing code not entered', 'Link unreachable']);
    await assert.rejects(booking.migration.revert('old'), /not before/);
  } finally {
    await booking.close();
  }
});
