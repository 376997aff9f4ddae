// The booking product's one data-access interface through both backends against the same real
// simulated practice: Conduit (SDK -> Cloud -> Link -> database) and the legacy Connector (the
// product's ConnectorHub on the booking server <- a real WebSocket on loopback <- the Connector agent
// with direct database access). The same operations give the same results either way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConduitClient } from '@conduit/sdk';
import { startBooking, ConduitBackend, ConnectorBackend, ConnectorError, ShadowAccess, explain, isoDate, type RunningBooking, type PmsAccess } from '../packages/booking/src/index.js';
import { ConnectorAgent } from '../packages/connector/src/index.js';
import { System, waitFor } from './support/system.js';

let sys: System;
let booking: RunningBooking;
let agent: ConnectorAgent;
let conduit: PmsAccess;
let connector: PmsAccess;
let site = '';
const TOKEN = 'practice-token-0123456789abcdef';

before(async () => {
  sys = await System.start();
  site = sys.siteId;
  booking = await startBooking({ port: 0, dataFile: join(sys.dir, 'booking.db'), conduit: { baseUrl: sys.cloud.url, apiKey: sys.apiKey }, onError: () => undefined, connector: { requestTimeoutMs: 5000 } });
  booking.connectors.setToken(site, TOKEN);
  agent = new ConnectorAgent({ url: `${booking.url.replace('http', 'ws')}/connector`, practiceId: site, token: TOKEN, databaseFile: sys.database, backoff: { initialMs: 20, maxMs: 200 } });
  agent.start();
  await waitFor(() => booking.connectors.isOnline(site), 5000, 'connector online');
  conduit = new ConduitBackend(new ConduitClient({ baseUrl: sys.cloud.url, apiKey: sys.apiKey }));
  connector = new ConnectorBackend(booking.connectors);
});

after(async () => {
  agent?.stop();
  await booking?.close().catch(() => undefined);
  await sys?.close();
});

const both = async <T>(f: (b: PmsAccess) => Promise<T>): Promise<[T, T]> => [await f(conduit), await f(connector)];

test('reads: practitioners, appointment types and free slots are the same through both backends', async () => {
  const [u1, u2] = await both((b) => b.practitioners(site));
  assert.ok(u1.length > 0);
  assert.deepEqual(u2, u1);
  const [t1, t2] = await both((b) => b.appointmentTypes(site));
  assert.ok(t1.length > 0);
  assert.deepEqual(t2, t1);
  const today = isoDate(new Date());
  for (const u of u1) {
    const [s1, s2] = await both((b) => b.freeSlots(site, u.id, t1[0]!.length, today, 7));
    assert.deepEqual(s2, s1, `free slots of ${u.name}`);
  }
});

test('writes through the Connector are seen through Conduit and the reverse', async () => {
  const patient = { firstName: 'Wynne', surname: 'Backendtest', dob: '1984-03-09', sexCode: 2, mobile: '0412345678' };
  const id = await connector.addPatient(site, patient);
  const [m1, m2] = await both((b) => b.findPatients(site, patient));
  assert.deepEqual(m1, [{ id, sexCode: 2 }]);
  assert.deepEqual(m2, m1);

  const [users, types] = await Promise.all([conduit.practitioners(site), conduit.appointmentTypes(site)]);
  const from = isoDate(new Date(Date.now() + 86_400_000));
  let slot;
  let user;
  for (const u of users) {
    slot = (await connector.freeSlots(site, u.id, types[0]!.length, from, 7))[0];
    if (slot) { user = u; break; }
  }
  assert.ok(slot && user, 'a free time in the coming week');
  const appt = { date: slot.date, time: slot.time, length: slot.length, practitionerId: user.id, patientId: id, locationId: slot.locationId, type: types[0]!.code };
  const rec = await connector.addAppointment(site, appt);
  assert.ok(rec > 0);
  assert.equal(await conduit.addAppointment(site, appt), 0, 'the time is taken for Conduit too');
  const [a1, a2] = await both((b) => b.appointments(site, [rec]));
  assert.equal(a1.length, 1);
  assert.deepEqual(a2, a1);
  const [f1, f2] = await both((b) => b.freeSlots(site, user.id, types[0]!.length, from, 7));
  assert.deepEqual(f2, f1);
  assert.ok(!f1.some((s) => s.date === slot.date && s.time === slot.time), 'the booked time is no longer offered');

  await conduit.cancelAppointment(site, rec);
  const [c1, c2] = await both((b) => b.appointments(site, [rec]));
  assert.deepEqual(c2, c1);
  assert.notEqual(c1[0]!.RECORDSTATUS, a1[0]!.RECORDSTATUS, 'cancelled');
});

