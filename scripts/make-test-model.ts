// Writes the tiny random Gemma-3 test model (text GGUF + gemma3 mmproj) for tests and local tries, or with
// --full-size one of MedGemma 1.5 4B's exact shapes for benchmarks at the real size.
//   npx tsx scripts/make-test-model.ts --out DIR [--image-size 224|896|both] [--seed N]
//   npx tsx scripts/make-test-model.ts --full-size --out DIR [--quantize-bin PATH] [--keep-f16] [--seed N]
import { resolve } from 'node:path';
import { defaultQuantizeBin, writeFullGemma3 } from './lib/full-gemma3';
import { TINY_GEMMA3_DEFAULT_SEED, writeTinyGemma3, type TinyImageSize } from './lib/tiny-gemma3';

const USAGE = `Usage: npx tsx scripts/make-test-model.ts --out DIR [--image-size 224|896|both] [--seed N]
       npx tsx scripts/make-test-model.ts --full-size --out DIR [--quantize-bin PATH] [--keep-f16] [--seed N]

Writes a tiny random Gemma-3 model for tests (its output is meaningless):
  DIR/tiny-gemma3-text.gguf          gemma3 text model (shared by both image sizes)
  DIR/tiny-gemma3-mmproj-224.gguf    gemma3 mmproj, 224 px input, 16 image tokens
  DIR/tiny-gemma3-mmproj-896.gguf    gemma3 mmproj, 896 px input, 256 image tokens

With --full-size, a random model of MedGemma 1.5 4B's exact architecture and shapes, for benchmarks (not CI):
  DIR/full-gemma3-text-Q4_K_M.gguf   Gemma 3 4B text model, real Gemma 3 vocabulary, Q4_K_M (~2.5 GB)
  DIR/full-gemma3-mmproj-f16.gguf    SigLIP so400m + Gemma 3 projector, 896 px, f16 (~0.85 GB)
  DIR/full-gemma3-mmproj-Q8_0.gguf   the same projector weights in Q8_0
It streams a 7.8 GB f16 text model to DIR first and quantizes it with llama.cpp's llama-quantize
(build it with: npm run build:llama-server). A few minutes on 2 cores; needs ~12 GB free.

Options:
  --out DIR            output folder (created if missing)
  --full-size          the full-size model instead of the tiny one
  --quantize-bin PATH  llama-quantize to use (default: ${defaultQuantizeBin().replace(process.cwd() + '/', '')})
  --keep-f16           keep the f16 text model (--full-size only)
  --image-size SIZE    224, 896 or both (default: both)
  --seed N             integer 0..4294967295 for the random weights (default: ${TINY_GEMMA3_DEFAULT_SEED})
  -h, --help           show this help`;

interface CliOptions {
  out: string;
  sizes: TinyImageSize[];
  seed: number;
  fullSize: boolean;
  quantizeBin?: string;
  keepF16: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): CliOptions | 'help' {
  let out: string | undefined;
  let sizes: TinyImageSize[] = [224, 896];
  let seed = TINY_GEMMA3_DEFAULT_SEED;
  let fullSize = false;
  let keepF16 = false;
  let quantizeBin: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return 'help';
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const takeValue = (): string => {
      if (eq > 0 && arg.startsWith('--')) return arg.slice(eq + 1);
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
      return value;
    };
    switch (name) {
      case '--out':
        out = takeValue();
        if (out.length === 0) throw new UsageError('--out needs a folder');
        break;
      case '--image-size': {
        const value = takeValue();
        if (value === 'both') sizes = [224, 896];
        else if (value === '224' || value === '896') sizes = [Number(value) as TinyImageSize];
        else throw new UsageError(`--image-size must be 224, 896 or both, got "${value}"`);
        break;
      }
      case '--seed': {
        const value = takeValue();
        if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
          throw new UsageError(`--seed must be an integer from 0 to 4294967295, got "${value}"`);
        }
        seed = Number(value);
        break;
      }
      case '--full-size':
        fullSize = true;
        break;
      case '--keep-f16':
        keepF16 = true;
        break;
      case '--quantize-bin':
        quantizeBin = resolve(takeValue());
        break;
      default:
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  if (out === undefined) throw new UsageError('--out DIR is required');
  return { out: resolve(out), sizes, seed, fullSize, keepF16, ...(quantizeBin ? { quantizeBin } : {}) };
}

async function main(): Promise<number> {
  let options: CliOptions | 'help';
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.fullSize) {
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    const p = await writeFullGemma3(options.out, { seed: options.seed, keepF16: options.keepF16, log, ...(options.quantizeBin ? { quantizeBin: options.quantizeBin } : {}) });
    for (const file of [p.modelPath, p.mmprojF16Path, p.mmprojQ8Path]) process.stdout.write(`${file}\n`);
    return 0;
  }
  const written = new Set<string>();
  for (const imageSize of options.sizes) {
    const { modelPath, mmprojPath } = await writeTinyGemma3(options.out, { imageSize, seed: options.seed });
    written.add(modelPath);
    written.add(mmprojPath);
  }
  for (const path of written) process.stdout.write(`${path}\n`);
  return 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
