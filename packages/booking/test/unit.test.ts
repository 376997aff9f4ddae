// Pure parts of the booking product: slot fitting, error wording, escaping, and how a registered
// query result is applied to bookings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConduitApiError, type ConduitClient } from '@conduit/sdk';
import { BookingStore, Monitor, Pms, explain, fitting, isAwayError, addDays } from '../src/index.js';
import { html, formatTime } from '../src/web/html.js';
import { errorSummary } from '../src/error-summary.js';
import { ConnectorError } from '../src/pms/connector-hub.js';

test('fitting: a 30-minute type needs two back-to-back 15-minute slots', () => {
  const s = (time: number) => ({ date: '2026-01-05', time, length: 900, locationId: 1 });
  const got = fitting([s(28800), s(29700), s(31500), s(32400), s(33300)], 1800).map((x) => x.time);
  assert.deepEqual(got, [28800, 31500, 32400]);
  assert.deepEqual(fitting([s(28800)], 900).map((x) => x.length), [900]);
});

test('explain: each refusal gets the sentence a practice or patient needs', () => {
  const err = (kind: ConduitApiError['kind'], status: number, message: string, extra: Partial<{ reason: 'disabled' | 'badPairingCode'; retryAfterMs: number }> = {}) =>
    new ConduitApiError({ kind, status, message, ...extra });
  assert.equal(explain(err('forbidden', 403, 'x', { reason: 'disabled' }), 'Bookwell').message,
    'Bookwell (via Conduit) third-party integration has been disabled in Best Practice. Tick it in Setup › Configuration › Database › Setup third-party integrations and Save.');
  assert.match(explain(err('forbidden', 403, 'x', { reason: 'badPairingCode' }), 'B').message, /wrong or has expired/);
  assert.match(explain(err('siteOffline', 503, 'x'), 'B').message, /Conduit Link isn't responding at your practice/);
  assert.match(explain(err('rateLimited', 429, 'x', { retryAfterMs: 30_000 }), 'B').message, /wait 30 seconds/);
  assert.equal(explain(new Error('boom'), 'B').status, 500);
});

test('isAwayError recognises the practitioner-away procedure error only', () => {
  const q = (m: string) => new ConduitApiError({ kind: 'queryFailed', status: 200, message: 'query failed', errorDetails: { errorType: 'mssql', errorCode: 50000, errorMessage: m } as never });
  assert.equal(isAwayError(q('The practitioner is away on that date.')), true);
  assert.equal(isAwayError(q('Patient 4 does not exist.')), false);
  assert.equal(isAwayError(new Error('away on that date')), false);
});

test('html escapes interpolations; times and dates format', () => {
  assert.equal(html`<p>${'<script>"&\''}</p>`.html, '<p>&lt;script&gt;&quot;&amp;&#39;</p>');
  assert.equal(formatTime(0), '12:00 am');
  assert.equal(formatTime(13 * 3600 + 5 * 60), '1:05 pm');
  assert.equal(addDays('2026-02-27', 2), '2026-03-01');
  assert.match(Pms.monitorSql([3, 1, -1, 2.5]), /IN \(3, 1\)/);
  assert.match(Pms.monitorSql([]), /IN \(0\)/);
});

test('Monitor.apply marks cancelled and moved bookings, leaves others alone', () => {
  const store = new BookingStore(join(mkdtempSync(join(tmpdir(), 'booking-unit-')), 'b.db'));
  try {
    const p = store.upsertPractice({ siteId: 'S', bpSiteId: '1', name: 'P' });
    const mk = (ref: string, rec: number) => store.addBooking({
      ref, practiceId: p.id, practitionerId: 2, practitionerName: 'Dr X', appointmentType: 1, appointmentTypeName: 'Std', date: '2026-01-05', time: 32400,
      length: 900, firstName: 'A', surname: 'B', dob: '1990-01-01', sexCode: 1, mobile: '0400', patientId: 9, pmsRecordId: rec, status: 'booked', note: null,
    });
    mk('a', 10);
    mk('b', 11);
    mk('c', 12);
    const m = new Monitor({} as ConduitClient, store, { frequencyS: 60, onError: () => undefined });
    const n = m.apply(p.id, [
      { RECORDID: 10, APPOINTMENTDATE: '2026-01-05T00:00:00', APPOINTMENTTIME: 32400, USERID: 2, RECORDSTATUS: 1 },
      { RECORDID: 11, APPOINTMENTDATE: '2026-01-05', APPOINTMENTTIME: 32400, USERID: 2, RECORDSTATUS: 2 },
      { RECORDID: 12, APPOINTMENTDATE: '2026-01-06', APPOINTMENTTIME: 36000, USERID: 2, RECORDSTATUS: 1 },
    ]);
    assert.equal(n, 2);
    assert.equal(store.bookingByRef('a')!.status, 'booked');
    assert.equal(store.bookingByRef('b')!.status, 'cancelledInPms');
    const c = store.bookingByRef('c')!;
    assert.deepEqual([c.status, c.date, c.time], ['moved', '2026-01-06', 36000]);
  } finally {
    store.close();
  }
});

test('Monitor.onResult: a webhook that overtakes its registration reply is applied once the registration is recorded', async () => {
  const store = new BookingStore(join(mkdtempSync(join(tmpdir(), 'booking-unit-')), 'b.db'));
  try {
    const p = store.upsertPractice({ siteId: 'S', bpSiteId: '1', name: 'P' });
    store.addBooking({
      ref: 'a', practiceId: p.id, practitionerId: 2, practitionerName: 'Dr X', appointmentType: 1, appointmentTypeName: 'Std', date: '2026-01-05', time: 32400,
      length: 900, firstName: 'A', surname: 'B', dob: '1990-01-01', sexCode: 1, mobile: '0400', patientId: 9, pmsRecordId: 10, status: 'booked', note: null,
    });
    let reply!: () => void;
    const replied = new Promise<void>((r) => { reply = r; });
    const client = {
      // The Cloud has already run the query (and sent its webhook) before this reply reaches the product.
      createRegistered: async () => { await replied; return { id: 'Q-NEW' }; },
      cancelRegistered: async () => undefined,
      getRegisteredResult: async (_site: string, id: string) => {
        assert.equal(id, 'Q-NEW');
        return { rows: [{ RECORDID: 10, APPOINTMENTDATE: '2026-01-05', APPOINTMENTTIME: 32400, USERID: 2, RECORDSTATUS: 2 }] };
      },
    } as unknown as ConduitClient;
    const m = new Monitor(client, store, { frequencyS: 60, onError: (e) => { throw e; } });
    const refreshing = m.refresh(p.id);
    const webhook = m.onResult('S', 'Q-NEW');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(store.bookingByRef('a')!.status, 'booked', 'not applied before the registration is known');
    reply();
    await Promise.all([refreshing, webhook]);
    assert.equal(store.bookingByRef('a')!.status, 'cancelledInPms');
    // A webhook for a registration nobody made is still ignored.
    await m.onResult('S', 'Q-UNKNOWN');
  } finally {
    store.close();
  }
});

test('errorSummary: the kind and numbers of an error, never its message (database errors quote row values)', () => {
  const dup = new ConduitApiError({ kind: 'queryFailed', status: 400, message: "Violation of UNIQUE KEY constraint. The duplicate key value is (Nguyen, 1990-04-01).", errorDetails: { errorType: 'mssql', errorCode: 2627, errorMessage: 'The duplicate key value is (Nguyen, 1990-04-01).' }, method: 'POST', path: '/integrator/sites/x/queries/immediate' });
  const s = errorSummary(dup);
  assert.ok(!s.includes('Nguyen') && s.includes('2627') && s.includes('mssql'), s);
  const c = errorSummary(new ConnectorError('database', "Conversion failed when converting the varchar value 'Jane Citizen' to data type int.", 245));
  assert.equal(c, 'ConnectorError database (database error 245)');
  let parseError: unknown;
  try {
    JSON.parse('{"surname": Nguyen}');
  } catch (e) {
    parseError = e;
  }
  const p = errorSummary(parseError);
  assert.match(p, /^SyntaxError( at \S+)?$/);
  assert.ok(!p.includes('Nguyen'), p);
  assert.equal(errorSummary('boom'), 'a thrown string');
});

test("the booking store (patients' names, dates of birth, mobiles) and its -wal and -shm are readable only by its account", () => {
  const file = join(mkdtempSync(join(tmpdir(), 'booking-unit-')), 'b.db');
  const store = new BookingStore(file);
  const again = new BookingStore(file); // a second connection keeps the -wal and -shm while both are open
  try {
    store.upsertPractice({ siteId: 'S', bpSiteId: '1', name: 'P' });
    for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(statSync(f).mode & 0o777, 0o600, f);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) chmodSync(f, 0o644);
    const third = new BookingStore(file);
    third.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(statSync(f).mode & 0o777, 0o600, `${f}, tightened on open`);
  } finally {
    again.close();
    store.close();
  }
});
