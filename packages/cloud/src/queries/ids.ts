// Query ids are time-ordered UUIDs (RFC 9562 version 7: 48 bits of Unix milliseconds, then 74 random
// bits). The queries table's id index then grows at one end, so a transaction's inserts and updates touch
// the same few pages instead of one random page each (random v4 ids made every record write dirty a page
// of its own, and the index's pages fall out of SQLite's cache as the table grows).
import { randomFillSync } from 'node:crypto';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Random bytes for 256 ids at a time: one call into the CSPRNG instead of one per id. */
const POOL = Buffer.allocUnsafe(10 * 256);
let used = POOL.length;

/** A new version 7 UUID for `ms` (default: now), lower case as randomUUID() writes them. */
export function timeOrderedId(ms: number = Date.now()): string {
  if (used === POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  const r = used;
  used += 10;
  // 48-bit big-endian timestamp, split so no 32-bit overflow happens in the bit operations.
  const hi = Math.floor(ms / 0x1000000);
  const lo = ms % 0x1000000;
  return (
    HEX[(hi >>> 16) & 0xff]! + HEX[(hi >>> 8) & 0xff]! + HEX[hi & 0xff]! + HEX[(lo >>> 16) & 0xff]! + '-' +
    HEX[(lo >>> 8) & 0xff]! + HEX[lo & 0xff]! + '-' +
    HEX[0x70 | (POOL[r]! & 0x0f)]! + HEX[POOL[r + 1]!]! + '-' +
    HEX[0x80 | (POOL[r + 2]! & 0x3f)]! + HEX[POOL[r + 3]!]! + '-' +
    HEX[POOL[r + 4]!]! + HEX[POOL[r + 5]!]! + HEX[POOL[r + 6]!]! + HEX[POOL[r + 7]!]! + HEX[POOL[r + 8]!]! + HEX[POOL[r + 9]!]!
  );
}
