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
// below); every other PNG, and any file the fast path finds odd, goes through pngjs. Both are lossless and give
// identical pixels. JPEG: jpeg-js, whose IDCT rounding and chroma upsampling differ from libjpeg's, so JPEG pixels
// are close to Pillow's but not identical (tests/unit/image-preprocess.test.ts states the measured difference).
// Everything here is synchronous and CPU-bound: call it in the inference worker, not on a UI thread.

import { crc32, inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { decode as decodeJpegBytes } from 'jpeg-js';
import type { RgbImage } from './resize';

export type { RgbImage } from './resize';

export type ImageFormat = 'png' | 'jpeg';
export type ImageInputErrorCode = 'empty' | 'not-an-image' | 'too-large' | 'corrupt';

/** Bad image input. `message` is written for the user; `code` is for the program. */
export class ImageInputError extends Error {
  readonly code: ImageInputErrorCode;

  constructor(code: ImageInputErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageInputError';
    this.code = code;
  }
}

/** Images with more pixels than this are refused before decoding (8000x8000 is; 7680x4320 8K UHD is not). */
export const MAX_IMAGE_PIXELS = 40_000_000;

export interface ImageProbe {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
}

const RETRY = 'Export the frame as PNG or JPEG and try again.';

// ---------------------------------------------------------------------------------------------- probing

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < Math.min(to, bytes.length); i++) s += String.fromCharCode(bytes[i] as number);
  return s;
}

function u32be(b: Uint8Array, at: number): number {
  return (((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)) >>> 0;
}

function u16be(b: Uint8Array, at: number): number {
  return ((b[at] as number) << 8) | (b[at + 1] as number);
}

/** A name for the formats people are likely to drop on the app by mistake, to make the refusal concrete. */
function recogniseOther(b: Uint8Array): string | null {
  const head = ascii(b, 0, 12);
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return 'a GIF image';
  if (head.startsWith('BM')) return 'a BMP image';
  if (head.startsWith('RIFF') && ascii(b, 8, 12) === 'WEBP') return 'a WebP image';
  if (head.startsWith('RIFF') && ascii(b, 8, 12) === 'AVI ') return 'an AVI video';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'a TIFF image';
  if (ascii(b, 4, 8) === 'ftyp') {
    const brand = ascii(b, 8, 12);
    if (/^(heic|heix|hevc|mif1|msf1)/.test(brand)) return 'a HEIC/HEIF image';
    if (/^avi[fs]/.test(brand)) return 'an AVIF image';
    return 'a video file (MP4/QuickTime)';
  }
  if (startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return 'a video file (WebM/Matroska)';
  if (head.startsWith('%PDF')) return 'a PDF document';
  if (startsWith(b, [0xff, 0x0a]) || startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return 'a JPEG XL image';
  if (startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20])) return 'a JPEG 2000 image';
  return null;
}

function describeStart(b: Uint8Array): string {
  const n = Math.min(8, b.length);
  const hex: string[] = [];
  let text = '';
  for (let i = 0; i < n; i++) {
    const c = b[i] as number;
    hex.push(c.toString(16).padStart(2, '0'));
    text += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return `it starts with the bytes ${hex.join(' ')} "${text}"`;
}

function tooLarge(width: number, height: number): ImageInputError {
  const mp = (width * height) / 1e6;
  return new ImageInputError(
    'too-large',
    `The image is ${width}×${height} pixels (${mp.toFixed(1)} megapixels), more than the ` +
      `${MAX_IMAGE_PIXELS / 1e6}-megapixel limit. Export the frame at a smaller size ` +
      `(a 1920×1080 frame is 2.1 megapixels) and try again.`,
  );
}

function corrupt(format: ImageFormat, detail: string, cause?: unknown): ImageInputError {
  const name = format === 'png' ? 'PNG' : 'JPEG';
  return new ImageInputError(
    'corrupt',
    `The ${name} file is damaged or incomplete (${detail}). Export or capture the frame again.`,
    cause === undefined ? undefined : { cause },
  );
}

interface PngHeader extends ImageProbe {
  readonly format: 'png';
  readonly bitDepth: number;
  readonly colorType: number;
}

const PNG_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16], // grey
  2: [8, 16], // RGB
  3: [1, 2, 4, 8], // palette
  4: [8, 16], // grey + alpha
  6: [8, 16], // RGBA
};

function probePng(b: Uint8Array): PngHeader {
  // signature (8) + IHDR length (4) + "IHDR" (4) + 13 bytes of data; the CRC is checked when decoding.
  if (b.length < 8 + 8 + 13) throw corrupt('png', 'the file ends inside its header');
  if (u32be(b, 8) !== 13 || ascii(b, 12, 16) !== 'IHDR') throw corrupt('png', 'the IHDR header is missing');
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  const bitDepth = b[24] as number;
  const colorType = b[25] as number;
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw corrupt('png', `the header gives an impossible size of ${width}×${height}`);
  }
  const depths = PNG_DEPTHS[colorType];
  if (!depths || !depths.includes(bitDepth)) {
    throw corrupt('png', `unknown colour type ${colorType} with bit depth ${bitDepth}`);
  }
  if (b[26] !== 0 || b[27] !== 0 || (b[28] !== 0 && b[28] !== 1)) {
    throw corrupt('png', 'unknown compression, filter or interlace method');
  }
  if (width * height > MAX_IMAGE_PIXELS) throw tooLarge(width, height);
  return { format: 'png', width, height, bitDepth, colorType };
}

