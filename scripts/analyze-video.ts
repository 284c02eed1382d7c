// `npm run analyze-video -- --data DIR --review ID [--every 5] [--scene] [--method matcher|followup|auto] [--json]`
//   Runs a review's phase timeline in a library (the same job as "Analyse video" in the app, stored there, resumable:
//   run it again after Ctrl+C or a crash and it continues after the samples already stored).
// `npm run analyze-video -- --video F --model M --mmproj P [--every 5] [--scene] [--method M] --out timeline.json [--json]`
//   The same on a plain video file, no library: the samples go to a JSON file, written after each sample; run it again
//   with the same file and options and it continues where it stopped.
// Common: [--device auto|cuda|metal|vulkan|cpu] [--context N]; in library mode --model/--mmproj override the model set
// in the library. Progress goes to stderr; the result (a table, or with --json one JSON object) to stdout.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { splitAnalysisText } from '../electron/api/analysis-text';
import type { EventPayload } from '../electron/api/contract';
import { parseInput } from '../electron/api/dispatch';
import { DevicePreference } from '../electron/api/schemas';
import { PhaseMethod, type TimelineJob, type TimelineSample } from '../electron/api/schemas-timeline';
import { createAppServices, libraryFile, type AppServices } from '../electron/core/app-services';
import { detectSceneChanges, extractFramePng, NO_FFMPEG_MESSAGE } from '../electron/core/timeline/frame-extract';
import { FOLLOWUP_MAX_TOKENS, followupPrompt, phaseFromAnalysis, phaseFromFollowupReply, type PhaseResult } from '../electron/core/timeline/phase';
import { intervalPlan, planSamples, sceneTimes, type PlannedSample } from '../electron/core/timeline/sampling';
import { DEFAULT_PHASE_METHOD } from '../electron/core/timeline/timeline-service';
import { findFfmpeg } from '../electron/core/videos/ffmpeg-tools';
import { probeVideo } from '../electron/core/videos/probe';
import { createInferenceClient, type InferenceClient } from '../electron/inference/inference-client';
import { SEED_MAX_TOKENS, SEED_PROMPT } from '../electron/inference/prompt';
import { fail as exit, parseCommandLine, UsageError } from './lib/cli';
import { nodeServiceOptions } from '../electron/host/node-services';
import { forkWorker } from '../electron/inference/fork-worker';

const USAGE = `Usage:
  npm run analyze-video -- --data DIR --review ID [--every 5] [--scene] [--method matcher|followup|auto] [--json]
  npm run analyze-video -- --video FILE --model MODEL.gguf --mmproj MMPROJ.gguf [--every 5] [--scene] [--method M] --out timeline.json [--json]
Options: --device auto|cuda|metal|vulkan|cpu (default auto), --context N (default 4096); in library mode --model/--mmproj
override the model set in the library. --scene samples at scene changes, at most one per --every seconds.`;

/** Ends the process with `message`: exit code 2 (wrong arguments, with the usage after it) or 1. */
function fail(message: string, code = 2): never {
  return exit(code === 2 ? `${message}\n\n${USAGE}` : message, code);
}

const r3 = (n: number) => Math.round(n * 1000) / 1000;

