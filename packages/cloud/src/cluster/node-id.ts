// A node's name on the bus: given by the operator (--node-id, stable across restarts so a restarted
// node cleans up after its previous life) or made from the host name and a random suffix.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

const VALID = /^[A-Za-z0-9._-]{1,64}$/;

export function nodeId(given?: string): string {
  if (given !== undefined) {
    if (!VALID.test(given)) throw new Error('node id must be 1 to 64 letters, digits, dots, dashes or underscores');
    return given;
  }
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40) || 'node';
  return `${host}-${randomBytes(4).toString('hex')}`;
}
