// `npm run bench:inference -- [--model M --mmproj P] [--runs N] [--max-tokens N] [--device D] [--json]`
// Load time, image encode, time to first token, decode tokens/s, peak RSS and device, on the generated 896
// model by default; and the engine's overhead: the whole worker path versus a direct addon call in-process. Then a
// follow-up question on each analysed frame: its time to first token (no image encode, the kept context) against the
// first turn's (followup_ttft_ms / first_ttft_ms).
import { parseArgs } from 'node:util';
import { openLlama, threadCount } from '../../electron/inference/engines/local-engine';
import { createInferenceClient } from '../../electron/inference/inference-client';
import { forkWorker } from '../../electron/inference/fork-worker';
import { prepareForGemma3 } from '../../electron/inference/image/gemma3-preprocess';
import { loadMtmdAddon } from '../../electron/inference/native/addon';
import { gemmaFirstTurn, SEED_PROMPT } from '../../electron/inference/prompt';
import { makePng } from '../../tests/fixtures/images';
import { benchModel, deviceLabel, modelBenchOptions, printResult, runBench } from './cli';
import { median, r1, r3 } from './stats';

async function main() {
  const { values: v } = parseArgs({ options: modelBenchOptions('3') });
  const runs = Number(v.runs);
  const maxTokens = Number(v['max-tokens']);
  const { modelPath, mmprojPath, label: modelLabel } = await benchModel(v.model, v.mmproj);
  // Different images each run so nothing is served from a cache; 1080p like a surgical video frame.
  const images = Array.from({ length: runs * 2 }, (_, i) => makePng(1920, 1080, 100 + i));

  // 1. The whole path the app uses: inference process, messages, queue.
  const client = createInferenceClient({ spawnWorker: forkWorker });
  const loaded = await client.load({ modelPath, mmprojPath, device: v.device as 'auto', contextSize: 4096 });
  const worker = { wall: [] as number[], encode: [] as number[], ttft: [] as number[], tps: [] as number[] };
  const turns = { first: [] as number[], followUp: [] as number[], followUpEncode: [] as number[] };
  // 2. A direct call of the addon in this process (same preprocessing, same prompt).
  // The same device choice and thread count as the engine, so both paths run the same computation.
  const { llama } = await openLlama(v.device as 'auto');
  const addon = loadMtmdAddon(llama);
  const gpu = llama.gpu !== false;
  const t0 = performance.now();
  const direct = await addon.loadModel({
    modelPath,
    mmprojPath,
    contextSize: 4096,
    batchSize: 512,
    threads: threadCount(llama),
    gpuLayers: gpu ? 999 : 0,
    useGpuForVision: gpu,
  });
  const directLoadMs = performance.now() - t0;
  const directRuns = { wall: [] as number[] };

  for (let i = 0; i < runs; i++) {
    // Interleaved so that machine noise hits both paths alike.
    let s = performance.now();
    // Keyed by frame, so the engine keeps its context for the follow-up below.
    const frameKey = `bench-frame-${i}`;
    const r = await client.analyze(`bench-${i}`, { image: images[2 * i]!, prompt: SEED_PROMPT, maxTokens, frameKey });
    worker.wall.push(performance.now() - s);
    worker.encode.push(r.encodeMs);
    worker.ttft.push(r.timeToFirstTokenMs + r.preprocessMs);
    if (r.generatedTokens > 1) worker.tps.push(((r.generatedTokens - 1) * 1000) / r.decodeMs);

    // A follow-up question on the same frame, in the context the first turn left.
    const follow = await client.analyze(`bench-follow-${i}`, {
      image: images[2 * i]!,
      prompt: 'What is the main risk at this moment?',
      maxTokens,
      frameKey,
      conversation: [{ question: SEED_PROMPT, answer: r.text }],
    });
    turns.first.push(r.timeToFirstTokenMs + r.preprocessMs);
    turns.followUp.push(follow.timeToFirstTokenMs + follow.preprocessMs);
    turns.followUpEncode.push(follow.encodeMs);

    s = performance.now();
    const img = prepareForGemma3(images[2 * i + 1]!, direct.imageSize);
    await direct.generate({ prompt: gemmaFirstTurn(SEED_PROMPT, true), image: img, maxTokens, onToken: () => undefined });
    directRuns.wall.push(performance.now() - s);
  }
  direct.dispose();
  await client.close();

  const result = {
    model: modelLabel,
    device: deviceLabel(loaded.device),
    runs,
    max_tokens: maxTokens,
    load_ms: Math.round(loaded.loadMs),
    direct_load_ms: Math.round(directLoadMs),
    encode_ms: r1(median(worker.encode)),
    ttft_ms: r1(median(worker.ttft)),
    decode_tok_s: r1(median(worker.tps)),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    worker_wall_ms: r1(median(worker.wall)),
    direct_wall_ms: r1(median(directRuns.wall)),
    overhead_ratio: r3(median(worker.wall) / median(directRuns.wall)),
    first_ttft_ms: r1(median(turns.first)),
    followup_ttft_ms: r1(median(turns.followUp)),
    followup_encode_ms: r1(median(turns.followUpEncode)),
    followup_ttft_ratio: r3(median(turns.followUp) / median(turns.first)),
  };
  const rows: Array<[string, string]> = [
    ['model', result.model],
    ['device', result.device],
    ['load (worker path)', `${result.load_ms} ms`],
    ['image encode (median)', `${result.encode_ms} ms`],
    ['time to first token, incl. preprocessing', `${result.ttft_ms} ms`],
    ['decode', `${result.decode_tok_s} tok/s`],
    ['peak RSS (bench process, direct addon)', `${result.peak_rss_mb} MB`],
    [`one analysis, ${maxTokens} tokens: worker path`, `${result.worker_wall_ms} ms`],
    ['same, direct addon call in-process', `${result.direct_wall_ms} ms`],
    ['overhead ratio (worker / direct)', `${result.overhead_ratio}`],
    ['first turn: time to first token', `${result.first_ttft_ms} ms`],
    ['follow-up question: time to first token (kept context)', `${result.followup_ttft_ms} ms (image encode ${result.followup_encode_ms} ms)`],
    ['follow-up / first turn TTFT', `${result.followup_ttft_ratio}`],
  ];
  printResult(rows, result, v.json);
  process.exit(0);
}

runBench(main);
