// The general PNG path through pngjs: any colour type, bit depth and interlacing, and the decoder that explains
// damage when the fast path (png-fast.ts) gives up.

import { PNG } from 'pngjs';
import { ascii, u32be } from './bytes';
import { corrupt } from './image-input';
import type { PngHeader } from './probe-image';
import type { RgbImage } from './resize';

/** A copy of the PNG without its tRNS chunks (used for grey/RGB images, where tRNS is a colour key). */
function withoutTrns(b: Uint8Array): Uint8Array {
  const keep: Array<[number, number]> = [];
  let p = 8;
  let from = 0;
  let found = false;
  while (p + 12 <= b.length) {
    const len = u32be(b, p);
    const end = p + 12 + len;
    if (end > b.length) break;
    if (ascii(b, p + 4, p + 8) === 'tRNS') {
      keep.push([from, p]);
      from = end;
      found = true;
    }
    if (ascii(b, p + 4, p + 8) === 'IEND') break;
    p = end;
  }
  if (!found) return b;
  keep.push([from, b.length]);
  const out = new Uint8Array(keep.reduce((n, [s, e]) => n + e - s, 0));
  let o = 0;
  for (const [s, e] of keep) {
    out.set(b.subarray(s, e), o);
    o += e - s;
  }
  return out;
}

/** The general PNG path (any colour type, bit depth, interlacing), and the one that explains damage. */
export function decodePngGeneral(bytes: Uint8Array, header: PngHeader): RgbImage {
  // pngjs makes colour-keyed (tRNS) grey/RGB pixels transparent *black*; Pillow keeps their colour and
  // convert("RGB") drops the key, so the key is removed before decoding.
  const input = header.colorType === 0 || header.colorType === 2 ? withoutTrns(bytes) : bytes;
  const sixteen = header.bitDepth === 16;
  let decoded: { width: number; height: number; data: unknown };
  try {
    // skipRescale for 16-bit keeps the full samples (pngjs would otherwise round v*255/65535, not take v>>8).
    decoded = PNG.sync.read(Buffer.from(input.buffer, input.byteOffset, input.byteLength), { skipRescale: sixteen });
  } catch (err) {
    throw corrupt('png', err instanceof Error ? err.message : String(err), err);
  }
  const { width, height } = decoded;
  if (width !== header.width || height !== header.height) throw corrupt('png', 'the decoded size differs from the header');
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  if (sixteen) {
    const data = decoded.data as Uint16Array;
    if (!(data instanceof Uint16Array) || data.length < n * 4) throw corrupt('png', 'the decoder returned too few samples');
    for (let i = 0, j = 0; i < n * 4; i += 4, j += 3) {
      rgb[j] = (data[i] as number) >> 8;
      rgb[j + 1] = (data[i + 1] as number) >> 8;
      rgb[j + 2] = (data[i + 2] as number) >> 8;
    }
  } else {
    const data = decoded.data as Uint8Array;
    if (data.length < n * 4) throw corrupt('png', 'the decoder returned too few samples');
    for (let i = 0, j = 0; i < n * 4; i += 4, j += 3) {
      rgb[j] = data[i] as number;
      rgb[j + 1] = data[i + 1] as number;
      rgb[j + 2] = data[i + 2] as number;
    }
  }
  return { width, height, rgb };
}
