// "Analyse video": the phase timeline job of a review. For each planned sample it takes the exact frame with ffmpeg
// (or reuses the frame already captured there), stores it as a captured frame of the review, analyses it with the
// seed prompt through the inference queue at a priority below the reviewer's own analyses, derives a phase, and
// stores the sample and the job's progress in one transaction. Frame extraction of the next sample overlaps the
// analysis of the current one. The job's state persists: a job that was running when the app stopped continues
// when it starts again, after the samples already stored. Nothing here imports electron.
import type { Database } from 'better-sqlite3';
import crypto from 'node:crypto';
import path from 'node:path';
import type { EventName, EventPayload, ParsedInput } from '../../api/contract';
import type { Handlers } from '../../api/dispatch';
import { WorkstationError } from '../../api/errors';
import type { Analysis, Frame, Provenance } from '../../api/schemas';
import type { PhaseMethod, TimelineJob, TimelineJobState, TimelineSample, TimelineView } from '../../api/schemas-timeline';
import { SEED_MAX_TOKENS, SEED_PROMPT } from '../../inference/prompt';
import { createAnalysesRepo } from '../analysis/analyses-repo';
import type { createAnalysisService } from '../analysis/analysis-service';
import type { FrameStore } from '../frames/frame-store';
import type { FramesRepo } from '../frames/frames-repo';
import { lockedError } from '../reviews/review-guard';
import { createReviewsRepo } from '../reviews/reviews-repo';
import { findFfmpeg, type FfmpegTools } from '../videos/ffmpeg-tools';
import { createVideosRepo } from '../videos/videos-repo';
import { detectSceneChanges, ExtractCancelled, extractFramePng, NO_FFMPEG_MESSAGE } from './frame-extract';
import { decideColour, type ColourDecision } from '../../api/colour';
import { FOLLOWUP_MAX_TOKENS, followupPrompt, phaseFromAnalysis, phaseFromFollowupReply, type PhaseResult } from './phase';
import { timelineEstimate } from './estimate';
import { intervalPlan, planSamples, sceneTimes, type PlannedSample } from './sampling';
import { createTimelineRepo, listTimelineSamples } from './timeline-repo';

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;
type AnalysisService = Pick<ReturnType<typeof createAnalysisService>, 'ensureLoaded' | 'analyzeFrame' | 'client' | 'expected'>;

export type TimelineChannel = 'timeline.start' | 'timeline.pause' | 'timeline.resume' | 'timeline.cancel' | 'timeline.get' | 'timeline.estimate';

/** Stores a captured frame of a review with the checks and de-duplication of a reviewer's capture (the video service). */
export type CaptureFrame = (input: ParsedInput<'frames.capture'>) => Promise<Frame>;

/** The reviewer's single-frame analyses use priority 1 and the default is 0: the timeline waits behind both. */
export const TIMELINE_PRIORITY = -1;
/**
 * What "Analyse video" derives phases with unless told otherwise. Measured (npm run bench:timeline, the unit tests):
 * on the generated model neither method names a phase (random text), and the follow-up costs one more model call per
 * sample (+30% time on the tiny model, a whole prompt prefill on the real one); on hand-written answers the matcher
 * names the right phase in 16/16 (tuned) and 5/8 held out, abstaining rather than guessing once. Without a grammar
 * (no engine has one) the follow-up's reply is only read by the same matcher when the fine-tune answers in its
 * trained "Thinking Process / Final Answer" form. So: the matcher, with the follow-up on request ('followup', 'auto').
 */
export const DEFAULT_PHASE_METHOD: PhaseMethod = 'matcher';
/** Analyses queued ahead: one running and one waiting, so the model never idles while a frame is extracted. */
const PIPELINE_DEPTH = 2;

export interface TimelineServiceDeps {
  db: Database;
  frames: FramesRepo;
  store: FrameStore;
  analysis: AnalysisService;
  /** Stores each sample's frame as a captured frame of the review. */
  captureFrame: CaptureFrame;
  emit: Emit;
  /** ffmpeg to take frames with: a path, or null for none; default: $WORKSTATION_FFMPEG, else found on PATH. */
  ffmpeg?: string | null;
  /** Continue jobs left running when the library was last open (default true). */
  resumeOnStart?: boolean;
}

