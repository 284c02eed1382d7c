// `npm run bench:timeline -- [--every 5] [--image-size 224|896] [--device D] [--json]`
// Phase-timeline throughput on the generated 60 s test video with the generated tiny gemma3 model: the whole job
// ("Analyse video" through the real services: exact-frame extraction with ffmpeg, storing the frame, the seed analysis,
// phase, the sample row) in samples per minute, with the local engine and with the remote engine through a loopback
// serve-model (electron/inference/openai-server.ts in this process). The ratio remote/local is the protocol's cost.
// Also: the two phase methods on the generated model (how many samples get a phase, time per sample), and the
// matcher on the hand-written realistic answers. With --json, one JSON object is the last line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { EventName, EventPayload, Input, Output, RequestChannel } from '../../electron/api/contract';
import { splitAnalysisText } from '../../electron/api/analysis-text';
import { parseInput } from '../../electron/api/dispatch';
import { DevicePreference } from '../../electron/api/schemas';
import type { PhaseMethod } from '../../electron/api/schemas-timeline';
import { createAppServices, type AppServices } from '../../electron/core/app-services';
import { createFileSecretStore } from '../../electron/core/secrets/secret-store-file';
import { extractFramePng } from '../../electron/core/timeline/frame-extract';
import { phaseFromAnalysis } from '../../electron/core/timeline/phase';
import { intervalPlan } from '../../electron/core/timeline/sampling';
import { findFfmpeg } from '../../electron/core/videos/ffmpeg-tools';
import { forkWorker } from '../../electron/inference/fork-worker';
import { createInferenceClient } from '../../electron/inference/inference-client';
import { createOpenAIServer } from '../../electron/inference/openai-server';
import type { EngineLoadRequest } from '../../electron/inference/protocol';
import { HELD_OUT_ANSWERS, REALISTIC_ANSWERS, type RealisticAnswer } from '../../tests/fixtures/realistic-answers';
import { ensureTestModel } from '../../tests/fixtures/test-model';
import { makeTestVideo } from '../../tests/fixtures/videos';
import { deviceLabel, printResult, runBench } from './cli';
import { r1, r3 } from './stats';

interface Run {
  samples: number;
  seconds: number;
  perMin: number;
  msPerSample: number;
  withPhase: number;
}

interface Library {
  services: AppServices;
  call<C extends RequestChannel>(channel: C, input: Input<C>): Promise<Output<C>>;
  waitFor<E extends EventName>(name: E, match: (p: EventPayload<E>) => boolean, timeoutMs?: number): Promise<EventPayload<E>>;
  dir: string;
}

