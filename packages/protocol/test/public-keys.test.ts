// Public keys travel as base64 SPKI DER; Ed25519 and X25519 take a JWK fast path (signing.ts). Both
// paths must give the very same bytes and keys as OpenSSL's own DER encoding and decoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createPublicKey, sign, verify } from 'node:crypto';
import { exportPublicKey, importPublicKey } from '../src/signing.js';

test('Ed25519 and X25519 public keys export as the DER SPKI bytes and import as equal keys', () => {
  for (const type of ['ed25519', 'x25519'] as const) {
    for (let i = 0; i < 20; i++) {
      const { publicKey } = type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('x25519');
      const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
      assert.equal(exportPublicKey(publicKey), der);
      const back = importPublicKey(der);
      assert.equal(back.asymmetricKeyType, type);
      assert.ok(back.equals(publicKey));
    }
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const sig = sign(null, Buffer.from('hello'), privateKey);
  assert.ok(verify(null, Buffer.from('hello'), importPublicKey(exportPublicKey(publicKey)), sig));
});

test('other keys take the DER path; malformed input is refused', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  assert.equal(exportPublicKey(publicKey), der);
  assert.ok(importPublicKey(der).equals(createPublicKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'spki' })));
  assert.throws(() => importPublicKey(Buffer.alloc(44, 7).toString('base64')));
  assert.throws(() => importPublicKey('not a key'));
});
