// What a site's Link can take, by the version it reported in its hello. The Cloud is upgraded before the
// Links it serves (practices update theirs in their own time), so a request a Link of an older release
// would refuse — and refusing a malformed query closes its whole connection — is refused here instead,
// with the reason.

import { LIMITS } from '@conduit/protocol';

/** Links from this version on take a parameter `size` of -1 (SqlParameter MAX). */
export const SIZE_MAX_SINCE = '26.1207.1';

/** Links from this version on take frames of LIMITS.linkFrameBytes; earlier ones closed the connection above 1 MiB. */
export const BIG_FRAMES_SINCE = '26.1207.2';
/** What every Link release takes (those before BIG_FRAMES_SINCE closed the connection above it). */
export const MIN_LINK_FRAME_BYTES = 1024 * 1024;

/** The largest frame the site's Link takes: a bigger one would cost the practice its connection. */
export function linkFrameBytes(version: string): number {
  return linkAtLeast(version, BIG_FRAMES_SINCE) ? LIMITS.linkFrameBytes : MIN_LINK_FRAME_BYTES;
}

/** What a frame adds around one command (ids, times, limits, names, the MAC), with room to spare. */
export const FRAME_OVERHEAD_BYTES = 4096;

/** Versions are `YY.MMDD.N` (numeric parts); anything unreadable counts as older than every release. */
export function linkAtLeast(version: string, min: string): boolean {
  const parts = (v: string): number[] | undefined => {
    const p = v.split('.').map((x) => (/^\d+$/.test(x) ? Number(x) : Number.NaN));
    return p.every(Number.isFinite) ? p : undefined;
  };
  const a = parts(version);
  const b = parts(min)!;
  if (!a) return false;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}
