// Frame decoding: PNG and JPEG bytes to 8-bit RGB, refusing anything else with a message a user can act on.
//
// The RGB produced is what Pillow's `Image.open(f).convert("RGB")` gives (the Hugging Face Gemma 3 processor's
// `convert_to_rgb` is exactly that call), so the later resize can be compared with Pillow pixel for pixel:
//  * alpha is dropped, not composited: a transparent pixel keeps its stored colour (PNG tRNS colour keys too);
//  * grey and palette images are expanded to RGB; 1/2/4-bit grey is scaled to 0..255 (0x55, 0x11 steps);
//  * 16-bit samples keep their high byte (Pillow's RGB;16B unpacking).
//    One deliberate difference: Pillow 9 opens a 16-bit *grey* PNG as mode "I" and `convert("RGB")` then
//    saturates every value above 255 to white; we keep the high byte as for colour, which is the image's content.
//  * no gamma, ICC or EXIF-orientation handling (Pillow's `open` + `convert` does none either).
// PNG: 8-bit RGB/RGBA non-interlaced files (canvas captures) are decoded directly with node:zlib (fast path,
// png-fast.ts); every other PNG, and any file the fast path finds odd, goes through pngjs (png-pngjs.ts). Both
// are lossless and give identical pixels. JPEG: jpeg-js (jpeg.ts), whose IDCT rounding and chroma upsampling
// differ from libjpeg's, so JPEG pixels are close to Pillow's but not identical (tests/unit/image-preprocess.test.ts
// states the measured difference).
// Everything here is synchronous and CPU-bound: call it in the inference worker, not on a UI thread.
//
// The work is split by concern: image-input.ts (errors, limits), probe-image.ts (signature and header probing),
// png-fast.ts (the zlib fast path), png-pngjs.ts (the pngjs fallback), jpeg.ts (jpeg-js); this module is the
// front that picks a decoder and keeps the public API in one place.

import { decodeJpeg } from './jpeg';
import { decodePngFast } from './png-fast';
import { decodePngGeneral } from './png-pngjs';
import { probeDetailed, type PngHeader } from './probe-image';
import type { RgbImage } from './resize';

export type { RgbImage } from './resize';
export { ImageInputError, MAX_IMAGE_PIXELS } from './image-input';
export type { ImageFormat, ImageInputErrorCode, ImageProbe } from './image-input';
export { probeImage } from './probe-image';

function decodePng(bytes: Uint8Array, header: PngHeader): RgbImage {
  const fast = decodePngFast(bytes, header);
  if (fast) return fast;
  return decodePngGeneral(bytes, header);
}

/**
 * Decode a PNG with pngjs only, skipping the fast path (for tests that prove the two give identical pixels).
 * Same result and errors as decodeImage for PNG input.
 */
export function decodePngWithPngjs(bytes: Uint8Array): RgbImage {
  const header = probeDetailed(bytes);
  if (header.format !== 'png') throw new TypeError('decodePngWithPngjs: not a PNG');
  return decodePngGeneral(bytes, header as PngHeader);
}

/**
 * Decode PNG or JPEG bytes to 8-bit RGB (alpha dropped, as Pillow's `convert("RGB")`).
 * The header is probed first, so oversized images are refused before any pixel memory is allocated.
 * Throws ImageInputError ('empty' | 'not-an-image' | 'too-large' | 'corrupt').
 */
export function decodeImage(bytes: Uint8Array): RgbImage {
  const header = probeDetailed(bytes);
  return header.format === 'png' ? decodePng(bytes, header as PngHeader) : decodeJpeg(bytes, header);
}
