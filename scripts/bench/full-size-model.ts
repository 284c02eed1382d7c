// The full-size random model for the real-size benchmarks (--full-size): MedGemma 1.5 4B's shapes, made by
// `npm run make-test-model -- --full-size --out .cache/full-size-model` (minutes, ~4 GB), never made implicitly.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { FULL_GEMMA3_DEFAULT_DIR, FULL_GEMMA3_FILES } from '../lib/full-gemma3';
import type { BenchModel } from './cli';

/** The full-size model with its f16 projector, or with `q8` its Q8_0 one; throws how to make it when missing. */
export function fullSizeModel(q8: boolean, dir = FULL_GEMMA3_DEFAULT_DIR): BenchModel {
  const modelPath = path.resolve(dir, FULL_GEMMA3_FILES.text);
  const mmprojPath = path.resolve(dir, q8 ? FULL_GEMMA3_FILES.mmproj.q8_0 : FULL_GEMMA3_FILES.mmproj.f16);
  const missing = [modelPath, mmprojPath].filter((f) => !existsSync(f));
  if (missing.length) {
    throw new Error(
      `The full-size test model is missing (${missing.map((f) => path.relative(process.cwd(), f)).join(', ')}). Make it with ` +
        `"npm run make-test-model -- --full-size --out ${dir}" (a few minutes, ~12 GB free disk on the way; it needs llama-quantize: npm run build:llama-server).`,
    );
  }
  return {
    modelPath,
    mmprojPath,
    label: `full-size random gemma3 4B (Q4_K_M text, ${q8 ? 'Q8_0' : 'f16'} projector, 896 px, 256 image tokens)`,
  };
}

/** The thread count a device line names ("cpu: AMD EPYC (2 threads)"), or null (a GPU). */
export function threadsOf(deviceNames: readonly string[]): number | null {
  for (const n of deviceNames) {
    const m = /\((\d+) threads?\)/.exec(n);
    if (m) return Number(m[1]);
  }
  return null;
}