function timecode(seconds: number): string {
  const ms = Math.max(0, Math.floor(seconds * 1000 + 1e-6));
  const pad = (v: number, n = 2) => String(v).padStart(n, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

function eta(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 60) return ` · about ${Math.ceil(seconds)} s left`;
  return ` · about ${Math.ceil(seconds / 60)} min left`;
}

interface Row {
  time: number;
  frameIndex: number;
  phase: string | null;
  method: string;
  confidence: number | null;
  matched: string[];
}

function printTable(rows: Row[]): void {
  console.log('time          frame  phase                      method    conf   matched');
  for (const r of rows) {
    console.log(
      `${timecode(r.time)}  ${String(r.frameIndex).padStart(5)}  ${(r.phase ?? '—').padEnd(25)}  ${r.method.padEnd(8)}  ${r.confidence === null ? '  —  ' : r.confidence.toFixed(2).padStart(5)}  ${r.matched.join(', ').slice(0, 60)}`,
    );
  }
  const named = rows.filter((r) => r.phase).length;
  console.log(`${rows.length} samples, ${named} with a phase.`);
}

// ---------------------------------------------------------------------------------------------- library mode

async function libraryMode(v: Options): Promise<void> {
  const dataDir = path.resolve(v.data!);
  if (!fs.existsSync(libraryFile(dataDir))) throw new UsageError(`There is no library in ${dataDir} (no library.sqlite). Give the data folder the app uses.`);
  const reviewId = Number(v.review);
  if (!Number.isSafeInteger(reviewId) || reviewId <= 0) throw new UsageError('--review must be a review id (a whole number, shown in the review view and in reports).');

  let services: AppServices | null = null;
  const onProgress = new Set<(p: EventPayload<'timeline.progress'>) => void>();
  services = createAppServices({
    ...nodeServiceOptions(dataDir, 'cli', (name, payload) => {
      if (name === 'timeline.progress') for (const l of onProgress) l(payload as EventPayload<'timeline.progress'>);
    }),
    resumeTimelines: false,
    workAheadIdleMs: null, // a one-job CLI: nothing to work ahead for
  });
  const s = services;
  const call = async <T>(channel: Parameters<typeof parseInput>[0], input: unknown): Promise<T> => {
    const handler = s.handlers[channel] as (i: unknown) => unknown;
    return (await handler(parseInput(channel, input))) as T;
  };
  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error('\nPausing… (Ctrl+C again to quit at once)');
    void call<TimelineJob>('timeline.pause', { reviewId })
      .catch(() => undefined)
      .then(async () => {
        await s.close();
        console.error('Paused. Run the same command again to continue after the samples already stored.');
        process.exit(130);
      });
  });

  try {
    if (v.model || v.mmproj) {
      if (!v.model || !v.mmproj) throw new UsageError('Give both --model and --mmproj, or neither (then the model set in the library is used).');
      await s.inference.load({ modelPath: v.model, mmprojPath: v.mmproj, device: v.device, contextSize: v.context });
    }
    const existing = (await call<{ job: TimelineJob | null }>('timeline.get', { reviewId })).job;
    const every = v.every === undefined ? (existing?.everySeconds ?? 5) : Number(v.every);
    const sampling = v.scene ? 'scene' : 'interval';
    const method = v.method ?? existing?.method ?? DEFAULT_PHASE_METHOD;
    const same = existing && existing.everySeconds === every && existing.sampling === sampling && existing.method === method;
    const resumable = same && (existing.state === 'running' || existing.state === 'paused' || existing.state === 'failed');
    const done = new Promise<EventPayload<'timeline.progress'>>((resolve) => {
      onProgress.add((p) => {
        if (p.reviewId !== reviewId) return;
        if (p.sample) {
          const x = p.sample;
          console.error(`[${String(p.done).padStart(String(p.total).length)}/${p.total}] ${timecode(x.time)} frame ${x.frameIndex} → ${x.phase ?? 'no phase'}${eta(p.etaSeconds)}`);
        } else if (p.message && p.state === 'running') console.error(p.message);
        if (p.state !== 'running') resolve(p);
      });
    });
    const job = resumable ? await call<TimelineJob>('timeline.resume', { reviewId }) : await call<TimelineJob>('timeline.start', { reviewId, everySeconds: every, sampling, method });
    console.error(`${resumable ? 'Resuming' : 'Analysing'} review ${reviewId}: ${job.total || '?'} samples (${sampling === 'scene' ? `scene changes, at most one per ${every} s` : `every ${every} s`}), ${job.done} already stored, phases by ${method}.`);
    const end = job.state === 'done' ? { state: 'done' as const, message: null } : await done;
    const view = await call<{ job: TimelineJob; samples: TimelineSample[] }>('timeline.get', { reviewId });
    if (v.json) console.log(JSON.stringify({ reviewId, job: view.job, samples: view.samples }));
    else printTable(view.samples);
    if (end.state !== 'done') throw new Error(`The timeline stopped (${end.state}): ${end.message ?? 'no reason given'}`);
  } finally {
    await s.close();
  }
}

// ---------------------------------------------------------------------------------------------- plain-file mode

interface FileResult {
  tool: 'analyze-video';
  video: { file: string; sizeBytes: number; durationSeconds: number; frameCount: number; width: number | null; height: number | null };
  sampling: 'interval' | 'scene';
  everySeconds: number;
  method: PhaseMethod;
  model: { name: string; file: string; mmproj: string; device: string };
  prompt: string;
  maxTokens: number;
  complete: boolean;
  plan: number;
  samples: Array<Row & { sampleIndex: number; answer: string; thinking: string | null; followupReply: string | null }>;
}

function writeAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

async function derive(client: InferenceClient, image: Uint8Array, method: PhaseMethod, thinking: string | null, answer: string, id: string) {
  let result: PhaseResult = { phase: null, confidence: null, matched: [] };
  let used: 'matcher' | 'followup' = 'matcher';
  let reply: string | null = null;
  if (method !== 'followup') result = phaseFromAnalysis(thinking, answer);
  if (method === 'followup' || (method === 'auto' && !result.phase)) {
    used = 'followup';
    reply = (await client.analyze(`${id}-followup`, { image, prompt: followupPrompt(), maxTokens: FOLLOWUP_MAX_TOKENS })).text;
    result = phaseFromFollowupReply(reply);
  }
  return { result, used, reply };
}

async function fileMode(v: Options): Promise<void> {
  if (!v.model || !v.mmproj) throw new UsageError('--model and --mmproj are required with --video.');
  if (!v.out) throw new UsageError('--out FILE.json is required with --video (the samples are written there after each one).');
  const file = path.resolve(v.video!);
  const out = path.resolve(v.out);
  const tools = findFfmpeg();
  if (!tools) throw new Error(NO_FFMPEG_MESSAGE);
  if (!fs.existsSync(file)) throw new UsageError(`There is no file ${file}.`);
  const every = v.every === undefined ? 5 : Number(v.every);
  const sampling = v.scene ? 'scene' : 'interval';
  const method = v.method ?? DEFAULT_PHASE_METHOD;

  console.error(`Reading ${path.basename(file)}…`);
  const probed = await probeVideo(file, { ffprobe: tools.ffprobe, ffmpegAvailable: true });
  if (!probed.timeline) throw new Error(probed.probe.problem ?? `${path.basename(file)} cannot be read as a video here.`);
  const { pts, durationSeconds } = probed.timeline;
  const size = fs.statSync(file).size;

  let plan: PlannedSample[];
  if (sampling === 'interval') plan = intervalPlan(pts, durationSeconds, every);
  else {
    console.error('Finding scene changes…');
    plan = planSamples(pts, sceneTimes(await detectSceneChanges({ ffmpeg: tools.ffmpeg, file, durationSeconds }), every, durationSeconds));
  }

  // A previous run on the same file with the same options: keep its samples.
  let previous: FileResult | null = null;
  if (fs.existsSync(out)) {
    try {
      const p = JSON.parse(fs.readFileSync(out, 'utf8')) as FileResult;
      if (p.tool === 'analyze-video' && p.video.file === file && p.video.sizeBytes === size && p.everySeconds === every && p.sampling === sampling && p.method === method) previous = p;
    } catch {
      previous = null;
    }
    if (!previous) throw new UsageError(`${out} exists and is not a timeline of this video with these options. Choose another --out, or delete it.`);
  }

  const client = createInferenceClient({ spawnWorker: forkWorker });
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error('\nStopping after this sample… (Ctrl+C again to quit at once; the samples so far are in the output file)');
  });
  try {
    const loaded = await client.load({ modelPath: v.model, mmprojPath: v.mmproj, device: v.device, contextSize: v.context });
    const result: FileResult = {
      tool: 'analyze-video',
      video: { file, sizeBytes: size, durationSeconds, frameCount: pts.length, width: probed.probe.width, height: probed.probe.height },
      sampling,
      everySeconds: every,
      method,
      model: { name: loaded.name, file: path.basename(v.model), mmproj: path.basename(v.mmproj), device: [loaded.device.backend, ...loaded.device.names].join(': ') },
      prompt: SEED_PROMPT,
      maxTokens: SEED_MAX_TOKENS,
      complete: false,
      plan: plan.length,
      samples: previous ? previous.samples.filter((x) => plan.some((p) => p.frameIndex === x.frameIndex)) : [],
    };
    const done = new Set(result.samples.map((x) => x.frameIndex));
    console.error(`${plan.length} samples (${sampling === 'scene' ? `scene changes, at most one per ${every} s` : `every ${every} s`}), ${done.size} already in ${path.basename(out)}; model ${loaded.name} on ${loaded.device.backend}.`);
    const started = performance.now();
    let fresh = 0;
    for (const [i, item] of plan.entries()) {
      if (done.has(item.frameIndex)) continue;
      if (interrupted) break;
      const image = await extractFramePng({ ffmpeg: tools.ffmpeg, file, pts, frameIndex: item.frameIndex });
      const id = `cli-${i}`;
      const r = await client.analyze(id, { image, prompt: SEED_PROMPT, maxTokens: SEED_MAX_TOKENS });
      const split = splitAnalysisText(r.text);
      const { result: phase, used, reply } = await derive(client, image, method, split.thinking, split.answer, id);
      result.samples.push({
        sampleIndex: i,
        time: item.time,
        frameIndex: item.frameIndex,
        phase: phase.phase,
        method: used,
        confidence: phase.confidence,
        matched: phase.matched,
        answer: split.answer,
        thinking: split.thinking,
        followupReply: reply,
      });
      result.samples.sort((a, b) => a.time - b.time);
      fresh++;
      const left = plan.length - result.samples.length;
      result.complete = left === 0;
      writeAtomic(out, JSON.stringify(result, null, 2));
      const perSample = (performance.now() - started) / 1000 / fresh;
      console.error(`[${String(result.samples.length).padStart(String(plan.length).length)}/${plan.length}] ${timecode(item.time)} frame ${item.frameIndex} → ${phase.phase ?? 'no phase'}${eta(perSample * left)}`);
    }
    result.complete = result.samples.length === plan.length;
    writeAtomic(out, JSON.stringify(result, null, 2));
    if (v.json) console.log(JSON.stringify(result));
    else printTable(result.samples.map((x) => ({ ...x, confidence: x.confidence === null ? null : r3(x.confidence) })));
    if (!result.complete) {
      console.error(`Stopped with ${result.samples.length} of ${plan.length} samples in ${out}. Run the same command again to continue.`);
      process.exitCode = 130;
    }
  } finally {
    await client.close();
  }
}

