// The run loop of "Analyse video": one runner per review takes the planned samples in order (the plan made first
// from the scene changes when the job samples by scene), reuses a captured frame or extracts the exact frame with
// ffmpeg, analyses it at TIMELINE_PRIORITY with the seed prompt (and the follow-up when the method asks), derives a
// phase and stores each sample with the job's progress. Extraction of the next sample overlaps the analysis of the
// current one (PIPELINE_DEPTH). Pause, cancel and closing stop a runner; its queued analyses are cancelled. The
// handlers and the stored-result queries are timeline-service.ts's. Nothing here imports electron.
import crypto from 'node:crypto';
import type { ParsedInput } from '../../api/contract';
import { WorkstationError } from '../../api/errors';
import type { Analysis, Frame } from '../../api/schemas';
import type { PhaseMethod, TimelineJob, TimelineJobState, TimelineSample } from '../../api/schemas-timeline';
import type { createAnalysisService } from '../analysis/analysis-service';
import type { FrameStore } from '../frames/frame-store';
import type { FramesRepo } from '../frames/frames-repo';
import type { ReviewsStore } from '../reviews/reviews-store';
import type { FfmpegTools } from '../videos/ffmpeg-tools';
import type { VideosRepo } from '../videos/videos-repo';
import { detectSceneChanges, ExtractCancelled, extractFramePng, NO_FFMPEG_MESSAGE } from './frame-extract';
import { decideColour, type ColourDecision } from '../../api/colour';
import { FOLLOWUP_MAX_TOKENS, followupPrompt, phaseFromAnalysis, phaseFromFollowupReply, type PhaseResult } from './phase';
import { planSamples, sceneTimes, type PlannedSample } from './sampling';
import type { TimelineRepo } from './timeline-repo';

export type AnalysisService = Pick<ReturnType<typeof createAnalysisService>, 'ensureLoaded' | 'analyzeFrame' | 'client' | 'expected'>;

/** Stores a captured frame of a review with the checks and de-duplication of a reviewer's capture (the video service). */
export type CaptureFrame = (input: ParsedInput<'frames.capture'>) => Promise<Frame>;

/** The reviewer's single-frame analyses use priority 1 and the default is 0: the timeline waits behind both. */
export const TIMELINE_PRIORITY = -1;
/** Analyses queued ahead: one running and one waiting, so the model never idles while a frame is extracted. */
const PIPELINE_DEPTH = 2;

/** What a job's progress event may add to the stored job's state. */
export type ProgressExtra = { etaSeconds?: number | null; sample?: TimelineSample | null; message?: string | null };

export interface TimelineRunnerDeps {
  repo: TimelineRepo;
  reviews: Pick<ReviewsStore, 'get'>;
  videos: VideosRepo;
  frames: FramesRepo;
  store: FrameStore;
  analysis: AnalysisService;
  /** Stores each sample's frame as a captured frame of the review. */
  captureFrame: CaptureFrame;
  ffmpegTools(): FfmpegTools | null;
  /** The first frame the review already captured at this index. */
  capturedAt(reviewId: number, frameIndex: number): { id: number } | undefined;
  /** A stored seed-prompt analysis of the frame by the loaded model, reused rather than run again. */
  storedAnalysis(frameId: number): Promise<Analysis | null>;
  /** Emits timeline.progress for the review's stored job. */
  progress(reviewId: number, extra?: ProgressExtra): void;
  /** Stores the job's state and emits it. */
  setState(reviewId: number, state: TimelineJobState, message: string | null): TimelineJob;
}

/** Thrown inside a runner when it was stopped (pause, cancel, closing) or its analysis was cancelled. */
class Stopped extends Error {}

export interface Runner {
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

export function createTimelineRunners(d: TimelineRunnerDeps) {
  const { repo, reviews, videos, progress, setState } = d;
  const client = d.analysis.client;
  const runners = new Map<number, Runner>();

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
    const known = d.capturedAt(r.reviewId, item.frameIndex);
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
    let analysis = await d.storedAnalysis(frame.id);
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
    const video = videos.get((await reviews.get(reviewId)).videoId);
    const table = videos.timeline(video.id);
    const tools = d.ffmpegTools();
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

  return {
    /** The runners by review, including one winding down after a pause or cancel. */
    runners,
    startRunner,
    stop,
    activeRunner,
    /** Stops every runner for closing (their jobs stay 'running') and waits up to 5 s for them to end. */
    async stopAll(): Promise<void> {
      const all = [...runners.values()];
      for (const r of all) stop(r, 'close');
      await Promise.race([Promise.all(all.map((r) => r.done)), sleep(5000)]);
    },
  };
}
