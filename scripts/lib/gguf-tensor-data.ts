// Tensor data encodings of the GGUF writer (gguf-writer.ts): f32, f16 (IEEE binary16, round to nearest even) and
// Q8_0 (ggml's block_q8_0: per 32 values an f16 scale d = max|x| / 127, then 32 int8 round(x / d)).

export type EncodedType = 'f32' | 'f16' | 'q8_0';

export const Q8_0_BLOCK = 32;
const Q8_0_BLOCK_BYTES = 34;

/** Bytes that `elements` values take in `type` (Q8_0: whole blocks of 32). */
export function tensorDataBytes(type: EncodedType, elements: number): number {
  if (type === 'f32') return elements * 4;
  if (type === 'f16') return elements * 2;
  if (elements % Q8_0_BLOCK !== 0) throw new Error(`Q8_0 needs a multiple of ${Q8_0_BLOCK} values, got ${elements}`);
  return (elements / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
}

/** `values` encoded as `type`, little-endian. */
export function encodeTensorData(type: EncodedType, values: Float32Array): Uint8Array {
  if (type === 'q8_0') return quantizeQ8_0(values);
  const bytes = Buffer.alloc(tensorDataBytes(type, values.length));
  if (type === 'f32') for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i]!, i * 4);
  else for (let i = 0; i < values.length; i++) bytes.writeUInt16LE(f32ToF16Bits(values[i]!), i * 2);
  return bytes;
}

/** ggml's quantize_row_q8_0_ref: d = amax / 127 (stored as f16), q = roundf(x / d) (half away from zero). */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  const blocks = tensorDataBytes('q8_0', values.length) / Q8_0_BLOCK_BYTES;
  const out = Buffer.alloc(blocks * Q8_0_BLOCK_BYTES);
  for (let b = 0; b < blocks; b++) {
    const base = b * Q8_0_BLOCK;
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) amax = Math.max(amax, Math.abs(values[base + j]!));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    const at = b * Q8_0_BLOCK_BYTES;
    out.writeUInt16LE(f32ToF16Bits(d), at);
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const x = Math.fround(values[base + j]! * id);
      out.writeInt8(Math.sign(x) * Math.round(Math.abs(x)), at + 2 + j);
    }
  }
  return out;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE 754 binary32 -> binary16 bits, round to nearest even (handles subnormals, inf, NaN). */
export function f32ToF16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;

  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    if (e < -10) return sign; // underflows to zero
    mant |= 0x800000; // make the implicit bit explicit
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (r & 1) === 1)) r += 1;
    return sign | r; // may carry into the smallest normal, which is still correct
  }
  let r = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1) === 1)) {
    r += 1;
    if (r === 0x400) { r = 0; e += 1; if (e >= 0x1f) return sign | 0x7c00; }
  }
  return sign | (e << 10) | r;
}

/** binary16 bits -> number (for tests and read-back checks). */
export function f16BitsToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

