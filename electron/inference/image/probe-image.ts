// Probing: identify a PNG or JPEG from its signature and header alone (nothing is decoded), refuse other formats,
// damaged headers and oversized images with a message a user can act on.

import { ascii, startsWith, u16be, u32be } from './bytes';
import { corrupt, ImageInputError, MAX_IMAGE_PIXELS, tooLarge, type ImageProbe } from './image-input';

const RETRY = 'Export the frame as PNG or JPEG and try again.';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

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

export interface PngHeader extends ImageProbe {
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

export function probeDetailed(bytes: Uint8Array): PngHeader | ImageProbe {
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
