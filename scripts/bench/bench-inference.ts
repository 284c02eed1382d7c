// `npm run bench:inference -- [--model M --mmproj P | --full-size [--mmproj-q8]] [--runs N] [--max-tokens N]
//   [--threads N] [--device D] [--direct] [--keep-embeddings DIR] [--json]`
// Load time, image encode, time to first token, decode tokens/s, peak RSS (this process and the inference worker
// together) and device, on the generated tiny 896 model by default, or with --full-size on the random model of
// MedGemma 1.5 4B's shapes (npm run make-test-model -- --full-size; not in CI). Then a follow-up question on each
// analysed frame: its time to first token (no image encode, the kept context) against the first turn's. And the
// engine's overhead: the worker path against a direct addon call in this process (by default for the tiny model
// only; --direct for the full-size one). The phases run one after the other: one copy of the model at a time.
// --keep-embeddings DIR keeps each image's embedding there (the engine's embedding cache, under a fixed projector key,
// so that two runs with different projectors name the same image's files alike: compare-embeddings.ts compares them).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openLlama, threadCount } from '../../electron/inference/engines/local-engine';
import { createInferenceClient } from '../../electron/inference/inference-client';
import { forkWorker } from '../../electron/inference/fork-worker';
import { prepareForGemma3 } from '../../electron/inference/image/gemma3-preprocess';
import { loadMtmdAddon } from '../../electron/inference/native/addon';
import { gemmaFirstTurn, SEED_PROMPT } from '../../electron/inference/prompt';
import { makePng } from '../../tests/fixtures/images';
import { benchModel, deviceLabel, jsonAwareLog, modelBenchOptions, printResult, runBench, type BenchModel } from './cli';
import { fullSizeModel, threadsOf } from './full-size-model';
import { median, r1, r3 } from './stats';
import { sampleTreeRss } from './tree-rss';

const options = {
  ...modelBenchOptions('3'),
  runs: { type: 'string' },
  'max-tokens': { type: 'string' },
  'full-size': { type: 'boolean' },
  'mmproj-q8': { type: 'boolean' },
  threads: { type: 'string' },
  direct: { type: 'boolean' },
  'keep-embeddings': { type: 'string' },
} as const;

/** Silence the benchmarks allow the inference process during an analysis (a full-size encode takes minutes on 2 cores). */
const SLOW_ENCODE_WATCHDOG_MS = 30 * 60_000;

/** The projector key the kept embeddings are filed under: the same for every projector, so runs can be compared. */
const COMPARE_KEY = '0'.repeat(64);

/** The whole path the app uses (inference process, messages, queue), then a follow-up on each frame. */
interface WorkerPhaseOptions {
  runs: number;
  maxTokens: number;
  device: string;
  threads: number | undefined;
  keepEmbeddings: string | undefined;
  log: (...x: unknown[]) => void;
}

async function workerPhase(m: BenchModel, images: Uint8Array[], o: WorkerPhaseOptions) {
  const { runs, maxTokens, log } = o;
  // The client's watchdog takes 180 s without output for a hung process; a full-size encode on a CPU is longer.
  const client = createInferenceClient({ spawnWorker: forkWorker, watchdogMs: SLOW_ENCODE_WATCHDOG_MS });
  const loaded = await client.load({
    modelPath: m.modelPath,
    mmprojPath: m.mmprojPath,
    device: o.device as 'auto',
    contextSize: 4096,
    threads: o.threads ?? null,
    ...(o.keepEmbeddings ? { embeddingCache: { dir: path.resolve(o.keepEmbeddings), maxBytes: 2 ** 40, projectorSha256: COMPARE_KEY } } : {}),
  });
  log(`loaded in ${loaded.loadMs} ms on ${deviceLabel(loaded.device)}`);
  const w = { wall: [] as number[], encode: [] as number[], ttft: [] as number[], tps: [] as number[], followUp: [] as number[], followUpEncode: [] as number[], answers: [] as string[] };
  try {
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      const frameKey = `bench-frame-${i}`; // keyed by frame, so the engine keeps its context for the follow-up
      const r = await client.analyze(`bench-${i}`, { image: images[i]!, prompt: SEED_PROMPT, maxTokens, frameKey });
      w.wall.push(performance.now() - s);
      w.encode.push(r.encodeMs);
      w.answers.push(r.text);
      w.ttft.push(r.timeToFirstTokenMs + r.preprocessMs);
      if (r.generatedTokens > 1) w.tps.push(((r.generatedTokens - 1) * 1000) / r.decodeMs);
      log(`run ${i + 1}/${runs}: encode ${r1(r.encodeMs)} ms, first token ${r1(r.timeToFirstTokenMs + r.preprocessMs)} ms, ${r.generatedTokens} tokens`);
      const follow = await client.analyze(`bench-follow-${i}`, {
        image: images[i]!,
        prompt: 'What is the main risk at this moment?',
        maxTokens,
        frameKey,
        conversation: [{ question: SEED_PROMPT, answer: r.text }],
      });
      w.followUp.push(follow.timeToFirstTokenMs + follow.preprocessMs);
      w.followUpEncode.push(follow.encodeMs);
    }
  } finally {
    await client.close();
  }
  return { loaded, ...w };
}