// ---------------------------------------------------------------------------------------------- entry

interface Options {
  data?: string;
  review?: string;
  video?: string;
  model?: string;
  mmproj?: string;
  out?: string;
  every?: string;
  scene?: boolean;
  method?: PhaseMethod;
  json?: boolean;
  device: DevicePreference;
  context: number;
}

function options(): Options {
  const { values } = parseCommandLine({
    options: {
      data: { type: 'string' },
      review: { type: 'string' },
      video: { type: 'string' },
      model: { type: 'string' },
      mmproj: { type: 'string' },
      out: { type: 'string' },
      every: { type: 'string' },
      scene: { type: 'boolean' },
      method: { type: 'string' },
      json: { type: 'boolean' },
      device: { type: 'string' },
      context: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const library = values.data !== undefined || values.review !== undefined;
  const plain = values.video !== undefined;
  if (library && plain) throw new UsageError('Use either --data and --review (a library) or --video (a plain file), not both.');
  if (!library && !plain) throw new UsageError('Say what to analyse: --data DIR --review ID, or --video FILE.');
  if (library && (values.data === undefined || values.review === undefined)) throw new UsageError('Library mode needs both --data DIR and --review ID.');
  if (library && values.out !== undefined) throw new UsageError('--out is for --video; in a library the samples are stored with the review.');
  if (values.every !== undefined) {
    const every = Number(values.every);
    if (!Number.isFinite(every) || every < 1 || every > 600) throw new UsageError('--every must be a number of seconds from 1 to 600.');
  }
  const method = values.method === undefined ? undefined : PhaseMethod.safeParse(values.method);
  if (method && !method.success) throw new UsageError(`--method must be one of ${PhaseMethod.options.join(', ')}.`);
  const device = DevicePreference.safeParse(values.device ?? 'auto');
  if (!device.success) throw new UsageError(`--device must be one of ${DevicePreference.options.join(', ')}.`);
  const context = values.context === undefined ? 4096 : Number(values.context);
  if (!Number.isInteger(context) || context < 1024 || context > 32768) throw new UsageError('--context must be a whole number from 1024 to 32768.');
  return { ...(values as Omit<Options, 'method' | 'device' | 'context'>), method: method?.data, device: device.data, context };
}

async function main() {
  const v = options();
  if (v.video !== undefined) await fileMode(v);
  else await libraryMode(v);
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    const message = (err as Error).message;
    fail(/^No model is loaded/.test(message) ? `${message} Or pass --model and --mmproj.` : message, err instanceof UsageError ? 2 : 1);
  },
);
