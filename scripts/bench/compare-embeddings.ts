// `npx tsx scripts/bench/compare-embeddings.ts DIR_A DIR_B [--json]`: how far two projectors' image embeddings lie
// apart, from two `bench:inference --keep-embeddings DIR` runs on the same images (e.g. the f16 and the Q8_0
// projector): per image, the cosine similarity of the whole embedding, the lowest per-token cosine, the relative L2
// error ‖a−b‖/‖a‖ and the largest absolute difference against the largest absolute value.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HEADER_BYTES } from '../../electron/inference/embedding-cache';
import { printResult, runBench } from './cli';

function values(file: string): { tokens: number; width: number; data: Float32Array } {
  const bytes = readFileSync(file);
  const tokens = bytes.readUInt32LE(12);
  const width = bytes.readUInt32LE(16);
  const body = bytes.subarray(HEADER_BYTES);
  return { tokens, width, data: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) };
}

function cosine(a: Float32Array, b: Float32Array, from: number, to: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = from; i < to; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

async function main() {
  const { values: v, positionals } = parseArgs({ options: { json: { type: 'boolean' } }, allowPositionals: true });
  const [dirA, dirB] = positionals;
  if (!dirA || !dirB) throw new Error('Usage: compare-embeddings.ts DIR_A DIR_B [--json]');
  const names = readdirSync(dirA).filter((n) => n.endsWith('.emb') && readdirSync(dirB).includes(n)).sort();
  if (!names.length) throw new Error(`No image embedding is in both ${dirA} and ${dirB}.`);
  const images = names.map((name) => {
    const a = values(path.join(dirA, name));
    const b = values(path.join(dirB, name));
    if (a.data.length !== b.data.length) throw new Error(`${name}: the two embeddings differ in shape`);
    let diff2 = 0;
    let norm2 = 0;
    let maxAbsDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < a.data.length; i++) {
      const d = a.data[i]! - b.data[i]!;
      diff2 += d * d;
      norm2 += a.data[i]! * a.data[i]!;
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(d));
      maxAbs = Math.max(maxAbs, Math.abs(a.data[i]!));
    }
    let minTokenCos = 1;
    for (let t = 0; t < a.tokens; t++) minTokenCos = Math.min(minTokenCos, cosine(a.data, b.data, t * a.width, (t + 1) * a.width));
    return {
      file: name,
      cosine: Number(cosine(a.data, b.data, 0, a.data.length).toFixed(6)),
      min_token_cosine: Number(minTokenCos.toFixed(6)),
      relative_l2: Number(Math.sqrt(diff2 / norm2).toPrecision(3)),
      max_abs_diff: Number(maxAbsDiff.toPrecision(3)),
      max_abs: Number(maxAbs.toPrecision(3)),
    };
  });
  printResult(images.map((i) => [i.file.slice(0, 12), `cosine ${i.cosine}, min token cosine ${i.min_token_cosine}, rel. L2 ${i.relative_l2}, max |Δ| ${i.max_abs_diff} of max |x| ${i.max_abs}`] as [string, string]), { images }, v.json);
}

runBench(main);
