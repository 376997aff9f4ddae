// Immediate queries end to end: integrator HTTP -> Cloud -> WebSocket -> Link -> executor -> SQLite and back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { System, rowsOf } from './support/system.js';

let sys: System;
before(async () => {
  sys = await System.start();
});
after(async () => {
  await sys.close();
});

test('an integrator finds the site by its Bp Site ID and reads its status', async () => {
  const pmsId = sys.link!.siteId ? (await sys.api('GET', `/integrator/sites/${sys.siteId}`)).json.practiceMetadata.practiceManagementSiteId : '';
  const found = await sys.api('GET', `/integrator/sites?practiceManagementSiteId=${encodeURIComponent(pmsId)}&practiceManagementName=Best%20Practice`);
  assert.equal(found.status, 200);
  assert.equal(found.json.sites.length, 1);
  const site = found.json.sites[0];
  assert.equal(site.id, sys.siteId);
  assert.equal(site.pmsType, 'BestPractice');
  assert.equal(site.availability, 'online');
  assert.equal(site.status, 'active');
  assert.deepEqual(site.catalogue, [{ name: 'Patients', isDefault: true }]);
  assert.ok(site.practiceMetadata.practiceName.length > 0);
  const none = await sys.api('GET', '/integrator/sites?practiceManagementSiteId=nope&practiceManagementName=Best%20Practice');
  assert.deepEqual(none.json, { sites: [] });
});

test('a reader query returns rows as base64 JSON with real sizes and timings', async () => {
  const res = await sys.immediate({ text: 'SELECT TOP 3 InternalID, Firstname, Surname FROM BPS_Patients ORDER BY InternalID' });
  assert.equal(res.status, 200, res.text);
  const q = res.json;
  assert.equal(q.status, 'successful');
  assert.equal(q.mode, 'immediate');
  assert.equal(q.siteId, sys.siteId);
  assert.equal(q.integratorId, sys.integratorId);
  const rows = rowsOf(res);
  assert.equal(rows.length, 3);
  assert.deepEqual(Object.keys(rows[0]!), ['InternalID', 'Firstname', 'Surname']);
  assert.equal(q.result.rows, 3);
  assert.equal(q.result.size, Buffer.from(q.result.data, 'base64').length);
  assert.equal(q.resultSize, q.result.size);
  assert.equal(q.commandSize, Buffer.byteLength('SELECT TOP 3 InternalID, Firstname, Surname FROM BPS_Patients ORDER BY InternalID'));
  assert.ok(q.requestSize > q.commandSize);
  assert.ok(Number.isInteger(q.metrics.sqlExecutionDuration));
  for (const phase of ['initialising', 'queued', 'executing', 'uploading']) assert.ok(q.statusTiming[phase]?.startTime, `${phase} timed`);
  assert.ok(Date.parse(q.completedAt) >= Date.parse(q.createdAt));

  const again = await sys.api('GET', `/integrator/sites/${sys.siteId}/queries/${q.id}`);
  assert.equal(again.status, 200);
  assert.equal(again.json.status, 'successful');
  assert.equal(again.json.result.rows, 3);
  assert.equal(again.json.result.data, undefined, 'results are not kept after an immediate query');
});

test('typed parameters are bound, and scalar mode returns the first value', async () => {
  const res = await sys.immediate({
    text: 'SELECT COUNT(*) AS N FROM PATIENTS WHERE INTERNALID <= @max',
    executionMode: 'scalar',
    parameters: [{ name: '@max', type: 'Int', value: '10' }],
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(JSON.parse(Buffer.from(res.json.result.data, 'base64').toString()), 10);
});

test('stored procedures: return values and the DECLARE/EXEC/SELECT pattern', async () => {
  const users = await sys.immediate({ text: 'BP_GetAppointmentBookUsers', type: 'storedProcedure' });
  assert.equal(users.status, 200, users.text);
  assert.ok(rowsOf(users).length > 0);

  const add = await sys.immediate({
    text: 'BP_AddPatient', type: 'storedProcedure', executionMode: 'nonQuery',
    parameters: [
      { name: '@firstname', type: 'VarChar', value: 'Testa' },
      { name: '@surname', type: 'VarChar', value: 'Integration' },
      { name: '@dob', type: 'Date', value: '1990-04-01' },
      { name: '@sexcode', type: 'Int', value: '2' },
      { name: '@ret', direction: 'returnValue', type: 'Int' },
    ],
  });
  assert.equal(add.status, 200, add.text);
  const ret = add.json.result.parameters.find((p: { name: string }) => p.name === '@ret');
  assert.ok(Number(ret.value) > 0, 'new INTERNALID returned');
  assert.equal(add.json.result.data, undefined);

  const text = await sys.immediate({
    text: "DECLARE @id INT; EXEC @id = BPSPatients.dbo.BP_AddPatient @firstname = 'Second', @surname = 'Integration', @dob = '1991-05-02', @sexcode = 1; SELECT @id AS PatientId",
  });
  assert.equal(text.status, 200, text.text);
  const [row] = rowsOf(text);
  assert.ok(Number(row!.PatientId) > Number(ret.value));

  const found = await sys.immediate({
    text: 'SELECT INTERNALID FROM PATIENTS WHERE SURNAME = @s ORDER BY INTERNALID',
    parameters: [{ name: '@s', type: 'VarChar', value: 'Integration' }],
  });
  assert.deepEqual(rowsOf(found).map((r) => r.INTERNALID), [Number(ret.value), Number(row!.PatientId)]);
});

test('nonQuery writes report rowsAffected', async () => {
  const res = await sys.immediate({
    text: "UPDATE PATIENTS SET MOBILEPHONE = '0400000000' WHERE SURNAME = 'Integration'",
    executionMode: 'nonQuery',
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.result.rowsAffected, 2);
});
