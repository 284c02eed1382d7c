// Pillow-exact resampling of 8-bit RGB images (what `PIL.Image.resize(size, BILINEAR|BICUBIC)` produces).
//
// The algorithm follows Pillow's libImaging/Resample.c, re-expressed here:
//  * a separable convolution, horizontal pass first, then vertical;
//  * for each output sample, the filter is centred on `(i + 0.5) * scale` in input coordinates and, when
//    shrinking, stretched by the scale factor (support * scale, arguments divided by scale), which makes the
//    filter an area-averaging (antialiasing) one;
//  * the taps are bounded to the image (edge taps are dropped, not clamped or mirrored) and the remaining
//    weights renormalised to sum to 1;
//  * weights are turned into 22-bit fixed point (round half away from zero), each pass accumulates
//    `pixel * weight` in integers starting from one half (1 << 21), shifts right by 22 and clips to 0..255;
//  * the horizontal pass only computes the input rows the vertical pass will read.
// Doubles in JavaScript are IEEE binary64 like Pillow's `double`, and the weight expressions are evaluated in
// the same order, so the tables and therefore the pixels are bit-identical to Pillow's (checked against Pillow
// output in tests/unit/image-preprocess.test.ts; fixtures in tests/fixtures/image-parity/).

/** An 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B, no padding. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

export type ResizeFilter = 'bilinear' | 'bicubic';

/** Largest output side accepted by resizeRgb (the model wants 896; this only guards against nonsense). */
export const MAX_RESIZE_SIDE = 16_384;

const PRECISION_BITS = 32 - 8 - 2; // 8 bits of result, 2 bits of headroom for negative lobes/overshoot
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

interface FilterDef {
  readonly support: number;
  readonly weight: (x: number) => number;
}

function triangle(x: number): number {
  if (x < 0.0) x = -x;
  if (x < 1.0) return 1.0 - x;
  return 0.0;
}

// Keys' cubic convolution kernel with a = -0.5 (the "bicubic" of Pillow, and of most image libraries).
const CUBIC_A = -0.5;
function cubic(x: number): number {
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((CUBIC_A + 2.0) * x - (CUBIC_A + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * CUBIC_A;
  return 0.0;
}

const FILTERS: Record<ResizeFilter, FilterDef> = {
  bilinear: { support: 1.0, weight: triangle },
  bicubic: { support: 2.0, weight: cubic },
};

/** Per output position: the first input index, how many taps, and `stride` fixed-point weights. */
interface TapTable {
  readonly stride: number;
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly weights: Int32Array;
}

function toFixed(w: number): number {
  // C's (int) cast truncates toward zero; `| 0` does the same for values that fit in 32 bits.
  return (w < 0 ? -0.5 + w * ONE : 0.5 + w * ONE) | 0;
}

/** Pillow's coefficient computation for one axis, for the full-image box [0, inSize). */
function tapTable(inSize: number, outSize: number, filter: FilterDef): TapTable {
  const scale = inSize / outSize;
  const filterScale = scale < 1.0 ? 1.0 : scale;
  const support = filter.support * filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const invScale = 1.0 / filterScale;

  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * stride);
  const raw = new Float64Array(stride);

  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    let lo = (center - support + 0.5) | 0;
    if (lo < 0) lo = 0;
    let hi = (center + support + 0.5) | 0;
    if (hi > inSize) hi = inSize;
    const n = hi - lo;
    let sum = 0.0;
    for (let t = 0; t < n; t++) {
      const w = filter.weight((t + lo - center + 0.5) * invScale);
      raw[t] = w;
      sum += w;
    }
    const base = i * stride;
    for (let t = 0; t < n; t++) {
      const w = sum !== 0.0 ? (raw[t] as number) / sum : (raw[t] as number);
      weights[base + t] = toFixed(w);
    }
    // Drop taps whose fixed-point weight is 0 at either end (they add nothing; fewer taps = faster loops).
    let skip = 0;
    while (skip < n - 1 && weights[base + skip] === 0) skip++;
    let m = n - skip;
    while (m > 1 && weights[base + skip + m - 1] === 0) m--;
    if (skip > 0) weights.copyWithin(base, base + skip, base + skip + m);
    weights.fill(0, base + m, base + stride);
    first[i] = lo + skip;
    count[i] = m;
  }
  return { stride, first, count, weights };
}

