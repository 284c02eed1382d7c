// Writes the full-size random test model (full-gemma3-model.ts) for benchmarks at the real size: the text model
// streamed as f16 and quantized to Q4_K_M by llama.cpp's own llama-quantize (built by npm run build:llama-server),
// and the projector in f16 and Q8_0. About 2.5 GB + 0.85 GB + 0.6 GB, with 7.8 GB of f16 on the way.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildFullGemma3Mmproj, buildFullGemma3Text, type MmprojType } from './full-gemma3-model';
import { loadRealGemma3Tokenizer } from './gemma3-real-tokenizer';

export const FULL_GEMMA3_FILES = {
  text: 'full-gemma3-text-Q4_K_M.gguf',
  mmproj: { f16: 'full-gemma3-mmproj-f16.gguf', q8_0: 'full-gemma3-mmproj-Q8_0.gguf' } satisfies Record<MmprojType, string>,
} as const;

/** Where `npm run bench:inference -- --full-size` looks for it. */
export const FULL_GEMMA3_DEFAULT_DIR = path.join('.cache', 'full-size-model');

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** .cache/llama-server/<release>/bin/llama-quantize, where npm run build:llama-server puts it. */
export function defaultQuantizeBin(): string {
  const info = path.join(ROOT, 'node_modules', 'node-llama-cpp', 'llama', 'llama.cpp.info.json');
  const release = existsSync(info) ? (JSON.parse(readFileSync(info, 'utf8')) as { tag: string }).tag : 'unknown';
  return path.join(ROOT, '.cache', 'llama-server', release, 'bin', process.platform === 'win32' ? 'llama-quantize.exe' : 'llama-quantize');
}

function runQuantize(bin: string, input: string, output: string, log: (line: string) => void): Promise<void> {
  const threads = String(os.availableParallelism());
  log(`${bin} ${input} ${output} Q4_K_M ${threads}`);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [input, output, 'Q4_K_M', threads], { stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.on('data', (d: Buffer) => { tail = (tail + d.toString()).slice(-4000); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`llama-quantize failed (exit ${code}):\n${tail}`))));
  });
}

export interface FullGemma3Options {
  seed: number;
  /** llama-quantize (default: defaultQuantizeBin()). */
  quantizeBin?: string;
  /** Keep the 7.8 GB f16 text model beside the Q4_K_M one. */
  keepF16?: boolean;
  log?: (line: string) => void;
}

export interface FullGemma3Paths {
  modelPath: string;
  mmprojF16Path: string;
  mmprojQ8Path: string;
}

export async function writeFullGemma3(outDir: string, o: FullGemma3Options): Promise<FullGemma3Paths> {
  const log = o.log ?? (() => undefined);
  const quantizeBin = o.quantizeBin ?? defaultQuantizeBin();
  if (!existsSync(quantizeBin)) {
    throw new Error(
      `llama-quantize was not found at ${quantizeBin}. Build it with "npm run build:llama-server" (it builds llama.cpp's ` +
        'llama-server, llama-quantize and llama-mtmd-cli from the source node-llama-cpp bundles), or pass --quantize-bin PATH.',
    );
  }
  const paths: FullGemma3Paths = {
    modelPath: path.join(outDir, FULL_GEMMA3_FILES.text),
    mmprojF16Path: path.join(outDir, FULL_GEMMA3_FILES.mmproj.f16),
    mmprojQ8Path: path.join(outDir, FULL_GEMMA3_FILES.mmproj.q8_0),
  };
  const timed = async (what: string, job: () => Promise<void>): Promise<void> => {
    const t0 = performance.now();
    await job();
    log(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  for (const type of ['f16', 'q8_0'] as const) {
    const file = type === 'f16' ? paths.mmprojF16Path : paths.mmprojQ8Path;
    await timed(`wrote ${file}`, () => buildFullGemma3Mmproj(type, o.seed).writeFile(file));
  }
  const f16Text = path.join(outDir, 'full-gemma3-text-f16.gguf');
  await timed(`wrote ${f16Text}`, () => buildFullGemma3Text(loadRealGemma3Tokenizer(), o.seed).writeFile(f16Text));
  const tmp = `${paths.modelPath}.${process.pid}.tmp`;
  try {
    await timed(`quantized ${paths.modelPath}`, () => runQuantize(quantizeBin, f16Text, tmp, log));
    await rename(tmp, paths.modelPath);
  } finally {
    await rm(tmp, { force: true });
  }
  if (!o.keepF16) await rm(f16Text, { force: true });
  return paths;
}
