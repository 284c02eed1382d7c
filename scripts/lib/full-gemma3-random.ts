// Fast deterministic random weights for the full-size Gemma 3 test model (full-gemma3.ts): billions of values, so
// no per-value float maths. A 65,536-entry table holds the f16 bits of a normal distribution's quantiles (times
// `std`); a xorshift32 stream, seeded from (seed, tensor name), picks two entries per step. About 2 ns a value
// against ~40 ns for tiny-gemma3-random.ts, whose exact Irwin-Hall values the tiny model keeps.
import { f16BitsToF32, f32ToF16Bits } from './gguf-tensor-data';

const tables = new Map<number, Uint16Array>();

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

function f16NormalTable(std: number): Uint16Array {
  let t = tables.get(std);
  if (!t) {
    t = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) t[i] = f32ToF16Bits(normalQuantile((i + 0.5) / 65536) * std);
    tables.set(std, t);
  }
  return t;
}

let f16ToF32Table: Float32Array | null = null;
/** f32 values of all 65,536 f16 bit patterns. */
export function f16Values(): Float32Array {
  if (!f16ToF32Table) {
    f16ToF32Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) f16ToF32Table[i] = f16BitsToF32(i);
  }
  return f16ToF32Table;
}

function seedOf(seed: number, name: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return (h ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0 || 1;
}

/**
 * A tensor's values as f16 bits, `chunk` values at a time (the last chunk may be shorter). Element order is the
 * tensor's memory order, so chunk k holds elements [k*chunk, (k+1)*chunk).
 */
export function* randomF16Chunks(count: number, std: number, seed: number, name: string, chunk = 1 << 22): Generator<Uint16Array> {
  if (chunk % 2 !== 0) throw new Error('chunk must be even');
  const table = f16NormalTable(std);
  let x = seedOf(seed, name);
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i += 2) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = table[x & 0xffff]!;
      if (i + 1 < n) out[i + 1] = table[(x >>> 16) & 0xffff]!;
    }
    yield out;
  }
}

/** The same values as f32 (for tensors stored as f32 or quantized to Q8_0 from the f16 values). */
export function randomF32(count: number, std: number, seed: number, name: string): Float32Array {
  const values = f16Values();
  const out = new Float32Array(count);
  let at = 0;
  for (const bits of randomF16Chunks(count, std, seed, name)) for (let i = 0; i < bits.length; i++) out[at++] = values[bits[i]!]!;
  return out;
}

/** Little-endian bytes of a Uint16Array chunk (no copy). */
export const bytesOf = (a: Uint16Array | Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
