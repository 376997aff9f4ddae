// A bus frame: a JSON header and an optional binary payload (a result), so result bytes cross the bus
// as they are instead of inflating by a third as base64 inside JSON.
const EMPTY = Buffer.alloc(0);

export function encodeFrame(header: object, payload: Buffer = EMPTY): Buffer {
  const head = Buffer.from(JSON.stringify(header));
  const out = Buffer.allocUnsafe(4 + head.length + payload.length);
  out.writeUInt32BE(head.length, 0);
  head.copy(out, 4);
  payload.copy(out, 4 + head.length);
  return out;
}

export function decodeFrame<H>(frame: Buffer): { header: H; payload: Buffer } {
  if (frame.length < 4) throw new Error('bus frame too short');
  const len = frame.readUInt32BE(0);
  if (4 + len > frame.length) throw new Error('bus frame header overruns the frame');
  const header = JSON.parse(frame.subarray(4, 4 + len).toString()) as H;
  return { header, payload: frame.subarray(4 + len) };
}