test("the booking server's routed access sends a practice's calls to the backend chosen for it", async () => {
  const viaConduit = await booking.access.practitioners(site);
  booking.access.choose = () => 'connector';
  const before = agent.answered;
  const viaConnector = await booking.access.practitioners(site);
  assert.equal(agent.answered, before + 1);
  assert.deepEqual(viaConnector, viaConduit);
  booking.access.choose = () => 'conduit';
});

test('shadow: the Connector serves, every read is also made through Conduit, no differences', async () => {
  const recorded: { call: string; same: boolean; detail: string }[] = [];
  const shadow = new ShadowAccess(connector, conduit, (_s, call, same, detail) => recorded.push({ call, same, detail }));
  const users = await shadow.practitioners(site);
  const types = await shadow.appointmentTypes(site);
  await shadow.freeSlots(site, users[0]!.id, types[0]!.length, isoDate(new Date()), 5);
  await shadow.findPatients(site, { firstName: 'Wynne', surname: 'Backendtest', dob: '1984-03-09' });
  assert.deepEqual(recorded.map((r) => r.call), ['practitioners', 'appointmentTypes', 'freeSlots', 'findPatients']);
  assert.deepEqual(recorded.filter((r) => !r.same), []);
  const broken = new ShadowAccess(connector, { ...conduit, practitioners: () => Promise.reject(new Error('boom')) } as PmsAccess, (_s, call, same, detail) => recorded.push({ call, same, detail }));
  assert.deepEqual(await broken.practitioners(site), users, 'a Conduit failure never fails the call');
  assert.equal(recorded.at(-1)!.detail, 'Conduit failed: Error', 'only the kind of failure is kept: error texts can quote values');
  // A real difference is described by where it is, never by the values (no names or ids are kept).
  const renamed = users.map((u, i) => (i === 1 ? { ...u, name: `${u.name} Jr` } : u));
  const differing = new ShadowAccess(connector, { practitioners: () => Promise.resolve(renamed) } as unknown as PmsAccess, (_s, call, same, detail) => recorded.push({ call, same, detail }));
  await differing.practitioners(site);
  const d = recorded.at(-1)!;
  assert.equal(d.same, false);
  assert.match(d.detail, new RegExp(`^Connector ${users.length} rows, Conduit ${users.length} rows; first difference at row 2 \\(fields: name\\); fingerprints [0-9a-f]{12} / [0-9a-f]{12}$`));
  for (const u of users) assert.ok(!d.detail.includes(u.name), 'no practitioner name in the record');
});

test('a Connector with a wrong token is refused and stops', async () => {
  const bad = new ConnectorAgent({ url: `${booking.url.replace('http', 'ws')}/connector`, practiceId: site, token: 'wrong', databaseFile: sys.database });
  bad.start();
  assert.equal(await bad.done(), 'unauthorised');
  assert.ok(booking.connectors.isOnline(site), 'the real Connector stays connected');
});

test('retirement: the Connector closes its database, confirms, never comes back; requests are refused', async () => {
  assert.equal(await booking.connectors.retire(site), true);
  assert.equal(await agent.done(), 'retired');
  assert.equal(agent.databaseOpen, false);
  await assert.rejects(connector.practitioners(site), (e) => e instanceof ConnectorError && e.kind === 'retired');
  assert.equal(explain(new ConnectorError('offline', 'x'), 'Bookwell').status, 503);
  assert.match(explain(new ConnectorError('denied', 'Login failed', 18456), 'Bookwell').message, /Tick "Bookwell Connector" again/);
  // Conduit keeps serving the practice.
  assert.ok((await conduit.practitioners(site)).length > 0);
  const again = new ConnectorAgent({ url: `${booking.url.replace('http', 'ws')}/connector`, practiceId: site, token: TOKEN, databaseFile: sys.database });
  again.start();
  assert.equal(await again.done(), 'unauthorised', 'a retired practice token no longer connects');
});
