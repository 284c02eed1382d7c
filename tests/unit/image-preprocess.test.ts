// Frame decoding and Gemma 3 preprocessing against Pillow (the Hugging Face processor's PIL path).
// Reference pixels: tests/fixtures/image-parity/ (make-reference.py writes them with Pillow).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  decodeImage,
  decodePngWithPngjs,
  ImageInputError,
  MAX_IMAGE_PIXELS,
  probeImage,
} from '../../electron/inference/image/decode';
import { resizeRgb, type RgbImage } from '../../electron/inference/image/resize';
import { GEMMA3_RESAMPLE, prepareForGemma3 } from '../../electron/inference/image/gemma3-preprocess';

const FIXTURES = join(__dirname, '..', 'fixtures', 'image-parity');

interface Case {
  kind: 'resize' | 'decode' | 'prepare';
  source: string;
  expected: string;
  sha256: string;
  width: number;
  height: number;
  filter?: 'bilinear' | 'bicubic';
  compare?: 'exact' | 'jpeg';
  pilMode?: string;
}

const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as { pillow: string; cases: Case[] };

function bytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

/** Pillow's pixels: an 8-bit RGB PNG, checked against the hash Pillow recorded, so the reference is exact. */
function expected(c: Case): RgbImage {
  const img = decodeImage(bytes(c.expected));
  expect(createHash('sha256').update(img.rgb).digest('hex'), `${c.expected} pixels as Pillow wrote them`).toBe(c.sha256);
  return img;
}

function diff(a: RgbImage, b: RgbImage): { max: number; mean: number; over1: number } {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let max = 0;
  let sum = 0;
  let over1 = 0;
  for (let i = 0; i < a.rgb.length; i++) {
    const d = Math.abs((a.rgb[i] as number) - (b.rgb[i] as number));
    if (d > max) max = d;
    if (d > 1) over1++;
    sum += d;
  }
  return { max, mean: sum / a.rgb.length, over1 };
}

function errorOf(fn: () => unknown): ImageInputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ImageInputError);
    return err as ImageInputError;
  }
  throw new Error('expected an ImageInputError, nothing was thrown');
}

// --- small PNG writer for hand-made headers and 16-bit grey (Pillow cannot write those usefully) ----------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const v of data) c = (CRC_TABLE[(c ^ v) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function ihdr(width: number, height: number, depth: number, colorType: number): Uint8Array {
  const d = new Uint8Array(13);
  const v = new DataView(d.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  d.set([depth, colorType, 0, 0, 0], 8);
  return chunk('IHDR', d);
}

function png(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...parts]));
}

/** Re-chunk a PNG's image data into IDAT chunks of `size` bytes (encoders differ in how they split it). */
function splitIdat(file: Uint8Array, size: number): Uint8Array {
  const view = Buffer.from(file);
  const before: Uint8Array[] = [];
  const data: Uint8Array[] = [];
  const after: Uint8Array[] = [];
  for (let p = 8; p < view.length; ) {
    const len = view.readUInt32BE(p);
    const type = view.toString('latin1', p + 4, p + 8);
    const whole = view.subarray(p, p + 12 + len);
    if (type === 'IDAT') data.push(view.subarray(p + 8, p + 8 + len));
    else (data.length ? after : before).push(whole);
    p += 12 + len;
  }
  const z = Buffer.concat(data);
  const idats: Uint8Array[] = [];
  for (let i = 0; i < z.length; i += size) idats.push(chunk('IDAT', z.subarray(i, i + size)));
  return png([...before, ...idats, ...after]);
}

// ------------------------------------------------------------------------------------------------------------------