/** Thrown inside a runner when it was stopped (pause, cancel, closing) or its analysis was cancelled. */
class Stopped extends Error {}

interface Runner {
  reviewId: number;
  controller: AbortController;
  reason: 'pause' | 'cancel' | 'close' | null;
  /** Inference job ids of this runner's queued or running analyses. */
  inflight: Set<string>;
  done: Promise<void>;
  startedAt: number;
  doneThisRun: number;
}

interface Outcome {
  frame: Frame;
  analysis: Analysis;
  result: PhaseResult;
  method: 'matcher' | 'followup';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createTimelineService(d: TimelineServiceDeps) {
  const repo = createTimelineRepo(d.db);
  const reviews = createReviewsRepo(d.db);
  const videos = createVideosRepo(d.db);
  const analyses = createAnalysesRepo(d.db);
  const client = d.analysis.client;
  const runners = new Map<number, Runner>();
  let closed = false;
  let found: FfmpegTools | null | undefined;
  const ffmpegTools = (): FfmpegTools | null => (found === undefined ? (found = findFfmpeg(d.ffmpeg)) : found);
  const capturedAt = d.db.prepare<[number, number], { id: number }>('SELECT id FROM frames WHERE review_id = ? AND frame_index = ? ORDER BY id LIMIT 1');

  function progress(reviewId: number, extra: { etaSeconds?: number | null; sample?: TimelineSample | null; message?: string | null } = {}): void {
    const job = repo.job(reviewId);
    if (!job) return;
    d.emit('timeline.progress', {
      reviewId,
      state: job.state,
      done: job.done,
      total: job.total,
      etaSeconds: extra.etaSeconds ?? null,
      message: extra.message !== undefined ? extra.message : job.message,
      sample: extra.sample ?? null,
    });
  }

  function setState(reviewId: number, state: TimelineJobState, message: string | null): TimelineJob {
    const job = repo.setState(reviewId, state, message);
    progress(reviewId);
    return job;
  }

  /** Checks that make "Analyse video" and "Resume" fail at once with a clear message rather than later in the job. */
  async function preflight(reviewId: number): Promise<void> {
    const review = reviews.get(reviewId);
    if (review.status === 'final') throw lockedError({ finalised_at: review.finalisedAt, finalised_by: review.finalisedBy, finalised_role: review.finalisedRole }, 'analyse the video');
    const video = videos.get(review.videoId);
    if (video.fileStatus === 'missing') throw new WorkstationError('unavailable', `The video file "${video.fileName}" is not where it was (${video.path}). Re-link it first.`);
    if (!ffmpegTools()) throw new WorkstationError('unavailable', NO_FFMPEG_MESSAGE);
    await d.analysis.ensureLoaded();
  }

  // ------------------------------------------------------------------------------------------------ runner

  function sameModel(p: Provenance): boolean {
    const req = client.loadRequest;
    const m = client.model;
    if (!req || !m) return false;
    if (req.engine === 'remote') return p.serverUrl === req.url && p.remoteModel === req.model;
    return p.serverUrl === undefined && p.modelFile === path.basename(req.modelPath) && p.modelName === m.name;
  }

  /**
   * A completed seed-prompt analysis of this frame by the loaded model in the trained prompt layout, if one is stored
   * (it is not run again). One asked in the old layout (no promptLayout) is analysed again.
   */
  function storedAnalysis(frameId: number): Analysis | null {
    for (const a of analyses.listForFrame(frameId)) {
      if (a.status === 'completed' && a.prompt === SEED_PROMPT && a.params.maxTokens === SEED_MAX_TOKENS && a.provenance.promptLayout !== undefined && sameModel(a.provenance)) return a;
    }
    return null;
  }

  async function waitForModel(r: Runner): Promise<void> {
    await d.analysis.ensureLoaded();
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      if (r.controller.signal.aborted) throw new Stopped();
      const st = client.status();
      if (st.state === 'ready') return;
      if (st.state !== 'loading' && st.state !== 'crashed') throw new WorkstationError('unavailable', st.message ?? 'No model is loaded. Load one in Models, then resume.');
      if (Date.now() > deadline) throw new WorkstationError('unavailable', 'The model did not finish loading. Check Models, then resume.');
      await sleep(100);
    }
  }

