// `npm run bench:cancel -- [--full-size [--mmproj-q8] | --model M --mmproj P] [--cancel-after-ms N] [--threads N] [--json]`
// Cancel during the image encode, through the app's inference client: an analysis starts, is cancelled
// --cancel-after-ms into it (default 5000: inside the encode, which takes minutes for the full-size model on a CPU),
// and this prints how long the cancelled call took to settle (the client ends a worker that does not stop within
// its 1 s grace) and how long the model took to be loaded again, ready for the next analysis. Hand-run, not in CI.
import { parseArgs } from 'node:util';
import { SEED_PROMPT } from '../../electron/inference/prompt';
import { createInferenceClient } from '../../electron/inference/inference-client';
import { forkWorker } from '../../electron/inference/fork-worker';
import { makePng } from '../../tests/fixtures/images';
import { benchModel, deviceLabel, jsonAwareLog, printResult, runBench } from './cli';
import { fullSizeModel, threadsOf } from './full-size-model';
import { r1 } from './stats';
import { sampleTreeRss } from './tree-rss';

async function main() {
  const { values: v } = parseArgs({
    options: {
      model: { type: 'string' },
      mmproj: { type: 'string' },
      'full-size': { type: 'boolean' },
      'mmproj-q8': { type: 'boolean' },
      'cancel-after-ms': { type: 'string', default: '5000' },
      threads: { type: 'string' },
      device: { type: 'string', default: 'auto' },
      json: { type: 'boolean' },
    },
  });
  const log = jsonAwareLog(v.json);
  const m = v['full-size'] ? fullSizeModel(v['mmproj-q8'] === true) : await benchModel(v.model, v.mmproj);
  const cancelAfterMs = Number(v['cancel-after-ms']);
  const threads = v.threads === undefined ? null : Number(v.threads);
  const rss = sampleTreeRss();

  let startedAt = 0;
  let cancelledAt = 0;
  let readyAt: (() => void) | null = null;
  let reloading = false; // set once the cancel has started a new load; the next 'ready' is the reloaded model
  const client = createInferenceClient({
    spawnWorker: forkWorker,
    watchdogMs: 30 * 60_000, // a full-size encode is silent for minutes on a CPU
    onStatus: (s) => {
      if (cancelledAt && s.state === 'loading') reloading = true;
      if (reloading && s.state === 'ready' && readyAt) readyAt();
    },
    log: (level, message) => log(`[client ${level}] ${message}`),
  });
  const loaded = await client.load({ modelPath: m.modelPath, mmprojPath: m.mmprojPath, device: v.device as 'auto', contextSize: 4096, threads });
  log(`loaded in ${loaded.loadMs} ms on ${deviceLabel(loaded.device)}`);

  const ready = new Promise<number>((resolve) => {
    readyAt = () => resolve(performance.now());
  });
  const call = client.analyze('bench-cancel', { image: makePng(1920, 1080, 7), prompt: SEED_PROMPT, maxTokens: 32 }, {
    onStart: () => {
      startedAt = performance.now();
      setTimeout(() => {
        cancelledAt = performance.now();
        log(`cancelling ${r1(cancelledAt - startedAt)} ms after the analysis started`);
        client.cancel('bench-cancel');
      }, cancelAfterMs);
    },
    onToken: () => {
      if (!cancelledAt) log('a token arrived before the cancel: the encode ended sooner than --cancel-after-ms');
    },
  });
  let outcome: string;
  try {
    const r = await call;
    outcome = `resolved (${r.stopReason}, ${r.generatedTokens} tokens, encode ${r.encodeMs} ms)`;
  } catch (err) {
    outcome = `rejected (${(err as Error).message})`;
  }
  const settledAt = performance.now();
  log(`the call settled ${r1(settledAt - cancelledAt)} ms after the cancel: ${outcome}`);
  const reloadedAt = await ready;
  await client.close();
  rss.stop();

  const result = {
    model: m.label,
    device: deviceLabel(loaded.device),
    threads: threads ?? threadsOf(loaded.device.names),
    load_ms: loaded.loadMs,
    cancel_after_ms: r1(cancelledAt - startedAt),
    cancel_to_settled_ms: r1(settledAt - cancelledAt),
    outcome,
    reload_ms: r1(reloadedAt - settledAt),
    cancel_to_ready_ms: r1(reloadedAt - cancelledAt),
    peak_rss_mb: rss.peakMb(),
  };
  printResult([
    ['model', result.model],
    ['device', result.device],
    ['cancelled after', `${result.cancel_after_ms} ms (during the image encode)`],
    ['cancel → call settled', `${result.cancel_to_settled_ms} ms: ${outcome}`],
    ['settled → model loaded again', `${result.reload_ms} ms`],
    ['peak RSS (bench + worker)', `${result.peak_rss_mb} MB`],
  ], result, v.json);
  process.exit(0);
}

runBench(main);