function openLibrary(): Library {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-timeline-'));
  const waiters = new Set<(name: EventName, payload: unknown) => void>();
  const services = createAppServices({
    dataDir: dir,
    transport: 'browser-host',
    appVersion: 'bench',
    spawnWorker: forkWorker,
    secrets: createFileSecretStore(path.join(dir, 'secrets.json')),
    resumeTimelines: false,
    workAheadIdleMs: null, // measured runs only
    emit: (name, payload) => {
      for (const w of [...waiters]) w(name, payload);
    },
  });
  return {
    services,
    dir,
    async call(channel, input) {
      const handler = services.handlers[channel] as (i: unknown) => unknown;
      return (await handler(parseInput(channel, input))) as never;
    },
    waitFor(name, match, timeoutMs = 600_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${name}`)), timeoutMs);
        const w = (n: EventName, p: unknown) => {
          if (n !== name || !match(p as never)) return;
          waiters.delete(w);
          clearTimeout(timer);
          resolve(p as never);
        };
        waiters.add(w);
      });
    },
  };
}

/** Imports the video into a new case, opens the review, loads the engine, runs the timeline and times it. */
async function timelineRun(file: string, load: EngineLoadRequest, everySeconds: number, method: PhaseMethod): Promise<Run> {
  const lib = openLibrary();
  try {
    const caseId = (await lib.call('cases.create', { code: `BENCH-${method}`, surgeryDate: null, eye: null, surgeon: '', notes: '' })).id;
    const imported = lib.waitFor('videos.jobProgress', (p) => p.phase === 'done' || p.phase === 'failed' || p.phase === 'cancelled');
    await lib.call('videos.import', { caseId, path: file });
    const end = await imported;
    if (end.phase !== 'done' || !end.video) throw new Error(`The import failed: ${end.message}`);
    const review = await lib.call('reviews.open', { caseId, videoId: end.video.id });
    await lib.services.inference.load(load);
    const finished = lib.waitFor('timeline.progress', (p) => p.reviewId === review.id && p.state !== 'running');
    const t0 = performance.now();
    await lib.call('timeline.start', { reviewId: review.id, everySeconds, method });
    const last = await finished;
    const seconds = (performance.now() - t0) / 1000;
    if (last.state !== 'done') throw new Error(`The timeline stopped (${last.state}): ${last.message}`);
    const view = await lib.call('timeline.get', { reviewId: review.id });
    const samples = view.samples.length;
    return { samples, seconds: r1(seconds), perMin: r1((samples * 60) / seconds), msPerSample: Math.round((seconds * 1000) / samples), withPhase: view.samples.filter((s) => s.phase).length };
  } finally {
    await lib.services.close();
    fs.rmSync(lib.dir, { recursive: true, force: true });
  }
}

function matcherScore(answers: RealisticAnswer[]): { right: number; none: number; total: number } {
  let right = 0;
  let none = 0;
  for (const a of answers) {
    const s = splitAnalysisText(a.text);
    const r = phaseFromAnalysis(s.thinking, s.answer);
    if (r.phase === a.phase) right++;
    else if (r.phase === null) none++;
  }
  return { right, none, total: answers.length };
}

async function main() {
  const { values: v } = parseArgs({
    options: {
      every: { type: 'string', default: '5' },
      'image-size': { type: 'string', default: '224' },
      device: { type: 'string', default: 'auto' },
      json: { type: 'boolean' },
    },
  });
  const every = Number(v.every);
  if (!Number.isFinite(every) || every < 1 || every > 600) throw new Error('--every must be a number of seconds from 1 to 600.');
  const imageSize = Number(v['image-size']);
  if (imageSize !== 224 && imageSize !== 896) throw new Error('--image-size must be 224 or 896 (the generated mmproj sizes).');
  const device = DevicePreference.parse(v.device);
  const tools = findFfmpeg();
  if (!tools) throw new Error('The timeline needs ffmpeg: install it (sudo apt install ffmpeg) and run again.');

  const video = await makeTestVideo({ durationSeconds: 60, gop: 30 });
  const model = await ensureTestModel(imageSize as 224 | 896);
  const files = { modelPath: model.modelPath, mmprojPath: model.mmprojPath, device, contextSize: 4096 };

  // Exact-frame extraction alone (ffmpeg start-up and one GOP of decoding per frame).
  const probe = openLibrary();
  let extractMs: number;
  try {
    const { pts } = await (async () => {
      const caseId = (await probe.call('cases.create', { code: 'PROBE', surgeryDate: null, eye: null, surgeon: '', notes: '' })).id;
      const done = probe.waitFor('videos.jobProgress', (p) => p.phase === 'done' || p.phase === 'failed');
      await probe.call('videos.import', { caseId, path: video.file });
      const end = await done;
      return probe.call('videos.timeline', { id: end.video!.id });
    })();
    const plan = intervalPlan(pts, 60, every);
    const t = performance.now();
    for (const p of plan) await extractFramePng({ ffmpeg: tools.ffmpeg, file: video.file, pts, frameIndex: p.frameIndex });
    extractMs = Math.round((performance.now() - t) / plan.length);
  } finally {
    await probe.services.close();
    fs.rmSync(probe.dir, { recursive: true, force: true });
  }

  const local = await timelineRun(video.file, files, every, 'matcher');
  const followup = await timelineRun(video.file, files, every, 'followup');

  const serving = createInferenceClient({ spawnWorker: forkWorker });
  const server = createOpenAIServer({ client: serving, modelId: 'bench-model' });
  let remote: Run;
  let device_: string;
  try {
    const loaded = await serving.load(files);
    device_ = deviceLabel(loaded.device);
    const { url } = await server.listen(0, '127.0.0.1');
    remote = await timelineRun(video.file, { engine: 'remote', url, model: 'bench-model', apiKey: null }, every, 'matcher');
  } finally {
    await server.close();
    await serving.close();
  }

  const tuned = matcherScore(REALISTIC_ANSWERS);
  const held = matcherScore(HELD_OUT_ANSWERS);
  const result = {
    local_samples_per_min: local.perMin,
    remote_samples_per_min: remote.perMin,
    ratio: r3(remote.perMin / local.perMin),
    samples: local.samples,
    every_seconds: every,
    model: `generated tiny gemma3 (${imageSize} mmproj)`,
    device: device_,
    local_ms_per_sample: local.msPerSample,
    remote_ms_per_sample: remote.msPerSample,
    extract_ms_per_frame: extractMs,
    matcher_with_phase: `${local.withPhase}/${local.samples}`,
    matcher_ms_per_sample: local.msPerSample,
    followup_with_phase: `${followup.withPhase}/${followup.samples}`,
    followup_ms_per_sample: followup.msPerSample,
    matcher_realistic_right: `${tuned.right}/${tuned.total}`,
    matcher_held_out_right: `${held.right}/${held.total} (${held.none} unnamed)`,
  };
  const rows: Array<[string, string]> = [
    ['video', `generated 60 s, 640×360, 30 fps, keyframe every second; a sample every ${every} s (${local.samples} samples)`],
    ['model', `${result.model} on ${result.device}`],
    ['exact-frame extraction (ffmpeg)', `${extractMs} ms per frame`],
    ['local engine', `${local.perMin} samples/min (${local.msPerSample} ms per sample, ${local.seconds} s in all)`],
    ['remote engine via loopback serve-model', `${remote.perMin} samples/min (${remote.msPerSample} ms per sample, ${remote.seconds} s in all)`],
    ['ratio remote / local', `${result.ratio}`],
    ['phase by matcher (generated model)', `${result.matcher_with_phase} samples with a phase, ${local.msPerSample} ms per sample`],
    ['phase by follow-up (generated model)', `${result.followup_with_phase} samples with a phase, ${followup.msPerSample} ms per sample`],
    ['matcher on hand-written answers', `${result.matcher_realistic_right} right (the set its weights were set on); held out: ${result.matcher_held_out_right}`],
  ];
  printResult(rows, result, v.json);
  process.exit(0);
}

runBench(main);
