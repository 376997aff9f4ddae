// Ed25519 identities and signed Cloud->Link frames. A frame is `<base64url signature>.<json>`; the
// signature covers the recipient's public key and the JSON, so a frame cannot be replayed to another Link.
import {
  createPrivateKey, createPublicKey, createSecretKey, createHash, createHmac, diffieHellman, hkdfSync, sign, verify, randomBytes, timingSafeEqual,
  type KeyObject,
} from 'node:crypto';

export interface Identity {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SPKI DER of the public key, base64: how keys travel and are stored. */
  publicKeyB64: string;
}

/**
 * A new Ed25519 or X25519 private key from 32 random bytes, imported as a JWK, instead of
 * generateKeyPairSync: on Node 20 the garbage collection of a key-generation job locks the key's mutex,
 * and when that collection runs while the same key is being exported (the JWK export allocates under
 * that lock) the process deadlocks for good (gdb: ~KeyGenJob -> uv_mutex_lock inside ExportJWKEdKey).
 * A Cloud node froze this way mid-handshake in the cluster bench; test/key-generation.test.ts provokes it
 * with --gc-interval. Any 32 bytes are a valid key for both curves (RFC 7748 §5, RFC 8032 §5.1.5). Node
 * reads a private OKP JWK from `d` alone; `x` must be a string and is not used (lib/internal/crypto/keys.js,
 * getKeyObjectHandleFromJwk), so a placeholder stands in and the public key is derived from the private one.
 */
const X_PLACEHOLDER = Buffer.alloc(32).toString('base64url');
/** `seed` is the 32-byte private key; only tests pass one (the RFC vectors). */
export function newOkpKey(crv: 'Ed25519' | 'X25519', seed: Buffer = randomBytes(32)): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv, d: seed.toString('base64url'), x: X_PLACEHOLDER }, format: 'jwk' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export function newIdentity(): Identity {
  const { privateKey, publicKey } = newOkpKey('Ed25519');
  return { privateKey, publicKey, publicKeyB64: exportPublicKey(publicKey) };
}

export function exportPrivateKey(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'der' }).toString('base64');
}
// An Ed25519 or X25519 SPKI is a fixed 12-byte prefix and the 32-byte key. OpenSSL 3 decodes and
// encodes DER several times slower than JWK (nodejs/node#50386; measured 158 vs 25 µs per import on
// the cluster bench machine), and a handshake imports four keys, so these two key types go through JWK
// with the same bytes on the wire; any other key takes the DER path.
const OKP_PREFIX = {
  Ed25519: Buffer.from('302a300506032b6570032100', 'hex'),
  X25519: Buffer.from('302a300506032b656e032100', 'hex'),
} as const;

export function exportPublicKey(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519' || type === 'x25519') {
    const { x } = key.export({ format: 'jwk' });
    if (typeof x === 'string') return Buffer.concat([OKP_PREFIX[type === 'ed25519' ? 'Ed25519' : 'X25519'], Buffer.from(x, 'base64url')]).toString('base64');
  }
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}
export function importIdentity(privateKeyB64: string): Identity {
  const privateKey = createPrivateKey({ key: Buffer.from(privateKeyB64, 'base64'), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyB64: exportPublicKey(publicKey) };
}
export function importPublicKey(b64: string): KeyObject {
  const der = Buffer.from(b64, 'base64');
  if (der.length === 44) {
    for (const crv of ['Ed25519', 'X25519'] as const) {
      if (der.subarray(0, 12).equals(OKP_PREFIX[crv])) {
        return createPublicKey({ key: { kty: 'OKP', crv, x: der.subarray(12).toString('base64url') }, format: 'jwk' });
      }
    }
  }
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

export function randomNonce(): string {
  return randomBytes(24).toString('base64url');
}

export function signBytes(key: KeyObject, data: string): string {
  return sign(null, Buffer.from(data), key).toString('base64url');
}
export function verifyBytes(key: KeyObject, data: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(data), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

export function signFrame(key: KeyObject, recipient: string, json: string): string {
  return `${signBytes(key, `${recipient}\n${json}`)}.${json}`;
}

/** Returns the JSON text of a correctly signed frame, or null when the signature does not verify. */
export function openFrame(key: KeyObject, recipient: string, frame: string): string | null {
  const dot = frame.indexOf('.');
  if (dot <= 0 || dot > 100) return null;
  const json = frame.slice(dot + 1);
  return verifyBytes(key, `${recipient}\n${json}`, frame.slice(0, dot)) ? json : null;
}

/**
 * The text a Link signs to answer a challenge: binds the Cloud's nonce to this Link's key and to both
 * sides' ephemeral key-agreement keys, so the session key cannot be swapped by anyone in between.
 */
export function challengeText(nonce: string, linkPublicKey: string, linkEcdh: string, cloudEcdh: string): string {
  return `conduit-link-auth\n${nonce}\n${linkPublicKey}\n${linkEcdh}\n${cloudEcdh}`;
}

// ---- Session keys: after the signed handshake, frames carry an HMAC under a key agreed by X25519.
// One HMAC costs microseconds where an Ed25519 verification costs ~100 µs on every query.

export interface EcdhKey {
  privateKey: KeyObject;
  publicKeyB64: string;
}

export function newEcdhKey(): EcdhKey {
  const { privateKey, publicKey } = newOkpKey('X25519');
  return { privateKey, publicKeyB64: exportPublicKey(publicKey) };
}

export function sessionKey(mine: KeyObject, theirsB64: string, nonce: string, linkPublicKey: string): Buffer {
  const shared = diffieHellman({ privateKey: mine, publicKey: importPublicKey(theirsB64) });
  return Buffer.from(hkdfSync('sha256', shared, Buffer.from(nonce), Buffer.from(`conduit-session\n${linkPublicKey}`), 32));
}

const MAC_PREFIX = 'h:';

/**
 * The session key as a KeyObject, made once per key: createHmac with a raw Buffer imports the key again
 * on every frame, about a third of an HMAC's cost for a frame of a query. Session keys never change.
 */
const macKeys = new WeakMap<Buffer, KeyObject>();
function macKey(key: Buffer): KeyObject {
  let k = macKeys.get(key);
  if (!k) {
    k = createSecretKey(key);
    macKeys.set(key, k);
  }
  return k;
}

export function macFrame(key: Buffer, json: string): string {
  return `${MAC_PREFIX}${createHmac('sha256', macKey(key)).update(json).digest('base64url')}.${json}`;
}

export function isMacFrame(frame: string): boolean {
  return frame.startsWith(MAC_PREFIX);
}

/** The JSON of a frame whose HMAC verifies under the session key, or null. */
export function openMacFrame(key: Buffer, frame: string): string | null {
  const dot = frame.indexOf('.');
  if (!frame.startsWith(MAC_PREFIX) || dot < 0 || dot > 60) return null;
  const json = frame.slice(dot + 1);
  const given = Buffer.from(frame.slice(MAC_PREFIX.length, dot), 'base64url');
  const want = createHmac('sha256', macKey(key)).update(json).digest();
  return given.length === want.length && timingSafeEqual(given, want) ? json : null;
}

/** Pairing codes are shown to the practice once and travel only as this hash, bound to site and integrator. */
export function pairingCodeHash(pmsSiteId: string, integratorId: string, code: string): string {
  return createHash('sha256').update(`conduit-pairing\n${pmsSiteId}\n${integratorId.toLowerCase()}\n${normalisePairingCode(code)}`).digest('hex');
}

/** Upper-case, without separators or spaces, so "abcde-fghjk" and "ABCDEFGHJK" are the same code. */
export function normalisePairingCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}