/** SOF markers by coding process; jpeg-js decodes the baseline, extended and progressive Huffman ones. */
function sofKind(marker: number): 'supported' | 'unsupported' | null {
  if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) return 'supported';
  if (marker >= 0xc3 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return 'unsupported';
  return null;
}

function probeJpeg(b: Uint8Array): ImageProbe {
  let p = 2; // after SOI
  for (;;) {
    // Each segment starts with 0xFF, possibly padded with more 0xFF fill bytes.
    if (p >= b.length) throw corrupt('jpeg', 'the file ends before the frame header');
    if (b[p] !== 0xff) throw corrupt('jpeg', `expected a marker at byte ${p}`);
    while (p < b.length && b[p] === 0xff) p++;
    if (p >= b.length) throw corrupt('jpeg', 'the file ends before the frame header');
    const marker = b[p] as number;
    p++;
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9 || marker === 0xda) throw corrupt('jpeg', 'there is no frame header before the image data');
    if (p + 2 > b.length) throw corrupt('jpeg', 'the file ends inside a segment');
    const length = u16be(b, p);
    if (length < 2) throw corrupt('jpeg', `a segment at byte ${p} has an invalid length`);
    const kind = sofKind(marker);
    if (kind) {
      if (p + 7 > b.length) throw corrupt('jpeg', 'the file ends inside the frame header');
      const height = u16be(b, p + 3);
      const width = u16be(b, p + 5);
      if (kind === 'unsupported') {
        throw new ImageInputError(
          'not-an-image',
          'This JPEG uses a lossless, hierarchical or arithmetic-coded variant that cannot be read. ' +
            'Export the frame as PNG or as an ordinary (baseline or progressive) JPEG and try again.',
        );
      }
      if (width === 0 || height === 0) throw corrupt('jpeg', `the frame header gives a size of ${width}×${height}`);
      if (width * height > MAX_IMAGE_PIXELS) throw tooLarge(width, height);
      return { format: 'jpeg', width, height };
    }
    p += length;
  }
}

function probeDetailed(bytes: Uint8Array): PngHeader | ImageProbe {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('probeImage: expected a Uint8Array');
  if (bytes.length === 0) {
    throw new ImageInputError('empty', 'The image file is empty (0 bytes). Capture or export the frame again.');
  }
  if (startsWith(bytes, PNG_SIGNATURE)) return probePng(bytes);
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return probeJpeg(bytes);
  if (bytes.length < PNG_SIGNATURE.length && bytes.every((v, i) => v === PNG_SIGNATURE[i])) {
    throw corrupt('png', 'the file ends inside its signature');
  }
  const other = recogniseOther(bytes);
  throw new ImageInputError(
    'not-an-image',
    `The file is not a PNG or JPEG image (${other ? `it looks like ${other}` : describeStart(bytes)}). ${RETRY}`,
  );
}

/**
 * Identify a PNG or JPEG from its signature and header alone (nothing is decoded) and return its size.
 * Throws ImageInputError: 'empty', 'not-an-image' (other formats, unreadable JPEG variants), 'corrupt'
 * (a damaged or truncated header) or 'too-large' (more than MAX_IMAGE_PIXELS pixels).
 */
export function probeImage(bytes: Uint8Array): ImageProbe {
  const p = probeDetailed(bytes);
  return { format: p.format, width: p.width, height: p.height };
}

// ---------------------------------------------------------------------------------------------- decoding

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

// The common case, 8-bit RGB or RGBA without interlacing (what a canvas capture produces), is decoded here
// directly: native zlib inflate, PNG row unfiltering in place, alpha dropped. pngjs does the same job 3-5x
// slower (per-pixel callbacks, always RGBA), which matters for a 1920x1080 frame. Anything unusual (other
// formats, interlacing, unknown critical chunks, bad CRCs, short or excess data) returns null and goes to pngjs,
// which either decodes it or produces the error message. The tests check that both paths give identical pixels.

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

function decodePngFast(b: Uint8Array, header: PngHeader): RgbImage | null {
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

/** The general PNG path (any colour type, bit depth, interlacing), and the one that explains damage. */
function decodePngGeneral(bytes: Uint8Array, header: PngHeader): RgbImage {
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

function hasEndOfImage(b: Uint8Array): boolean {
  // Allow trailing padding after EOI (some encoders append zeros or metadata).
  for (let i = b.length - 2; i >= 2 && i >= b.length - 4096; i--) {
    if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  }
  return false;
}

function decodeJpeg(bytes: Uint8Array, header: ImageProbe): RgbImage {
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

/**
 * Decode PNG or JPEG bytes to 8-bit RGB (alpha dropped, as Pillow's `convert("RGB")`).
 * The header is probed first, so oversized images are refused before any pixel memory is allocated.
 * Throws ImageInputError ('empty' | 'not-an-image' | 'too-large' | 'corrupt').
 */
export function decodeImage(bytes: Uint8Array): RgbImage {
  const header = probeDetailed(bytes);
  return header.format === 'png' ? decodePng(bytes, header as PngHeader) : decodeJpeg(bytes, header);
}
