// Binary result chunks: [1 byte version][16 bytes query uuid][u32 page][u32 seq][u8 flags][payload].
// Results travel as raw bytes so large results never sit inside one giant JSON string.
export const FRAME_VERSION = 1;
export const HEADER_BYTES = 1 + 16 + 4 + 4 + 1;
export const FLAG_LAST = 1;

export interface ChunkHeader {
  queryId: string;
  page: number;
  seq: number;
  last: boolean;
}

function uuidToBytes(id: string, out: Buffer, offset: number): void {
  const hex = id.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a uuid: ${id}`);
  out.write(hex, offset, 16, 'hex');
}
function bytesToUuid(buf: Buffer, offset: number): string {
  const h = buf.toString('hex', offset, offset + 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function encodeChunk(h: ChunkHeader, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out[0] = FRAME_VERSION;
  uuidToBytes(h.queryId, out, 1);
  out.writeUInt32BE(h.page, 17);
  out.writeUInt32BE(h.seq, 21);
  out[25] = h.last ? FLAG_LAST : 0;
  payload.copy(out, HEADER_BYTES);
  return out;
}

export function decodeChunk(frame: Buffer): { header: ChunkHeader; payload: Buffer } {
  if (frame.length < HEADER_BYTES || frame[0] !== FRAME_VERSION) throw new Error('bad chunk frame');
  return {
    header: {
      queryId: bytesToUuid(frame, 1),
      page: frame.readUInt32BE(17),
      seq: frame.readUInt32BE(21),
      last: (frame[25]! & FLAG_LAST) !== 0,
    },
    payload: frame.subarray(HEADER_BYTES),
  };
}
