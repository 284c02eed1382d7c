// Command-line plumbing shared by the benchmarks (scripts/bench/*.ts): the model options of the inference
// benchmarks, their output (an aligned table for people; with --json, one JSON object as the last line of
// stdout, for scripts and tests), and the entry point that turns a failure into exit code 1.
import path from 'node:path';
import { writeTinyGemma3 } from '../lib/tiny-gemma3';

/** The parseArgs options of the benchmarks that run a model: --model/--mmproj, --runs, --max-tokens, --device, --json. */
export function modelBenchOptions(defaultRuns: string) {
  return {
    model: { type: 'string' },
    mmproj: { type: 'string' },
    runs: { type: 'string', default: defaultRuns },
    'max-tokens': { type: 'string', default: '64' },
    device: { type: 'string', default: 'auto' },
    json: { type: 'boolean' },
  } as const;
}

export interface BenchModel {
  modelPath: string;
  mmprojPath: string;
  /** How the result names the model. */
  label: string;
}

/** --model and --mmproj when both are given; otherwise the generated tiny gemma3 with its 896 mmproj (in .cache/bench-models). */
export async function benchModel(model: string | undefined, mmproj: string | undefined): Promise<BenchModel> {
  if (model && mmproj) return { modelPath: model, mmprojPath: mmproj, label: 'custom' };
  const out = await writeTinyGemma3(path.resolve('.cache/bench-models'), { imageSize: 896 });
  return { modelPath: out.modelPath, mmprojPath: out.mmprojPath, label: 'generated tiny gemma3 (896 mmproj, 256 image tokens)' };
}

/** "backend: device names", as the results show the device a model was loaded on. */
export const deviceLabel = (device: { backend: string; names: readonly string[] }): string => `${device.backend}: ${device.names.join(', ')}`;

/** Progress and human-readable lines: to stdout, or with --json to stderr, so that stdout ends with the JSON line alone. */
export function jsonAwareLog(json: boolean | undefined): (...message: unknown[]) => void {
  return (...message) => (json ? console.error(...message) : console.log(...message));
}

/** With --json, `result` as one JSON object on its own (last) line of stdout. */
export function printJsonLine(json: boolean | undefined, result: unknown): void {
  if (json) console.log(JSON.stringify(result));
}

/** Label/value rows as an aligned two-column table on stdout, then with --json the result as the last line. */
export function printResult(rows: ReadonlyArray<readonly [string, string]>, result: unknown, json: boolean | undefined): void {
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, val] of rows) console.log(`${k.padEnd(w)}  ${val}`);
  printJsonLine(json, result);
}

/** Runs a benchmark's main: a failure prints `describe(err)` (by default its message) to stderr and exits 1. */
export function runBench(main: () => Promise<void>, describe: (err: unknown) => unknown = (err) => (err as Error).message): void {
  main().catch((err: unknown) => {
    console.error(describe(err));
    process.exit(1);
  });
}