  async function frameFor(r: Runner, item: PlannedSample, file: string, pts: readonly number[], ffmpeg: string, colour?: ColourDecision): Promise<Frame> {
    const known = capturedAt.get(r.reviewId, item.frameIndex);
    if (known) return d.frames.get(known.id);
    const data = await extractFramePng({ ffmpeg, file, pts, frameIndex: item.frameIndex, signal: r.controller.signal, ...(colour ? { colour } : {}) });
    if (r.controller.signal.aborted) throw new Stopped();
    return await d.captureFrame({ reviewId: r.reviewId, frameIndex: item.frameIndex, mediaTime: pts[item.frameIndex]!, data, origin: 'sample' });
  }

  async function tracked<T>(r: Runner, work: (jobId: string) => Promise<T>): Promise<T> {
    const jobId = `timeline-${crypto.randomUUID()}`;
    r.inflight.add(jobId);
    try {
      return await work(jobId);
    } finally {
      r.inflight.delete(jobId);
    }
  }

  async function analyseSample(r: Runner, frame: Frame, method: PhaseMethod): Promise<Outcome> {
    let analysis = storedAnalysis(frame.id);
    for (let attempt = 1; !analysis; attempt++) {
      try {
        analysis = await tracked(r, (jobId) => d.analysis.analyzeFrame(frame.id, { jobId, priority: TIMELINE_PRIORITY }));
      } catch (err) {
        // The model process died under this frame: it is restarted with the model; try the frame once more.
        if (attempt < 2 && !r.reason && err instanceof WorkstationError && err.code === 'unavailable') {
          await waitForModel(r);
          continue;
        }
        throw err;
      }
      if (!analysis) throw new Stopped();
    }
    let result: PhaseResult = { phase: null, confidence: null, matched: [] };
    let used: Outcome['method'] = 'matcher';
    if (method !== 'followup') result = phaseFromAnalysis(analysis.thinking, analysis.answer);
    if (method === 'followup' || (method === 'auto' && result.phase === null)) {
      used = 'followup';
      const image = new Uint8Array(d.store.read(frame.sha256, frame.mime, frame.bytes));
      const reply = await tracked(r, (jobId) => client.analyze(jobId, { image, prompt: followupPrompt(), maxTokens: FOLLOWUP_MAX_TOKENS }, {}, TIMELINE_PRIORITY));
      if (reply.stopReason === 'aborted') throw new Stopped();
      result = phaseFromFollowupReply(reply.text);
    }
    return { frame, analysis, result, method: used };
  }

