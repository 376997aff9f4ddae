// Builds a JSON body that carries a result as one base64 string, straight into one Buffer. A 500-row
// result is ~100 KB; as a base64 string inside a JSON string it would be two >128 KB strings per query,
// which V8 keeps in its large-object space (one mmap and munmap each), and the profile of the 500-row
// case showed those page mappings as a sixth of the Cloud's time. Encoding in slices keeps every string small.

/** Bytes per base64 slice: a multiple of 3, so only the last slice is padded; encodes to 64 KiB of text. */
export const BASE64_SLICE = 48 * 1024;

/**
 * `json` with the JSON string `mark` (quotes included, first occurrence) replaced by a JSON string of
 * `data` in base64. Base64 needs no JSON escaping, so the bytes are written as they are encoded.
 */
export function spliceBase64(json: string, mark: string, data: Buffer): Buffer {
  const at = json.indexOf(mark);
  if (at < 0) throw new Error('spliceBase64: the mark is not in the JSON');
  const head = json.slice(0, at);
  const tail = json.slice(at + mark.length);
  const encoded = 4 * Math.ceil(data.length / 3);
  const headBytes = Buffer.byteLength(head);
  const out = Buffer.allocUnsafe(headBytes + 2 + encoded + Buffer.byteLength(tail));
  let o = out.write(head, 0, 'utf8');
  out[o++] = 0x22; // "
  for (let i = 0; i < data.length; i += BASE64_SLICE) {
    o += out.write(data.subarray(i, Math.min(i + BASE64_SLICE, data.length)).toString('base64'), o, 'latin1');
  }
  out[o++] = 0x22;
  out.write(tail, o, 'utf8');
  return out;
}
