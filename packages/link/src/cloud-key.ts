// The Cloud key a refused server offers. A Link pins its Cloud's key; when a server's challenge is signed,
// consistently, by another key, that is either the Cloud rebuilt with a new key (the operator gives the
// practice the new one, for --cloud-key) or something impersonating it. Either way the practice's IT
// person needs to be told which, in words, and given both keys to compare with the operator's.
import { importPublicKey, openFrame } from '@conduit/protocol';

/** The key a challenge frame claims, when the frame is indeed signed by it; otherwise undefined. */
export function offeredCloudKey(frame: string, linkPublicKey: string): string | undefined {
  try {
    const claimed = JSON.parse(frame.slice(frame.indexOf('.') + 1)) as { type?: string; cloudPublicKey?: string };
    if (claimed.type !== 'challenge' || typeof claimed.cloudPublicKey !== 'string') return undefined;
    return openFrame(importPublicKey(claimed.cloudPublicKey), linkPublicKey, frame) ? claimed.cloudPublicKey : undefined;
  } catch {
    return undefined;
  }
}

export function otherCloudMessage(cloudUrl: string): string {
  return `the server at ${cloudUrl} signs with a different Cloud key than the one this Link trusts, so the Link refuses it and keeps trying. `
    + 'If your Conduit operator rebuilt or moved the Cloud and gave you its new public key (compare "offeredKey"), restart the Link with '
    + '--cloud-key <that key> (or CONDUIT_CLOUD_KEY); otherwise something is posing as the Conduit Cloud: tell your operator, and do not change the key.';
}