  async function runJob(r: Runner): Promise<void> {
    const { reviewId } = r;
    const signal = r.controller.signal;
    const job = repo.requireJob(reviewId);
    const video = videos.get(reviews.get(reviewId).videoId);
    const table = videos.timeline(video.id);
    const tools = ffmpegTools();
    if (!tools) throw new WorkstationError('unavailable', NO_FFMPEG_MESSAGE);
    if (video.fileStatus === 'missing') throw new WorkstationError('unavailable', `The video file "${video.fileName}" is not where it was (${video.path}). Re-link it, then resume.`);

    let plan = repo.plan(reviewId);
    if (!plan) {
      let last = 0;
      progress(reviewId, { message: 'Finding scene changes…' });
      const changes = await detectSceneChanges({
        ffmpeg: tools.ffmpeg,
        file: video.path,
        durationSeconds: video.durationSeconds,
        signal,
        onProgress: (f) => {
          if (Date.now() - last < 500) return;
          last = Date.now();
          progress(reviewId, { message: `Finding scene changes… ${Math.round(f * 100)}%` });
        },
      });
      plan = planSamples(table.pts, sceneTimes(changes, job.everySeconds, video.durationSeconds));
      repo.setPlan(reviewId, plan);
      repo.setMessage(reviewId, null);
    }
    await waitForModel(r);

    const stored = repo.doneFrames(reviewId);
    const todo = plan.map((p, index) => ({ ...p, index })).filter((p) => !stored.has(p.frameIndex));
    progress(reviewId);
    const pending: Array<{ item: (typeof todo)[number]; outcome: Promise<Outcome> }> = [];
    let cursor = 0;
    while (cursor < todo.length || pending.length > 0) {
      while (cursor < todo.length && pending.length < PIPELINE_DEPTH) {
        const item = todo[cursor++]!;
        const frame = await frameFor(r, item, video.path, table.pts, tools.ffmpeg, decideColour(video.colour, video.width, video.height));
        const outcome = analyseSample(r, frame, job.method);
        outcome.catch(() => undefined); // awaited in plan order below
        pending.push({ item, outcome });
      }
      const { item, outcome } = pending.shift()!;
      const o = await outcome;
      if (signal.aborted) throw new Stopped();
      const next = pending[0]?.item.index ?? todo[cursor]?.index ?? plan.length;
      const sample = repo.insertSample(
        {
          reviewId,
          sampleIndex: item.index,
          time: item.time,
          frameIndex: item.frameIndex,
          frameId: o.frame.id,
          analysisId: o.analysis.id,
          phase: o.result.phase,
          method: o.method,
          confidence: o.result.confidence,
          matched: o.result.matched,
        },
        next,
      );
      r.doneThisRun++;
      const left = todo.length - (cursor - pending.length);
      const perSample = (performance.now() - r.startedAt) / 1000 / r.doneThisRun;
      progress(reviewId, { sample, etaSeconds: Math.round(perSample * left * 10) / 10 });
    }
    setState(reviewId, 'done', null);
  }

  function startRunner(reviewId: number, previous: Runner | undefined): Runner {
    const r: Runner = { reviewId, controller: new AbortController(), reason: null, inflight: new Set(), done: Promise.resolve(), startedAt: 0, doneThisRun: 0 };
    runners.set(reviewId, r);
    r.done = (async () => {
      if (previous) await previous.done;
      r.startedAt = performance.now();
      try {
        if (!r.reason) await runJob(r);
      } catch (err) {
        if (r.reason === 'close') return; // stays 'running': it continues when the app starts again
        if (r.reason) return; // pause / cancel set the state already
        try {
          if (err instanceof Stopped || err instanceof ExtractCancelled) {
            setState(reviewId, 'paused', 'An analysis of the timeline was cancelled, so the timeline is paused. Resume to continue.');
          } else {
            const e = err instanceof WorkstationError ? err : new WorkstationError('internal', (err as Error).message);
            // What the reviewer can fix (no model, no ffmpeg, a moved file) pauses; anything else fails the job.
            setState(reviewId, e.code === 'unavailable' ? 'paused' : 'failed', e.message);
          }
        } catch {
          // the review is gone (deleted meanwhile): nothing to record
        }
      } finally {
        // Analyses this runner queued ahead and no longer waits for (it failed or stopped): nothing of theirs is stored.
        for (const id of r.inflight) client.cancel(id);
        if (runners.get(reviewId) === r) runners.delete(reviewId);
      }
    })();
    return r;
  }

  function stop(r: Runner, reason: NonNullable<Runner['reason']>): void {
    if (r.reason) return;
    r.reason = reason;
    r.controller.abort();
    for (const id of r.inflight) client.cancel(id);
  }

  /** The runner doing this review's job now (not one that is winding down). */
  const activeRunner = (reviewId: number) => {
    const r = runners.get(reviewId);
    return r && !r.reason ? r : undefined;
  };

  // ------------------------------------------------------------------------------------------------ handlers

  /** A review's timeline job and samples (not-found for an unknown review). */
  function view(reviewId: number): TimelineView {
    reviews.get(reviewId);
    return { job: repo.job(reviewId), samples: repo.samples(reviewId) };
  }

