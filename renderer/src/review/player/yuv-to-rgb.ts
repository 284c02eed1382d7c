// YUV → RGB for captured frames, by the app's colour rule (electron/api/colour.ts), not by the browser's guess:
// the planes of a VideoFrame (VideoFrame.copyTo) are converted here with the stream's matrix and range, so a frame
// captured from the <video>, from the frame cache or decoded for capture has the same colours, and those of
// ffmpeg's own decode of the frame. Pure arithmetic (no DOM), so Node tests run it against ffmpeg's planes too.
//
// Chroma is taken from the sample that covers the pixel (nearest, the way ffmpeg's unscaled yuv420p → rgb24 path
// does), so a capture matches ffmpeg's decode, not a smoother upsampler's.
import { MATRIX_COEFFICIENTS, type ColourDecision } from '../../../../electron/api/colour';

export interface PlaneLayout {
  offset: number;
  stride: number;
}

export interface YuvImage {
  /** A VideoPixelFormat: I420, I420A, I422, I444, NV12, their P10/P12 variants; RGBA/RGBX/BGRA/BGRX pass through. */
  format: string;
  width: number;
  height: number;
  /** The bytes VideoFrame.copyTo wrote, and the layout it returned. */
  data: Uint8Array;
  layout: PlaneLayout[];
}

interface FormatInfo {
  /** Chroma subsampling shifts. */
  sx: number;
  sy: number;
  bits: number;
  /** U and V interleaved in plane 1 (NV12). */
  interleaved: boolean;
}

function formatInfo(format: string): FormatInfo | null {
  const m = /^(I420A?|I422A?|I444A?|NV12)(?:P(10|12))?$/.exec(format);
  if (!m) return null;
  const base = m[1]!.replace(/A$/, '');
  const bits = m[2] ? Number(m[2]) : 8;
  if (base === 'NV12') return { sx: 1, sy: 1, bits, interleaved: true };
  return { sx: base === 'I444' ? 0 : 1, sy: base === 'I420' ? 1 : 0, bits, interleaved: false };
}

/** Whether this VideoPixelFormat can be converted here (else the caller needs the browser's conversion). */
export function canConvert(format: string | null): boolean {
  return format !== null && (formatInfo(format) !== null || /^(RGBA|RGBX|BGRA|BGRX)$/.test(format));
}

/** RGBA pixels (alpha 255) of the image, converted with `colour`. */
export function yuvToRgba(img: YuvImage, colour: Pick<ColourDecision, 'matrix' | 'fullRange'>): Uint8ClampedArray<ArrayBuffer> {
  const { width: w, height: h, data, layout } = img;
  const out = new Uint8ClampedArray(w * h * 4);
  if (/^(RGBA|RGBX|BGRA|BGRX)$/.test(img.format)) {
    const bgr = img.format.startsWith('B');
    const { offset, stride } = layout[0]!;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = offset + y * stride + x * 4;
        const d = (y * w + x) * 4;
        out[d] = data[s + (bgr ? 2 : 0)]!;
        out[d + 1] = data[s + 1]!;
        out[d + 2] = data[s + (bgr ? 0 : 2)]!;
        out[d + 3] = 255;
      }
    }
    return out;
  }
  const f = formatInfo(img.format);
  if (!f) throw new Error(`Frames in ${img.format} cannot be converted.`);
  const { kr, kb } = MATRIX_COEFFICIENTS[colour.matrix];
  const kg = 1 - kr - kb;
  // Normalise to 8-bit scale first: value / 2^(bits-8).
  const scale = 1 / (1 << (f.bits - 8));
  const yOff = colour.fullRange ? 0 : 16;
  const yMul = colour.fullRange ? 1 : 255 / 219;
  const cMul = colour.fullRange ? 1 : 255 / 224;
  const rv = 2 * (1 - kr) * cMul;
  const bu = 2 * (1 - kb) * cMul;
  const gu = ((2 * kb * (1 - kb)) / kg) * cMul;
  const gv = ((2 * kr * (1 - kr)) / kg) * cMul;
  const wide = f.bits > 8;
  const view16 = wide ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength >> 1) : null;
  const sample = wide ? (byteOffset: number) => view16![byteOffset >> 1]! * scale : (byteOffset: number) => data[byteOffset]!;
  const bps = wide ? 2 : 1;
  const [py, pu, pv] = layout as [PlaneLayout, PlaneLayout, PlaneLayout | undefined];
  for (let y = 0; y < h; y++) {
    const cy = y >> f.sy;
    const yRow = py.offset + y * py.stride;
    const uRow = pu.offset + cy * pu.stride;
    const vRow = f.interleaved ? uRow : pv!.offset + cy * pv!.stride;
    let d = y * w * 4;
    for (let x = 0; x < w; x++) {
      const cx = x >> f.sx;
      const Y = (sample(yRow + x * bps) - yOff) * yMul;
      const U = (f.interleaved ? sample(uRow + cx * 2 * bps) : sample(uRow + cx * bps)) - 128;
      const V = (f.interleaved ? sample(vRow + (cx * 2 + 1) * bps) : sample(vRow + cx * bps)) - 128;
      // Uint8ClampedArray rounds to the nearest integer and clamps.
      out[d] = Y + rv * V;
      out[d + 1] = Y - gu * U - gv * V;
      out[d + 2] = Y + bu * U;
      out[d + 3] = 255;
      d += 4;
    }
  }
  return out;
}