describe('resizeRgb matches Pillow Image.resize bit for bit', () => {
  const cases = manifest.cases.filter((c) => c.kind === 'resize');

  it('has the reference cases (Pillow ' + manifest.pillow + ')', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  for (const c of cases) {
    it(`${c.source} -> ${c.width}x${c.height} ${c.filter}`, () => {
      const src = decodeImage(bytes(c.source));
      const ours = resizeRgb(src, c.width, c.height, c.filter as 'bilinear' | 'bicubic');
      const d = diff(ours, expected(c));
      // Target and result: identical pixels (max abs diff 0). Same weights, same fixed-point arithmetic.
      expect(d.max).toBe(0);
    });
  }

  it('returns a copy for the identity size and refuses nonsense sizes', () => {
    const src: RgbImage = { width: 2, height: 1, rgb: new Uint8Array([1, 2, 3, 4, 5, 6]) };
    const same = resizeRgb(src, 2, 1, 'bilinear');
    expect(same.rgb).toEqual(src.rgb);
    expect(same.rgb).not.toBe(src.rgb);
    expect(() => resizeRgb(src, 0, 5, 'bilinear')).toThrow(RangeError);
    expect(() => resizeRgb(src, 2.5, 5, 'bilinear')).toThrow(RangeError);
    expect(() => resizeRgb({ width: 3, height: 1, rgb: src.rgb }, 5, 5, 'bilinear')).toThrow(RangeError);
  });
});

describe('decodeImage gives what Pillow convert("RGB") gives', () => {
  for (const c of manifest.cases.filter((x) => x.kind === 'decode')) {
    it(`${c.source} (Pillow mode ${c.pilMode})`, () => {
      const ours = decodeImage(bytes(c.source));
      const ref = expected(c);
      const d = diff(ours, ref);
      if (c.compare === 'exact') {
        expect(d.max).toBe(0);
      } else {
        // JPEG: jpeg-js and libjpeg-turbo (Pillow) are both valid decoders but not identical. Their IDCTs round
        // differently: with full-resolution chroma (4:4:4) we measured max 3, mean 0.51. With 4:2:0 chroma
        // jpeg-js upsamples the half-resolution chroma by pixel replication while libjpeg interpolates it
        // ("fancy upsampling"), so pixels next to sharp colour edges differ a lot: measured mean 2.59, 99th
        // percentile 23, max 61 on this deliberately hard image (saturated red disc, 1-px green line, checker).
        // The bounds leave room for that and still catch real decoding errors (a shifted block or a wrong colour
        // transform gives a mean of tens).
        const is420 = c.source.includes('420');
        expect(d.mean).toBeLessThan(is420 ? 3.5 : 1);
        expect(d.max).toBeLessThanOrEqual(is420 ? 80 : 6);
      }
    });
  }

  it('keeps the high byte of 16-bit grey samples (Pillow 9 would saturate mode "I" to white here)', () => {
    const raw = new Uint8Array([0, 0x12, 0x34, 0xab, 0xcd, 0xff, 0xff, 0x00, 0xff]); // filter 0, four samples
    const file = png([ihdr(4, 1, 16, 0), chunk('IDAT', new Uint8Array(deflateSync(raw))), chunk('IEND', new Uint8Array())]);
    expect(probeImage(file)).toEqual({ format: 'png', width: 4, height: 1 });
    expect(Array.from(decodeImage(file).rgb)).toEqual([0x12, 0x12, 0x12, 0xab, 0xab, 0xab, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00]);
  });
});

describe('the direct 8-bit RGB/RGBA PNG path', () => {
  // A canvas capture is an 8-bit RGBA PNG; decodeImage reads those without pngjs. Encode known pixels with every
  // PNG row filter and both colour types, split the data over many IDAT chunks, and check that both decoders
  // return exactly those pixels.
  const w = 67;
  const h = 41;
  const rgba = Buffer.alloc(w * h * 4);
  for (let i = 0, s = 7; i < rgba.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    rgba[i] = i % 4 === 3 ? (s >>> 24) | 1 : ((i >> 2) % w) * 3 + ((s >>> 20) & 31);
  }
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) rgb.set(rgba.subarray(i, i + 3), j);

  for (const colorType of [2, 6] as const) {
    for (const filterType of [0, 1, 2, 3, 4, -1]) {
      it(`colour type ${colorType}, filter ${filterType < 0 ? 'adaptive' : filterType}`, () => {
        // For colour type 2 the encoder gets opaque pixels (pngjs would blend translucent ones onto a background).
        const data = colorType === 6 ? rgba : Buffer.from(rgba.map((v, i) => (i % 4 === 3 ? 255 : v)));
        const image = Object.assign(new PNG({ width: w, height: h }), { data });
        const file = splitIdat(new Uint8Array(PNG.sync.write(image, { colorType, inputColorType: 6, filterType })), 512);
        expect(Buffer.compare(decodeImage(file).rgb, rgb)).toBe(0);
        expect(Buffer.compare(decodePngWithPngjs(file).rgb, rgb)).toBe(0);
      });
    }
  }

  it('refuses the same damage as pngjs (bad CRC in a later IDAT, missing IEND)', () => {
    const image = Object.assign(new PNG({ width: w, height: h }), { data: rgba });
    const file = splitIdat(new Uint8Array(PNG.sync.write(image)), 512);
    expect(decodeImage(file).width).toBe(w);
    const flipped = file.slice();
    flipped[file.length - 100] = (flipped[file.length - 100] as number) ^ 0x40;
    expect(errorOf(() => decodeImage(flipped)).code).toBe('corrupt');
    expect(errorOf(() => decodeImage(file.subarray(0, file.length - 12))).code).toBe('corrupt');
  });
});

describe('prepareForGemma3', () => {
  it('uses bilinear, the Gemma 3 processor default (preprocessor_config "resample": 2)', () => {
    expect(GEMMA3_RESAMPLE).toBe('bilinear');
  });

  for (const c of manifest.cases.filter((x) => x.kind === 'prepare')) {
    it(`${c.source} -> ${c.width}x${c.height} like Pillow open/convert/resize`, () => {
      const ours = prepareForGemma3(bytes(c.source), c.width);
      const d = diff(ours, expected(c));
      if (c.compare === 'exact') expect(d.max).toBe(0);
      else {
        // JPEG source: the decoder difference above, smoothed by the resize.
        expect(d.mean).toBeLessThan(1);
        expect(d.max).toBeLessThanOrEqual(4);
      }
    });
  }

  it('stretches a 97x61 frame to 896x896 exactly as Pillow', () => {
    const c = manifest.cases.find((x) => x.kind === 'resize' && x.width === 896) as Case;
    const ours = prepareForGemma3(bytes(c.source), 896);
    expect(ours.width).toBe(896);
    expect(ours.height).toBe(896);
    expect(diff(ours, expected(c)).max).toBe(0);
  });

  it('refuses a bad size', () => {
    expect(() => prepareForGemma3(bytes('src-13x7.png'), 0)).toThrow(RangeError);
  });
});