function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** The taps re-laid as exactly `k` per output (zero weights added), so loops can be unrolled; null if impossible. */
function padTaps(taps: TapTable, inSize: number, k: number): { first: Int32Array; weights: Int32Array } | null {
  const outSize = taps.first.length;
  if (inSize < k) return null;
  const first = new Int32Array(outSize);
  const weights = new Int32Array(outSize * k);
  for (let i = 0; i < outSize; i++) {
    const f = taps.first[i] as number;
    const n = taps.count[i] as number;
    if (n > k) return null;
    const start = Math.min(f, inSize - k);
    first[i] = start;
    for (let t = 0; t < n; t++) weights[i * k + (f - start) + t] = taps.weights[i * taps.stride + t] as number;
  }
  return { first, weights };
}

/**
 * Horizontal pass: rows [rowFrom, rowFrom + rows) of `src` (width `srcW`, 3 channels) to `dstW` columns.
 * Up to 6 taps (bilinear down to 1/2.5, bicubic upscaling) run unrolled over a zero-padded table.
 */
function horizontalPass(
  src: Uint8Array,
  srcW: number,
  rowFrom: number,
  rows: number,
  dstW: number,
  taps: TapTable,
): Uint8Array {
  const out = new Uint8Array(dstW * rows * 3);
  const srcRowLen = srcW * 3;
  let maxTaps = 0;
  for (let x = 0; x < dstW; x++) maxTaps = Math.max(maxTaps, taps.count[x] as number);
  const padded = maxTaps <= 3 ? padTaps(taps, srcW, 3) : maxTaps <= 6 ? padTaps(taps, srcW, 6) : null;
  let o = 0;
  if (padded && padded.weights.length === dstW * 3) {
    const { first, weights: kk } = padded;
    for (let y = 0; y < rows; y++) {
      const rowBase = (y + rowFrom) * srcRowLen;
      for (let x = 0, kb = 0; x < dstW; x++, kb += 3) {
        const p = rowBase + (first[x] as number) * 3;
        const k0 = kk[kb] as number;
        const k1 = kk[kb + 1] as number;
        const k2 = kk[kb + 2] as number;
        out[o] = clip8(HALF + (src[p] as number) * k0 + (src[p + 3] as number) * k1 + (src[p + 6] as number) * k2);
        out[o + 1] = clip8(HALF + (src[p + 1] as number) * k0 + (src[p + 4] as number) * k1 + (src[p + 7] as number) * k2);
        out[o + 2] = clip8(HALF + (src[p + 2] as number) * k0 + (src[p + 5] as number) * k1 + (src[p + 8] as number) * k2);
        o += 3;
      }
    }
    return out;
  }
  if (padded) {
    const { first, weights: kk } = padded;
    for (let y = 0; y < rows; y++) {
      const rowBase = (y + rowFrom) * srcRowLen;
      for (let x = 0, kb = 0; x < dstW; x++, kb += 6) {
        const p = rowBase + (first[x] as number) * 3;
        const k0 = kk[kb] as number;
        const k1 = kk[kb + 1] as number;
        const k2 = kk[kb + 2] as number;
        const k3 = kk[kb + 3] as number;
        const k4 = kk[kb + 4] as number;
        const k5 = kk[kb + 5] as number;
        out[o] = clip8(
          HALF +
            (src[p] as number) * k0 +
            (src[p + 3] as number) * k1 +
            (src[p + 6] as number) * k2 +
            (src[p + 9] as number) * k3 +
            (src[p + 12] as number) * k4 +
            (src[p + 15] as number) * k5,
        );
        out[o + 1] = clip8(
          HALF +
            (src[p + 1] as number) * k0 +
            (src[p + 4] as number) * k1 +
            (src[p + 7] as number) * k2 +
            (src[p + 10] as number) * k3 +
            (src[p + 13] as number) * k4 +
            (src[p + 16] as number) * k5,
        );
        out[o + 2] = clip8(
          HALF +
            (src[p + 2] as number) * k0 +
            (src[p + 5] as number) * k1 +
            (src[p + 8] as number) * k2 +
            (src[p + 11] as number) * k3 +
            (src[p + 14] as number) * k4 +
            (src[p + 17] as number) * k5,
        );
        o += 3;
      }
    }
    return out;
  }
  const { stride, first, count, weights } = taps;
  for (let y = 0; y < rows; y++) {
    const rowBase = (y + rowFrom) * srcRowLen;
    for (let x = 0; x < dstW; x++) {
      const n = count[x] as number;
      const kBase = x * stride;
      let p = rowBase + (first[x] as number) * 3;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let t = 0; t < n; t++) {
        const k = weights[kBase + t] as number;
        r += (src[p] as number) * k;
        g += (src[p + 1] as number) * k;
        b += (src[p + 2] as number) * k;
        p += 3;
      }
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
      o += 3;
    }
  }
  return out;
}

