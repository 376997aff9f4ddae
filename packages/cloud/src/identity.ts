// The Cloud's Ed25519 signing key: made on first start and kept in the store, so Links that pinned it
// keep trusting the Cloud across restarts.
import { newIdentity, importIdentity, exportPrivateKey, type Identity } from '@conduit/protocol';
import type { Store } from './store/types.js';

export async function cloudIdentity(store: Store): Promise<Identity> {
  const stored = await store.getSetting('cloud.privateKey');
  if (stored) return importIdentity(stored);
  const id = newIdentity();
  await store.setSetting('cloud.privateKey', exportPrivateKey(id.privateKey));
  return id;
}
