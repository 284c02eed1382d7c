// JPEG decoding through jpeg-js (close to Pillow's pixels but not identical: its IDCT rounding and chroma
// upsampling differ from libjpeg's). Truncated files are refused, as Pillow does.

import { decode as decodeJpegBytes } from 'jpeg-js';
import { corrupt, MAX_IMAGE_PIXELS, type ImageProbe } from './image-input';
import type { RgbImage } from './resize';

function hasEndOfImage(b: Uint8Array): boolean {
  // Allow trailing padding after EOI (some encoders append zeros or metadata).
  for (let i = b.length - 2; i >= 2 && i >= b.length - 4096; i--) {
    if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  }
  return false;
}

export function decodeJpeg(bytes: Uint8Array, header: ImageProbe): RgbImage {
  // jpeg-js happily returns a half-grey picture for a truncated file; Pillow refuses one ("image file is
  // truncated"), and so do we: a frame missing its lower part must not be analysed.
  if (!hasEndOfImage(bytes)) throw corrupt('jpeg', 'the end-of-image marker is missing; the file is truncated');
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = decodeJpegBytes(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
      maxMemoryUsageInMB: 1024,
    });
  } catch (err) {
    throw corrupt('jpeg', err instanceof Error ? err.message : String(err), err);
  }
  const { width, height, data } = decoded;
  if (width !== header.width || height !== header.height || data.length !== width * height * 3) {
    throw corrupt('jpeg', 'the decoded size differs from the header');
  }
  return { width, height, rgb: data };
}
