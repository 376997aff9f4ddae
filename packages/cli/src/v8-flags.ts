// V8 heap settings for the Cloud's process. V8 sizes the old generation after each full collection at
// live size × a growing factor that it lowers towards 1.1 when collections are fast next to the program;
// at 1.1 the room left (~24 MB on a ~19 MB heap) fell below what V8 keeps for a full young generation,
// so it started the next full collection at once, and a Cloud answering 500-row results (~250 KB each)
// ran 35–64 full collections in a window where it otherwise ran 1–8, at about twice the CPU per answer
// (bench/RESULTS.md, eighth session). A fixed factor of 3 keeps that room. It is read at each
// collection, so setting it at start is enough.
import { setFlagsFromString } from 'node:v8';

export const CLOUD_HEAP_GROWING_PERCENT = 200;

export function tuneCloudHeap(): void {
  setFlagsFromString(`--heap-growing-percent=${CLOUD_HEAP_GROWING_PERCENT}`);
}