/**
 * Vertical pass: `src` (width `w`, 3 channels) to `dstH` rows; `rowShift` is subtracted from each tap's first row
 * (the horizontal pass produced only the rows from `rowShift` on). Along a row every sample has the same taps, so
 * the common tap counts get straight-line loops; sums are exact integers (below 2^31), as in Pillow.
 */
function verticalPass(src: Uint8Array, w: number, dstH: number, taps: TapTable, rowShift: number): Uint8Array {
  const rowLen = w * 3;
  const out = new Uint8Array(rowLen * dstH);
  const { stride, first, count, weights } = taps;
  for (let y = 0; y < dstH; y++) {
    const n = count[y] as number;
    const kb = y * stride;
    const r0 = ((first[y] as number) - rowShift) * rowLen;
    const o = y * rowLen;
    const k0 = weights[kb] as number;
    const k1 = n > 1 ? (weights[kb + 1] as number) : 0;
    const k2 = n > 2 ? (weights[kb + 2] as number) : 0;
    const k3 = n > 3 ? (weights[kb + 3] as number) : 0;
    const r1 = r0 + rowLen;
    const r2 = r1 + rowLen;
    const r3 = r2 + rowLen;
    switch (n) {
      case 1:
        for (let i = 0; i < rowLen; i++) out[o + i] = clip8(HALF + (src[r0 + i] as number) * k0);
        break;
      case 2:
        for (let i = 0; i < rowLen; i++) {
          out[o + i] = clip8(HALF + (src[r0 + i] as number) * k0 + (src[r1 + i] as number) * k1);
        }
        break;
      case 3:
        for (let i = 0; i < rowLen; i++) {
          out[o + i] = clip8(
            HALF + (src[r0 + i] as number) * k0 + (src[r1 + i] as number) * k1 + (src[r2 + i] as number) * k2,
          );
        }
        break;
      case 4:
        for (let i = 0; i < rowLen; i++) {
          out[o + i] = clip8(
            HALF +
              (src[r0 + i] as number) * k0 +
              (src[r1 + i] as number) * k1 +
              (src[r2 + i] as number) * k2 +
              (src[r3 + i] as number) * k3,
          );
        }
        break;
      default:
        for (let i = 0; i < rowLen; i++) {
          let acc = HALF;
          for (let t = 0, r = r0 + i; t < n; t++, r += rowLen) acc += (src[r] as number) * (weights[kb + t] as number);
          out[o + i] = clip8(acc);
        }
    }
  }
  return out;
}

function checkSide(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    throw new RangeError(`resizeRgb: ${name} must be an integer from 1 to ${max}, got ${v}`);
  }
}

/**
 * Resize an 8-bit RGB image exactly as Pillow's `Image.resize((outW, outH), filter)` does for mode "RGB"
 * (box = whole image, no reducing_gap). The aspect ratio is not preserved: the image is stretched.
 */
export function resizeRgb(src: RgbImage, outW: number, outH: number, filter: ResizeFilter): RgbImage {
  const { width: w, height: h, rgb } = src;
  checkSide('width', w, 0x7fffffff);
  checkSide('height', h, 0x7fffffff);
  checkSide('outW', outW, MAX_RESIZE_SIDE);
  checkSide('outH', outH, MAX_RESIZE_SIDE);
  if (rgb.length !== w * h * 3) {
    throw new RangeError(`resizeRgb: expected ${w * h * 3} bytes for ${w}x${h} RGB, got ${rgb.length}`);
  }
  const def = FILTERS[filter];
  if (!def) throw new RangeError(`resizeRgb: unknown filter ${String(filter)}`);

  if (outW === w && outH === h) return { width: w, height: h, rgb: rgb.slice() };

  const vertical = outH !== h ? tapTable(h, outH, def) : null;
  // The input rows the vertical pass reads: the horizontal pass computes only those (as Pillow does).
  const rowFrom = vertical ? (vertical.first[0] as number) : 0;
  const rowTo = vertical ? (vertical.first[outH - 1] as number) + (vertical.count[outH - 1] as number) : h;

  let image = rgb;
  let shift = 0;
  if (outW !== w) {
    image = horizontalPass(rgb, w, rowFrom, rowTo - rowFrom, outW, tapTable(w, outW, def));
    shift = rowFrom;
  }
  if (vertical) {
    image = verticalPass(image, outW, outH, vertical, shift);
  }
  return { width: outW, height: outH, rgb: image };
}