/** A direct call of the addon in this process (same preprocessing, prompt, device and thread count as the engine). */
async function directPhase(m: BenchModel, images: Uint8Array[], runs: number, maxTokens: number, device: string, threads: number | undefined) {
  const { llama } = await openLlama(device as 'auto');
  const addon = loadMtmdAddon(llama);
  const gpu = llama.gpu !== false;
  const t0 = performance.now();
  const direct = await addon.loadModel({
    modelPath: m.modelPath,
    mmprojPath: m.mmprojPath,
    contextSize: 4096,
    batchSize: 512,
    threads: threadCount(llama, threads),
    gpuLayers: gpu ? 999 : 0,
    useGpuForVision: gpu,
  });
  const loadMs = performance.now() - t0;
  const wall: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      const img = prepareForGemma3(images[i]!, direct.imageSize);
      await direct.generate({ prompt: gemmaFirstTurn(SEED_PROMPT, true), image: img, maxTokens, onToken: () => undefined });
      wall.push(performance.now() - s);
    }
  } finally {
    direct.dispose();
  }
  return { loadMs, wall };
}

async function main() {
  const { values: v } = parseArgs({ options });
  const fullSize = v['full-size'] === true;
  if (v['mmproj-q8'] && !fullSize) throw new Error('--mmproj-q8 goes with --full-size (with --model/--mmproj, name the Q8_0 projector as --mmproj).');
  const runs = Number(v.runs ?? (fullSize ? '1' : '3'));
  const maxTokens = Number(v['max-tokens'] ?? (fullSize ? '32' : '64'));
  const threads = v.threads === undefined ? undefined : Number(v.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) throw new Error('--threads must be a positive integer');
  const log = jsonAwareLog(v.json);
  const m = fullSize ? fullSizeModel(v['mmproj-q8'] === true) : await benchModel(v.model, v.mmproj);
  const rss = sampleTreeRss();
  // Different images for every call so nothing is served from a cache; 1080p like a surgical video frame.
  const images = Array.from({ length: runs * 2 }, (_, i) => makePng(1920, 1080, 100 + i));

  const worker = await workerPhase(m, images.slice(0, runs), { runs, maxTokens, device: v.device, threads, keepEmbeddings: v['keep-embeddings'], log });
  const direct = !fullSize || v.direct ? await directPhase(m, images.slice(runs), runs, maxTokens, v.device, threads) : null;
  rss.stop();

  const result = {
    model: m.label,
    device: deviceLabel(worker.loaded.device),
    threads: threads ?? threadsOf(worker.loaded.device.names),
    runs,
    max_tokens: maxTokens,
    load_ms: Math.round(worker.loaded.loadMs),
    encode_ms: r1(median(worker.encode)),
    encode_ms_runs: worker.encode.map(r1),
    ttft_ms: r1(median(worker.ttft)),
    decode_tok_s: r1(median(worker.tps)),
    peak_rss_mb: rss.peakMb(),
    peak_rss_scope: rss.whole ? 'bench process + inference worker' : 'bench process only',
    worker_wall_ms: r1(median(worker.wall)),
    direct_load_ms: direct ? Math.round(direct.loadMs) : null,
    direct_wall_ms: direct ? r1(median(direct.wall)) : null,
    overhead_ratio: direct ? r3(median(worker.wall) / median(direct.wall)) : null,
    first_ttft_ms: r1(median(worker.ttft)),
    followup_ttft_ms: r1(median(worker.followUp)),
    followup_encode_ms: r1(median(worker.followUpEncode)),
    followup_ttft_ratio: r3(median(worker.followUp) / median(worker.ttft)),
    answers: worker.answers,
  };
  const rows: Array<[string, string]> = [
    ['model', result.model],
    ['device', result.device],
    ['load (worker path)', `${result.load_ms} ms`],
    ['image encode (median)', `${result.encode_ms} ms`],
    ['time to first token, incl. preprocessing', `${result.ttft_ms} ms`],
    ['decode', `${result.decode_tok_s} tok/s`],
    [`peak RSS (${result.peak_rss_scope})`, `${result.peak_rss_mb} MB`],
    [`one analysis, ${maxTokens} tokens: worker path`, `${result.worker_wall_ms} ms`],
    ['same, direct addon call in-process', direct ? `${result.direct_wall_ms} ms` : 'not run (--direct)'],
    ['overhead ratio (worker / direct)', `${result.overhead_ratio ?? '–'}`],
    ['follow-up question: time to first token (kept context)', `${result.followup_ttft_ms} ms (image encode ${result.followup_encode_ms} ms)`],
    ['follow-up / first turn TTFT', `${result.followup_ttft_ratio}`],
  ];
  printResult(rows, result, v.json);
  process.exit(0);
}

runBench(main);
