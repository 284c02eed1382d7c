// A lossless PNG writer for 8-bit RGB (the preprocessed frame the remote engine sends). Lossless matters: the
// server must see exactly the pixels the local engine would give the model, so JPEG is not an option.
// Rows use the Sub filter (cheap, and good on camera images); zlib does the rest.
import { crc32, deflateSync } from 'node:zlib';
import type { RgbImage } from './resize';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)) >>> 0);
  return out;
}

/** Encodes RGB pixels as a PNG (colour type 2, bit depth 8, no interlace). `level` is zlib's 0..9. */
export function encodePngRgb(image: RgbImage, level = 3): Uint8Array {
  const { width, height, rgb } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`encodePngRgb: bad size ${width}x${height}`);
  if (rgb.length !== width * height * 3) throw new RangeError('encodePngRgb: the pixel buffer does not match the size');
  const rowLen = width * 3;
  const raw = new Uint8Array((rowLen + 1) * height);
  for (let y = 0; y < height; y++) {
    const src = y * rowLen;
    const dst = y * (rowLen + 1);
    raw[dst] = 1; // Sub: each byte minus the same channel of the pixel to its left
    for (let i = 0; i < 3; i++) raw[dst + 1 + i] = rgb[src + i] as number;
    for (let i = 3; i < rowLen; i++) raw[dst + 1 + i] = ((rgb[src + i] as number) - (rgb[src + i - 3] as number)) & 255;
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const idat = deflateSync(raw, { level });
  const parts = [SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', new Uint8Array(idat.buffer, idat.byteOffset, idat.byteLength)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
