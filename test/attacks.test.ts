// Attacks tried against practice control: each one is refused and leaves an audit event.
// The same table is documented in docs/security.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createIntegrator, type AuditEvent } from '@conduit/cloud';
import { Link } from '@conduit/link';
import { newIdentity, newEcdhKey, randomNonce, signBytes, challengeText, PROTOCOL_VERSION } from '@conduit/protocol';
import { System, waitFor, type ApiResponse } from './support/system.js';

let sys: System;
let other: { id: string; apiKey: string };
before(async () => {
  sys = await System.start({ cloud: { practice: { pairingFailuresPerIntegrator: { max: 5, windowMs: 60_000 }, pairingFailuresPerSite: { max: 50, windowMs: 60_000 } } } });
  other = await createIntegrator(sys.cloud.store, 'Rival Integrator');
  // The practice limits the test integrator to two views and one procedure.
  await sys.link!.integrations.save(sys.integratorId, {
    enabled: true, access: 'readwrite', allowList: { tables: ['BPS_Patients', 'BPS_Users'], procedures: ['BP_GetAppointmentBookUsers'] },
  });
});
after(async () => {
  await sys.close();
});

const pairPath = (code: string, pms = sys.link!.pmsSiteId): string => `/integrator/pair-site?practiceManagementSiteId=${pms}&practiceManagementName=Best%20Practice&pairingCode=${encodeURIComponent(code)}`;
const asOther = (): Record<string, string> => ({ 'ocp-apim-subscription-key': other.apiKey });
const q = (text: string, extra: Record<string, unknown> = {}): Promise<ApiResponse> => sys.immediate({ text, ...extra });
const message = (r: ApiResponse): string => r.json?.error?.message ?? r.json?.errorDetails?.errorMessage ?? '';

async function audited(pred: (e: AuditEvent) => boolean, what: string): Promise<void> {
  await waitFor(async () => (await sys.cloud.store.listAudit({ limit: 1000 })).some(pred), 3000, `audit event for ${what}`);
}
const queryRefused = (pattern: RegExp) => (e: AuditEvent): boolean => e.kind === 'query' && e.outcome === 'failed' && e.details.httpStatus === 403 && pattern.test(String(e.details.errorCode));

interface Attack {
  name: string;
  run: () => Promise<{ status: number; text: string }>;
  status: number;
  says: RegExp;
  audit: (e: AuditEvent) => boolean;
}

