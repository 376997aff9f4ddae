// The Link's WebSocket address from the Cloud's address as the practice was given it (--cloud). An
// https:// or wss:// Cloud is reached over TLS, never over plain ws:// (the frames carry patient data).
// A path is kept as the prefix of the Link's endpoint, so a Cloud served under a path by a reverse proxy
// (https://example.com/conduit) is reached at https://example.com/conduit/link/v1/connect.
import { LINK_ENDPOINT } from '@conduit/protocol';

export function linkSocketUrl(cloudUrl: string): string {
  const u = new URL(cloudUrl);
  const tls = u.protocol === 'https:' || u.protocol === 'wss:';
  u.protocol = tls ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${LINK_ENDPOINT}`;
  u.search = '';
  u.hash = '';
  return u.toString();
}