  const handlers: Pick<Handlers, TimelineChannel> = {
    'timeline.start': async ({ reviewId, everySeconds, sampling, method }) => {
      if (activeRunner(reviewId)) throw new WorkstationError('conflict', 'This video is being analysed already. Pause or cancel that first.');
      await preflight(reviewId);
      const video = videos.get(reviews.get(reviewId).videoId);
      const how = sampling ?? 'interval';
      const plan = how === 'interval' ? intervalPlan(videos.timeline(video.id).pts, video.durationSeconds, everySeconds) : null;
      if (activeRunner(reviewId)) throw new WorkstationError('conflict', 'This video is being analysed already. Pause or cancel that first.');
      const job = repo.create({ reviewId, sampling: how, everySeconds, method: method ?? DEFAULT_PHASE_METHOD, plan });
      const previous = runners.get(reviewId);
      startRunner(reviewId, previous);
      progress(reviewId);
      return job;
    },
    'timeline.pause': ({ reviewId }) => {
      const job = repo.requireJob(reviewId);
      if (job.state !== 'running') return job;
      const next = setState(reviewId, 'paused', `Paused with ${job.done} of ${job.total} samples analysed. Resume to continue.`);
      const r = runners.get(reviewId);
      if (r) stop(r, 'pause');
      return next;
    },
    'timeline.resume': async ({ reviewId }) => {
      const job = repo.requireJob(reviewId);
      if (job.state === 'done') return job;
      if (job.state === 'cancelled') throw new WorkstationError('conflict', 'This timeline was cancelled. Start it again: the samples already analysed are kept.');
      if (activeRunner(reviewId)) return job;
      await preflight(reviewId);
      if (activeRunner(reviewId)) return repo.requireJob(reviewId);
      const next = repo.setState(reviewId, 'running', null);
      startRunner(reviewId, runners.get(reviewId));
      progress(reviewId);
      return next;
    },
    'timeline.cancel': ({ reviewId }) => {
      const job = repo.requireJob(reviewId);
      if (job.state === 'done' || job.state === 'cancelled') return job;
      const next = setState(reviewId, 'cancelled', `Cancelled with ${job.done} of ${job.total} samples analysed; they are kept.`);
      const r = runners.get(reviewId);
      if (r) stop(r, 'cancel');
      return next;
    },
    'timeline.get': ({ reviewId }) => view(reviewId),
    'timeline.estimate': async ({ reviewId, everySeconds, sampling }) => {
      const video = videos.get(reviews.get(reviewId).videoId);
      const scene = (sampling ?? 'interval') === 'scene';
      const plan = scene ? null : intervalPlan(videos.timeline(video.id).pts, video.durationSeconds, everySeconds);
      const samples = plan ? plan.length : Math.max(1, Math.ceil(video.durationSeconds / everySeconds));
      const stored = (frameIndex: number) => {
        const f = capturedAt.get(reviewId, frameIndex);
        return f !== undefined && storedAnalysis(f.id) !== null;
      };
      const alreadyDone = plan ? plan.filter((p) => stored(p.frameIndex)).length : 0;
      return timelineEstimate({ samples, atMost: scene, alreadyDone, expected: await d.analysis.expected() });
    },
  };

  if (d.resumeOnStart !== false) {
    // After the services are assembled: jobs that were running when the app stopped carry on.
    setTimeout(() => {
      if (closed) return;
      for (const reviewId of repo.runningReviews()) if (!runners.has(reviewId)) startRunner(reviewId, undefined);
    }, 0).unref?.();
  }

  return {
    handlers,
    view,
    /** The stored samples of a review, by time (reports and exports). */
    listTimelineSamples: (reviewId: number) => listTimelineSamples(d.db, reviewId),
    /** Stops the runners without changing their jobs' state, so they continue when the app starts again. */
    async close(): Promise<void> {
      closed = true;
      const all = [...runners.values()];
      for (const r of all) stop(r, 'close');
      await Promise.race([Promise.all(all.map((r) => r.done)), sleep(5000)]);
    },
  };
}
export type TimelineService = ReturnType<typeof createTimelineService>;