const ATTACKS: Attack[] = [
  {
    name: 'wrong API key',
    run: async () => { const r = await sys.api('GET', `/integrator/sites/${sys.siteId}`, undefined, { 'ocp-apim-subscription-key': 'x'.repeat(64) }); return { status: r.status, text: message(r) }; },
    status: 401, says: /invalid subscription key/, audit: (e) => e.kind === 'auth.failed',
  },
  {
    name: "another integrator's site (not paired)",
    run: async () => { const r = await sys.api('POST', `/integrator/sites/${sys.siteId}/queries/immediate`, { command: { text: 'SELECT 1' } }, asOther()); return { status: r.status, text: message(r) }; },
    status: 403, says: /not paired/, audit: (e) => e.kind === 'access.refused' && e.integratorId === other.id && e.details.rule === 'notPaired',
  },
  {
    name: 'guessing pairing codes',
    run: async () => {
      let last: ApiResponse | undefined;
      for (let i = 0; i < 6; i++) last = await sys.api('POST', pairPath(`GUESS${i}-AAAAA`), undefined, asOther());
      return { status: last!.status, text: message(last!) };
    },
    status: 429, says: /Too many failed pairing attempts/, audit: (e) => e.kind === 'pairing.rateLimited' && e.integratorId === other.id,
  },
  {
    name: 'reused pairing code',
    run: async () => {
      const code = await sys.link!.integrations.pairingCode(sys.integratorId);
      assert.equal((await sys.api('POST', pairPath(code.code))).status, 200);
      const r = await sys.api('POST', pairPath(code.code));
      return { status: r.status, text: message(r) };
    },
    status: 403, says: /already used/, audit: (e) => e.kind === 'pairing.failed' && e.integratorId === sys.integratorId,
  },
  {
    name: 'code made for another integrator',
    run: async () => {
      const code = await sys.link!.integrations.pairingCode(sys.integratorId);
      const r = await sys.api('POST', pairPath(code.code), undefined, { 'ocp-apim-subscription-key': (await third()).apiKey });
      return { status: r.status, text: message(r) };
    },
    status: 403, says: /not valid for this practice and integrator/, audit: (e) => e.kind === 'pairing.failed' && e.integratorId === thirdId,
  },
  {
    name: 'a Link impersonating the site with the wrong key',
    run: async () => impersonate(),
    status: 4001, says: /challenge signature does not verify/, audit: (e) => e.kind === 'link.authFailed',
  },
  {
    name: 'a new Link claiming the practice (non-authoritative site)',
    run: async () => {
      const rogue = new Link(sys.linkOptions({ stateFile: join(sys.dir, 'rogue.db') }));
      await rogue.start();
      await rogue.waitUntilConnected(5000);
      const r = await sys.api('POST', `/integrator/sites/${rogue.siteId}/queries/immediate`, { command: { text: 'SELECT 1' } });
      await rogue.stop();
      return { status: r.status, text: message(r) };
    },
    status: 403, says: /not authoritative/, audit: (e) => e.kind === 'access.refused' && e.details.rule === 'nonAuthoritative',
  },
  {
    name: 'writes under read-only',
    run: async () => {
      await sys.link!.integrations.save(sys.integratorId, { enabled: true, access: 'read', allowList: null });
      const r = await q("UPDATE PATIENTS SET MOBILEPHONE = '0' WHERE INTERNALID = 1", { executionMode: 'nonQuery' });
      await sys.link!.integrations.save(sys.integratorId, { enabled: true, access: 'readwrite', allowList: { tables: ['BPS_Patients', 'BPS_Users'], procedures: ['BP_GetAppointmentBookUsers'] } });
      return { status: r.status, text: message(r) };
    },
    status: 403, says: /read-only/, audit: queryRefused(/^3906$/),
  },
  { name: 'allow-list: table not on the list', run: async () => res(await q('SELECT * FROM PATIENTS')), status: 403, says: /PATIENTS/i, audit: queryRefused(/^403$/) },
  { name: 'allow-list: WITH … DELETE', run: async () => res(await q('WITH x AS (SELECT InternalID FROM BPS_Patients) DELETE FROM PATIENTS WHERE INTERNALID IN (SELECT InternalID FROM x)')), status: 403, says: /allow-list|refused/, audit: queryRefused(/^403$/) },
  { name: 'allow-list: stacked statements', run: async () => res(await q('SELECT TOP 1 Surname FROM BPS_Patients; DELETE FROM APPOINTMENTS')), status: 403, says: /APPOINTMENTS|allow-list/i, audit: queryRefused(/^403$/) },
  { name: 'allow-list: comment tricks', run: async () => res(await q('SELECT TOP 1 Surname FROM BPS_Patients /* harmless */ ; -- nothing here\nDROP TABLE PATIENTS')), status: 403, says: /PATIENTS|allow-list|refused/i, audit: queryRefused(/^403$/) },
  { name: 'allow-list: EXEC of a procedure not on the list', run: async () => res(await q("EXEC BP_AddPatient @firstname = 'x', @surname = 'y', @dob = '2000-01-01', @sexcode = 1")), status: 403, says: /BP_AddPatient/, audit: queryRefused(/^403$/) },
  {
    name: 'a disabled integration',
    run: async () => {
      await sys.link!.integrations.save(sys.integratorId, { enabled: false });
      const r = await q('SELECT TOP 1 Surname FROM BPS_Patients');
      await sys.link!.integrations.save(sys.integratorId, { enabled: true });
      return { status: r.status, text: message(r) };
    },
    status: 403, says: /disabled in the PMS/, audit: (e) => e.kind === 'access.refused' && e.details.rule === 'disabled',
  },
];

function res(r: ApiResponse): { status: number; text: string } {
  return { status: r.status, text: message(r) };
}

let thirdId = '';
let thirdKey: { id: string; apiKey: string } | undefined;
async function third(): Promise<{ id: string; apiKey: string }> {
  thirdKey ??= await createIntegrator(sys.cloud.store, 'Third Integrator');
  thirdId = thirdKey.id;
  return thirdKey;
}

/** Presents the real Link's public key but signs the challenge with another key. */
function impersonate(): Promise<{ status: number; text: string }> {
  const url = sys.cloud.url.replace('http', 'ws') + '/link/v1/connect';
  const ws = new WebSocket(url);
  const impostor = newIdentity();
  const ecdh = newEcdhKey();
  return new Promise((resolve) => {
    ws.on('open', () => ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'hello', id: 'h', publicKey: sys.link!.publicKey, linkVersion: 'x', linkNonce: randomNonce(), ecdhPublicKey: ecdh.publicKeyB64, site: sys.linkOptions().site })));
    ws.on('message', (data) => {
      const frame = data.toString();
      const challenge = JSON.parse(frame.slice(frame.indexOf('.') + 1)) as { nonce: string; ecdhPublicKey: string };
      ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'auth', id: 'a', signature: signBytes(impostor.privateKey, challengeText(challenge.nonce, sys.link!.publicKey, ecdh.publicKeyB64, challenge.ecdhPublicKey)) }));
    });
    ws.on('close', (code, reason) => resolve({ status: code, text: reason.toString() }));
  });
}

for (const a of ATTACKS) {
  test(`attack refused and audited: ${a.name}`, async () => {
    const r = await a.run();
    assert.equal(r.status, a.status, r.text);
    assert.match(r.text, a.says);
    await audited(a.audit, a.name);
  });
}

test('after all attacks the legitimate integrator still works within its allow-list', async () => {
  const r = await q('SELECT TOP 2 Surname FROM dbo.[BPS_Patients] WITH (NOLOCK)');
  assert.equal(r.status, 200, r.text);
  assert.equal((await q('BP_GetAppointmentBookUsers', { type: 'storedProcedure' })).status, 200);
});
