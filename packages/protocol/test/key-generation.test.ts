// New identities and session keys: right keys (the RFC test vectors, through newOkpKey itself), and no
// deadlock when garbage collection runs during key work (signing.ts, newOkpKey).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPublicKey, diffieHellman, sign, verify } from 'node:crypto';
import { exportPublicKey, importPublicKey, newEcdhKey, newIdentity, newOkpKey, sessionKey, signBytes, verifyBytes } from '../src/signing.js';

const jwkPrivate = (crv: 'Ed25519' | 'X25519', hex: string) => newOkpKey(crv, Buffer.from(hex, 'hex')).privateKey;
const rawPublic = (k: ReturnType<typeof createPublicKey>): string => Buffer.from(k.export({ type: 'spki', format: 'der' })).subarray(12).toString('hex');

test('a private key imported from d alone derives the RFC 7748 and RFC 8032 public keys', () => {
  // RFC 7748 §6.1 (Alice) and RFC 8032 §7.1 TEST 1.
  const x = jwkPrivate('X25519', '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  assert.equal(rawPublic(createPublicKey(x)), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  const bob = jwkPrivate('X25519', '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  assert.equal(diffieHellman({ privateKey: x, publicKey: createPublicKey(bob) }).toString('hex'), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  const ed = jwkPrivate('Ed25519', '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  assert.equal(rawPublic(createPublicKey(ed)), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  assert.equal(sign(null, Buffer.alloc(0), ed).toString('hex'),
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
});

test('new identities sign and verify; new session keys agree on both sides; each key is new', () => {
  const a = newIdentity();
  assert.equal(a.privateKey.asymmetricKeyType, 'ed25519');
  assert.ok(verifyBytes(importPublicKey(a.publicKeyB64), 'hello', signBytes(a.privateKey, 'hello')));
  assert.ok(verify(null, Buffer.from('x'), a.publicKey, sign(null, Buffer.from('x'), a.privateKey)));
  assert.equal(exportPublicKey(createPublicKey(a.privateKey)), a.publicKeyB64);
  const link = newEcdhKey();
  const cloud = newEcdhKey();
  assert.equal(link.privateKey.asymmetricKeyType, 'x25519');
  assert.deepEqual(sessionKey(link.privateKey, cloud.publicKeyB64, 'n', a.publicKeyB64), sessionKey(cloud.privateKey, link.publicKeyB64, 'n', a.publicKeyB64));
  const seen = new Set(Array.from({ length: 50 }, () => newEcdhKey().publicKeyB64));
  assert.equal(seen.size, 50);
  assert.notEqual(newIdentity().publicKeyB64, a.publicKeyB64);
});

test('key generation survives garbage collection at any allocation (Node 20 deadlocked generateKeyPairSync + JWK export)', () => {
  // --gc-interval (set once the modules are loaded) collects every 50 allocations, so a collection lands inside each export. With
  // generateKeyPairSync this child hung within a few thousand keys; the timeout turns a hang into a failure.
  const script = `
    import { setFlagsFromString } from 'node:v8';
    import { newEcdhKey, newIdentity } from ${JSON.stringify(new URL('../src/signing.ts', import.meta.url).href)};
    setFlagsFromString('--gc-interval=50');
    for (let i = 0; i < 3000; i++) { newEcdhKey(); if (i % 10 === 0) newIdentity(); }
    process.stdout.write('done');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.signal, null, `the child was killed after ${90} s: key generation hung (${r.stderr.slice(0, 300)})`);
  assert.equal(r.stdout, 'done', r.stderr.slice(0, 500));
});
