// PNG fast path: 8-bit RGB/RGBA non-interlaced files decoded directly with node:zlib.
//
// The common case, 8-bit RGB or RGBA without interlacing (what a canvas capture produces), is decoded here
// directly: native zlib inflate, PNG row unfiltering in place, alpha dropped. pngjs does the same job 3-5x
// slower (per-pixel callbacks, always RGBA), which matters for a 1920x1080 frame. Anything unusual (other
// formats, interlacing, unknown critical chunks, bad CRCs, short or excess data) returns null and goes to pngjs,
// which either decodes it or produces the error message. The tests check that both paths give identical pixels.

import { crc32, inflateSync } from 'node:zlib';
import { ascii, u32be } from './bytes';
import type { PngHeader } from './probe-image';
import type { RgbImage } from './resize';

/**
 * Undo the PNG filter of row `y` in place. `raw` holds rows of [filter byte, rowLen bytes] and must be a plain
 * Uint8Array (not a Buffer) so that accesses stay monomorphic; rows above `y` are already reconstructed (row 0 sees
 * a row of zeros). Each channel is walked separately so the left neighbour stays in a register, and Paeth's choice
 * is made without branches (its data-dependent branches mispredict on photographs and cost more than the
 * arithmetic). Returns false for an unknown filter type.
 */
function unfilterRow(raw: Uint8Array, y: number, rowLen: number, bpp: number): boolean {
  const stride = rowLen + 1;
  const cur = y * stride + 1;
  const end = cur + rowLen;
  let filter = raw[cur - 1] as number;
  if (y === 0) {
    if (filter === 2) filter = 0; // Up over zeros adds nothing
    else if (filter === 4) filter = 1; // Paeth with b = c = 0 always picks a: Sub
    else if (filter === 3) filter = 5; // Average with b = 0
  }
  switch (filter) {
    case 0:
      return true;
    case 1: // Sub: x += a
      for (let ch = 0; ch < bpp; ch++) {
        let a = raw[cur + ch] as number;
        for (let i = cur + ch + bpp; i < end; i += bpp) {
          a = ((raw[i] as number) + a) & 255;
          raw[i] = a;
        }
      }
      return true;
    case 2: // Up: x += b
      for (let i = cur; i < end; i++) raw[i] = (raw[i] as number) + (raw[i - stride] as number);
      return true;
    case 3: // Average: x += (a + b) >> 1
      for (let ch = 0; ch < bpp; ch++) {
        let a = ((raw[cur + ch] as number) + ((raw[cur + ch - stride] as number) >> 1)) & 255;
        raw[cur + ch] = a;
        for (let i = cur + ch + bpp; i < end; i += bpp) {
          a = ((raw[i] as number) + ((a + (raw[i - stride] as number)) >> 1)) & 255;
          raw[i] = a;
        }
      }
      return true;
    case 4: // Paeth: x += whichever of a, b, c is closest to a + b - c (ties: a, then b)
      for (let ch = 0; ch < bpp; ch++) {
        let c = raw[cur + ch - stride] as number;
        let a = ((raw[cur + ch] as number) + c) & 255; // first pixel: a = c = 0, so the predictor is b
        raw[cur + ch] = a;
        for (let i = cur + ch + bpp; i < end; i += bpp) {
          const b = raw[i - stride] as number;
          const da = b - c; // p - a
          const db = a - c; // p - b
          const dc = da + db; // p - c
          let m = da >> 31;
          const pa = (da ^ m) - m;
          m = db >> 31;
          const pb = (db ^ m) - m;
          m = dc >> 31;
          const pc = (dc ^ m) - m;
          const notB = (pc - pb) >> 31; // -1 when pb > pc
          const bOrC = b ^ ((b ^ c) & notB);
          const pbOrPc = pb ^ ((pb ^ pc) & notB);
          const notA = (pbOrPc - pa) >> 31; // -1 when pa > min(pb, pc)
          a = ((raw[i] as number) + (a ^ ((a ^ bOrC) & notA))) & 255;
          raw[i] = a;
          c = b;
        }
      }
      return true;
    case 5: // Average on the first row: x += a >> 1
      for (let ch = 0; ch < bpp; ch++) {
        let a = raw[cur + ch] as number;
        for (let i = cur + ch + bpp; i < end; i += bpp) {
          a = ((raw[i] as number) + (a >> 1)) & 255;
          raw[i] = a;
        }
      }
      return true;
    default:
      return false;
  }
}

export function decodePngFast(b: Uint8Array, header: PngHeader): RgbImage | null {
  const { width, height, bitDepth, colorType } = header;
  if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || b[28] !== 0) return null;
  const idat: Uint8Array[] = [];
  let ended = false;
  for (let p = 8; p + 12 <= b.length; ) {
    const len = u32be(b, p);
    const end = p + 12 + len;
    if (end > b.length) return null;
    if ((crc32(b.subarray(p + 4, p + 8 + len)) >>> 0) !== u32be(b, p + 8 + len)) return null;
    const type = ascii(b, p + 4, p + 8);
    if (type === 'IDAT') idat.push(b.subarray(p + 8, p + 8 + len));
    else if (type === 'IEND') {
      ended = true;
      break;
    } else if (((b[p + 4] as number) & 0x20) === 0 && type !== 'IHDR' && type !== 'PLTE') return null; // unknown critical
    p = end;
  }
  if (!ended || idat.length === 0) return null;
  const bpp = colorType === 6 ? 4 : 3;
  const rowLen = width * bpp;
  const expected = (rowLen + 1) * height;
  let raw: Uint8Array;
  try {
    const inflated = inflateSync(idat.length === 1 ? (idat[0] as Uint8Array) : Buffer.concat(idat), {
      maxOutputLength: expected,
    });
    raw = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length);
  } catch {
    return null; // truncated, corrupt or longer than the image: let pngjs decide and explain
  }
  if (raw.length !== expected) return null;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    if (!unfilterRow(raw, y, rowLen, bpp)) return null;
    // Copy the row out while it is still in cache.
    const from = y * (rowLen + 1) + 1;
    if (bpp === 3) {
      rgb.set(raw.subarray(from, from + rowLen), y * rowLen);
    } else {
      for (let i = from, j = y * width * 3, e = from + rowLen; i < e; i += 4, j += 3) {
        rgb[j] = raw[i] as number;
        rgb[j + 1] = raw[i + 1] as number;
        rgb[j + 2] = raw[i + 2] as number;
      }
    }
  }
  return { width, height, rgb };
}
