import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  encodeChunk, decodeChunk, newIdentity, signFrame, openFrame, importIdentity, exportPrivateKey, cloudMessageSchema, PROTOCOL_VERSION,
} from '../src/index.js';

test('result chunks round-trip their header and payload', () => {
  const queryId = randomUUID();
  const frame = encodeChunk({ queryId, page: 3, seq: 7, last: true }, Buffer.from('[{"a":1}]'));
  const { header, payload } = decodeChunk(frame);
  assert.deepEqual(header, { queryId, page: 3, seq: 7, last: true });
  assert.equal(payload.toString(), '[{"a":1}]');
  assert.throws(() => decodeChunk(Buffer.from([9, 9, 9])), /bad chunk/);
});

test('a signed frame opens only with the right key and for the right recipient', () => {
  const cloud = newIdentity();
  const other = newIdentity();
  const json = JSON.stringify({ v: PROTOCOL_VERSION, id: 'c1', type: 'query.cancel', queryId: 'q', reason: 'r' });
  const frame = signFrame(cloud.privateKey, 'link-A', json);
  assert.equal(openFrame(cloud.publicKey, 'link-A', frame), json);
  assert.equal(openFrame(cloud.publicKey, 'link-B', frame), null, 'replay to another Link');
  assert.equal(openFrame(other.publicKey, 'link-A', frame), null, 'wrong key');
  const tampered = frame.replace('"r"', '"x"');
  assert.equal(openFrame(cloud.publicKey, 'link-A', tampered), null, 'altered body');
  assert.ok(cloudMessageSchema.safeParse(JSON.parse(json)).success);
});

test('an identity survives export and import', () => {
  const id = newIdentity();
  const again = importIdentity(exportPrivateKey(id.privateKey));
  assert.equal(again.publicKeyB64, id.publicKeyB64);
});

test('both sides of a handshake agree the same session key, and MAC frames open only with it', async () => {
  const { newEcdhKey, sessionKey, macFrame, openMacFrame, isMacFrame } = await import('../src/index.js');
  const link = newEcdhKey();
  const cloud = newEcdhKey();
  const k1 = sessionKey(link.privateKey, cloud.publicKeyB64, 'nonce-1', 'LINKKEY');
  const k2 = sessionKey(cloud.privateKey, link.publicKeyB64, 'nonce-1', 'LINKKEY');
  assert.deepEqual(k1, k2);
  assert.notDeepEqual(sessionKey(link.privateKey, cloud.publicKeyB64, 'nonce-2', 'LINKKEY'), k1, 'bound to the nonce');
  const frame = macFrame(k1, '{"a":1}');
  assert.ok(isMacFrame(frame));
  // The MAC is plain HMAC-SHA256 of the JSON under the key (made once per key as a KeyObject), every time.
  const { createHmac } = await import('node:crypto');
  assert.equal(frame, `h:${createHmac('sha256', k1).update('{"a":1}').digest('base64url')}.{"a":1}`);
  assert.equal(macFrame(k1, '{"a":1}'), frame);
  assert.equal(openMacFrame(k2, frame), '{"a":1}');
  assert.equal(openMacFrame(k2, frame.replace('"a":1', '"a":2')), null, 'altered');
  assert.equal(openMacFrame(Buffer.alloc(32), frame), null, 'another session');
});
