// `npm run bench:remote -- [--runs N] [--max-tokens N] [--device D] [--model M --mmproj P] [--json]`
// Samples per minute, local engine versus the remote engine through serve-model's OpenAI-compatible server on
// loopback (same model, same frames, greedy), on the generated 896 model by default. The ratio remote/local is what
// the protocol costs: PNG encoding of the stretched frame, base64 + JSON, HTTP and SSE, and the server decoding the
// PNG again. Each analysis uses a different 1080p frame; the two paths alternate so that machine noise hits both.
import { parseArgs } from 'node:util';
import { DevicePreference } from '../../electron/api/schemas';
import { forkWorker } from '../../electron/inference/fork-worker';
import { createInferenceClient } from '../../electron/inference/inference-client';
import { createOpenAIServer } from '../../electron/inference/openai-server';
import { SEED_PROMPT } from '../../electron/inference/prompt';
import { makePng } from '../../tests/fixtures/images';
import { benchModel, deviceLabel, modelBenchOptions, printResult, runBench } from './cli';
import { mean, r1, r3, sum } from './stats';

async function main() {
  const { values: v } = parseArgs({ options: modelBenchOptions('8') });
  const runs = Number(v.runs);
  const maxTokens = Number(v['max-tokens']);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number of at least 1.');
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 4096) throw new Error('--max-tokens must be a whole number from 1 to 4096.');
  const device = DevicePreference.parse(v.device);
  const { modelPath, mmprojPath, label: modelLabel } = await benchModel(v.model, v.mmproj);
  const files = { modelPath, mmprojPath, device, contextSize: 4096 };
  // One more frame than runs: the first of each path warms it up and is not counted.
  const frames = Array.from({ length: runs + 1 }, (_, i) => makePng(1920, 1080, 200 + i));

  const local = createInferenceClient({ spawnWorker: forkWorker });
  const serving = createInferenceClient({ spawnWorker: forkWorker });
  const remote = createInferenceClient({ spawnWorker: forkWorker });
  const server = createOpenAIServer({ client: serving, modelId: 'bench-model' });
  try {
    const loaded = await local.load(files);
    await serving.load(files);
    const { url } = await server.listen(0, '127.0.0.1');
    await remote.load({ engine: 'remote', url, model: 'bench-model', apiKey: null });

    const wall = { local: [] as number[], remote: [] as number[] };
    const ttft = { local: [] as number[], remote: [] as number[] };
    let identical = 0;
    for (let i = 0; i <= runs; i++) {
      const request = { image: frames[i]!, prompt: SEED_PROMPT, maxTokens };
      let t = performance.now();
      const a = await local.analyze(`local-${i}`, request);
      const localMs = performance.now() - t;
      t = performance.now();
      const b = await remote.analyze(`remote-${i}`, request);
      const remoteMs = performance.now() - t;
      if (i === 0) continue;
      wall.local.push(localMs);
      wall.remote.push(remoteMs);
      ttft.local.push(a.preprocessMs + a.timeToFirstTokenMs);
      ttft.remote.push(b.preprocessMs + b.timeToFirstTokenMs);
      if (a.text === b.text) identical++;
    }

    const localPerMin = (runs * 60_000) / sum(wall.local);
    const remotePerMin = (runs * 60_000) / sum(wall.remote);
    const result = {
      local_samples_per_min: r1(localPerMin),
      remote_samples_per_min: r1(remotePerMin),
      ratio: r3(remotePerMin / localPerMin),
      runs,
      max_tokens: maxTokens,
      model: modelLabel,
      device: deviceLabel(loaded.device),
      local_ms_per_sample: r1(mean(wall.local)),
      remote_ms_per_sample: r1(mean(wall.remote)),
      local_ttft_ms: r1(mean(ttft.local)),
      remote_ttft_ms: r1(mean(ttft.remote)),
      identical_text: `${identical}/${runs}`,
    };
    const rows: Array<[string, string]> = [
      ['model', result.model],
      ['device', result.device],
      ['frames', `${runs} different 1920×1080 PNGs, ${maxTokens} tokens each (after one warm-up each)`],
      ['local engine', `${result.local_samples_per_min} samples/min (${result.local_ms_per_sample} ms each, first token ${result.local_ttft_ms} ms)`],
      ['remote engine via loopback serve-model', `${result.remote_samples_per_min} samples/min (${result.remote_ms_per_sample} ms each, first token ${result.remote_ttft_ms} ms)`],
      ['ratio remote / local', `${result.ratio}`],
      ['same text on both paths', result.identical_text],
    ];
    printResult(rows, result, v.json);
  } finally {
    await server.close();
    await Promise.all([local.close(), serving.close(), remote.close()]);
  }
  process.exit(0);
}

runBench(main);