describe('probeImage and refusals', () => {
  it('reads PNG and JPEG sizes from the header', () => {
    expect(probeImage(bytes('src-320x180.png'))).toEqual({ format: 'png', width: 320, height: 180 });
    expect(probeImage(bytes('src-320x180-q90-420.jpg'))).toEqual({ format: 'jpeg', width: 320, height: 180 });
    // Only the header is needed.
    expect(probeImage(bytes('src-320x180.png').subarray(0, 33))).toEqual({ format: 'png', width: 320, height: 180 });
  });

  it('refuses an empty file', () => {
    const e = errorOf(() => decodeImage(new Uint8Array()));
    expect(e.code).toBe('empty');
    expect(e.message).toMatch(/empty \(0 bytes\)/);
  });

  it('refuses a text file, saying what it starts with and what to do', () => {
    const e = errorOf(() => probeImage(new TextEncoder().encode('Hello, this is not a picture\n')));
    expect(e.code).toBe('not-an-image');
    expect(e.message).toContain('not a PNG or JPEG image');
    expect(e.message).toContain('"Hello, t"');
    expect(e.message).toContain('Export the frame as PNG or JPEG and try again.');
  });

  it('names formats it recognises but does not read', () => {
    const gif = new TextEncoder().encode('GIF89a\x01\x00\x01\x00\x00\x00\x00');
    expect(errorOf(() => decodeImage(gif)).message).toContain('it looks like a GIF image');
    const mp4 = new Uint8Array([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]);
    expect(errorOf(() => decodeImage(mp4)).message).toContain('video file');
  });

  it('refuses a truncated PNG as corrupt', () => {
    const full = bytes('src-320x180.png');
    const e = errorOf(() => decodeImage(full.subarray(0, Math.floor(full.length / 2))));
    expect(e.code).toBe('corrupt');
    expect(e.message).toMatch(/^The PNG file is damaged or incomplete/);
    expect(errorOf(() => decodeImage(full.subarray(0, 20))).code).toBe('corrupt'); // inside the header
    expect(errorOf(() => decodeImage(full.subarray(0, 5))).code).toBe('corrupt'); // inside the signature
  });

  it('refuses a PNG with a damaged chunk (CRC mismatch)', () => {
    const broken = bytes('src-97x61.png').slice();
    broken[60] = (broken[60] as number) ^ 0xff; // inside the first IDAT
    expect(errorOf(() => decodeImage(broken)).code).toBe('corrupt');
  });

  it('refuses a truncated JPEG as corrupt', () => {
    const full = bytes('src-320x180-q92-444.jpg');
    const e = errorOf(() => decodeImage(full.subarray(0, Math.floor(full.length * 0.9))));
    expect(e.code).toBe('corrupt');
    expect(e.message).toMatch(/^The JPEG file is damaged or incomplete/);
  });

  it('refuses an 8000x8000 PNG from its header alone, naming the size and the limit', () => {
    // Only the signature and IHDR: a decoder that allocated or decoded first would fail with 'corrupt' instead.
    const header = png([ihdr(8000, 8000, 8, 6)]);
    expect(header.length).toBe(33);
    for (const fn of [probeImage, decodeImage, (b: Uint8Array) => prepareForGemma3(b, 896)]) {
      const e = errorOf(() => fn(header));
      expect(e.code).toBe('too-large');
      expect(e.message).toContain('8000×8000 pixels (64.0 megapixels)');
      expect(e.message).toContain(`${MAX_IMAGE_PIXELS / 1e6}-megapixel limit`);
    }
    // 8K UHD is still accepted by the probe.
    expect(probeImage(png([ihdr(7680, 4320, 8, 2)])).width).toBe(7680);
  });

  it('refuses an oversized JPEG from its frame header', () => {
    const sof = [0xff, 0xc0, 0x00, 0x11, 0x08, 0x1f, 0x40, 0x1f, 0x40, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
    const e = errorOf(() => decodeImage(new Uint8Array([0xff, 0xd8, ...sof])));
    expect(e.code).toBe('too-large');
    expect(e.message).toContain('8000×8000');
  });

  it('refuses a JPEG variant it cannot decode (lossless SOF3) with advice', () => {
    const sof3 = [0xff, 0xc3, 0x00, 0x0b, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 1, 0x11, 0];
    const e = errorOf(() => decodeImage(new Uint8Array([0xff, 0xd8, ...sof3])));
    expect(e.code).toBe('not-an-image');
    expect(e.message).toContain('Export the frame as PNG');
  });
});
