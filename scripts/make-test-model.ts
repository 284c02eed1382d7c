// Writes the tiny random Gemma-3 test model (text GGUF + gemma3 mmproj) for tests and local tries.
//   npx tsx scripts/make-test-model.ts --out DIR [--image-size 224|896|both] [--seed N]
import { resolve } from 'node:path';
import { TINY_GEMMA3_DEFAULT_SEED, writeTinyGemma3, type TinyImageSize } from './lib/tiny-gemma3';

const USAGE = `Usage: npx tsx scripts/make-test-model.ts --out DIR [--image-size 224|896|both] [--seed N]

Writes a tiny random Gemma-3 model for tests (its output is meaningless):
  DIR/tiny-gemma3-text.gguf          gemma3 text model (shared by both image sizes)
  DIR/tiny-gemma3-mmproj-224.gguf    gemma3 mmproj, 224 px input, 16 image tokens
  DIR/tiny-gemma3-mmproj-896.gguf    gemma3 mmproj, 896 px input, 256 image tokens

Options:
  --out DIR            output folder (created if missing)
  --image-size SIZE    224, 896 or both (default: both)
  --seed N             integer 0..4294967295 for the random weights (default: ${TINY_GEMMA3_DEFAULT_SEED})
  -h, --help           show this help`;

interface CliOptions {
  out: string;
  sizes: TinyImageSize[];
  seed: number;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): CliOptions | 'help' {
  let out: string | undefined;
  let sizes: TinyImageSize[] = [224, 896];
  let seed = TINY_GEMMA3_DEFAULT_SEED;
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
      default:
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  if (out === undefined) throw new UsageError('--out DIR is required');
  return { out: resolve(out), sizes, seed };
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
