// The icon of the practice's screen, answered at /favicon.ico: browsers ask for it on every load and
// report a 404 as an error in their console. Drawn here, not read from a file or the network: a 16x16,
// 32-bit Windows icon (ICO holding one BMP) of a disc in the page's accent colour with a white ring.
import type { IncomingMessage, ServerResponse } from 'node:http';

const SIZE = 16;
const ACCENT = { r: 0x1d, g: 0x5b, b: 0xa4 };
const WHITE = { r: 0xff, g: 0xff, b: 0xff };

/** The colour of a pixel, or undefined where the icon is transparent. */
function pixel(x: number, y: number): { r: number; g: number; b: number } | undefined {
  const d = Math.hypot(x + 0.5 - SIZE / 2, y + 0.5 - SIZE / 2);
  if (d > 7.5) return undefined;
  return d >= 2.5 && d <= 4.5 ? WHITE : ACCENT;
}

function drawIco(): Buffer {
  const pixels = SIZE * SIZE * 4;
  const mask = SIZE * 4; // 1 bit a pixel, rows padded to 32 bits; all zero: the alpha channel decides
  const bmp = 40 + pixels + mask;
  const ico = Buffer.alloc(6 + 16 + bmp);
  // ICONDIR: reserved, type 1 (icon), one image.
  ico.writeUInt16LE(0, 0);
  ico.writeUInt16LE(1, 2);
  ico.writeUInt16LE(1, 4);
  // ICONDIRENTRY: width, height, no palette, reserved, 1 plane, 32 bits a pixel, size, offset.
  ico.writeUInt8(SIZE, 6);
  ico.writeUInt8(SIZE, 7);
  ico.writeUInt16LE(1, 10);
  ico.writeUInt16LE(32, 12);
  ico.writeUInt32LE(bmp, 14);
  ico.writeUInt32LE(22, 18);
  // BITMAPINFOHEADER: the height counts the colour rows and the mask rows; no compression.
  ico.writeUInt32LE(40, 22);
  ico.writeInt32LE(SIZE, 26);
  ico.writeInt32LE(SIZE * 2, 30);
  ico.writeUInt16LE(1, 34);
  ico.writeUInt16LE(32, 36);
  ico.writeUInt32LE(pixels + mask, 42);
  // Rows bottom-up, each pixel blue, green, red, alpha.
  let at = 62;
  for (let y = SIZE - 1; y >= 0; y--) {
    for (let x = 0; x < SIZE; x++) {
      const c = pixel(x, y);
      if (c) ico.set([c.b, c.g, c.r, 0xff], at);
      at += 4;
    }
  }
  return ico;
}

export const FAVICON_ICO: Buffer = drawIco();

/** Answers GET or HEAD /favicon.ico (no token needed: it holds nothing of the practice's). */
export function sendFavicon(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'image/x-icon',
    'content-length': FAVICON_ICO.length,
    'cache-control': 'max-age=86400',
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : FAVICON_ICO);
}
