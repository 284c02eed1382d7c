// Deterministic random weights for the tiny Gemma-3 test model (tiny-gemma3.ts): mulberry32 seeded per
// tensor from (seed, tensor name), so a tensor's values do not depend on which other tensors exist. Only +,*,>>> on integers and exact float ops are
// used, so the bytes are identical on every platform and Node version.

/** The seed the tiny model's weights are drawn from unless another is given. */
export const TINY_GEMMA3_DEFAULT_SEED = 1;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const SQRT3 = Math.sqrt(3);

/** Approximately normal values (Irwin-Hall sum of 4 uniforms, unit variance) times `std`. */
export function randomNormalish(count: number, std: number, seed: number, name: string): Float32Array {
  const next = mulberry32((fnv1a(name) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = (next() + next() + next() + next() - 2) * SQRT3 * std;
  }
  return out;
}

export const ones = (n: number): Float32Array => new Float32Array(n).fill(1);
export const zeros = (n: number): Float32Array => new Float32Array(n);
export const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
