// "Analyse video": the phase timeline job of a review. For each planned sample it takes the exact frame with ffmpeg
// (or reuses the frame already captured there), stores it as a captured frame of the review, analyses it with the
// seed prompt through the inference queue at a priority below the reviewer's own analyses, derives a phase, and
// stores the sample and the job's progress in one transaction. Frame extraction of the next sample overlaps the
// analysis of the current one. The job's state persists: a job that was running when the app stopped continues
// when it starts again, after the samples already stored. Here: the handlers, the job's state and progress, and the
// stored-result queries; the sampling and run loop are timeline-runner.ts's. Nothing here imports electron.
import type { Database } from 'better-sqlite3';
import path from 'node:path';
import type { EventName, EventPayload } from '../../api/contract';
import type { Handlers } from '../../api/dispatch';
import { WorkstationError } from '../../api/errors';
import type { Analysis, Provenance } from '../../api/schemas';
import type { PhaseMethod, TimelineJob, TimelineJobState, TimelineView } from '../../api/schemas-timeline';
import { SEED_MAX_TOKENS, SEED_PROMPT } from '../../inference/prompt';
import { createAnalysesStore } from '../analysis/analyses-store';
import { workstationKysely } from '../db/workstation-db';
import type { FrameStore } from '../frames/frame-store';
import type { FramesRepo } from '../frames/frames-repo';
import { lockedError } from '../reviews/review-guard';
import { createReviewsStore } from '../reviews/reviews-store';
import { findFfmpeg, type FfmpegTools } from '../videos/ffmpeg-tools';
import { createVideosRepo } from '../videos/videos-repo';
import { NO_FFMPEG_MESSAGE } from './frame-extract';
import { timelineEstimate } from './estimate';
import { intervalPlan } from './sampling';
import { createTimelineRepo, listTimelineSamples } from './timeline-repo';
import { createTimelineRunners, type AnalysisService, type CaptureFrame, type ProgressExtra } from './timeline-runner';

export { TIMELINE_PRIORITY, type CaptureFrame } from './timeline-runner';

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

export type TimelineChannel = 'timeline.start' | 'timeline.pause' | 'timeline.resume' | 'timeline.cancel' | 'timeline.get' | 'timeline.estimate';

/**
 * What "Analyse video" derives phases with unless told otherwise. Measured (npm run bench:timeline, the unit tests):
 * on the generated model neither method names a phase (random text), and the follow-up costs one more model call per
 * sample (+30% time on the tiny model, a whole prompt prefill on the real one); on hand-written answers the matcher
 * names the right phase in 16/16 (tuned) and 5/8 held out, abstaining rather than guessing once. Without a grammar
 * (no engine has one) the follow-up's reply is only read by the same matcher when the fine-tune answers in its
 * trained "Thinking Process / Final Answer" form. So: the matcher, with the follow-up on request ('followup', 'auto').
 */
export const DEFAULT_PHASE_METHOD: PhaseMethod = 'matcher';

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

export function createTimelineService(d: TimelineServiceDeps) {
  const repo = createTimelineRepo(d.db);
  const kdb = workstationKysely(d.db);
  const reviews = createReviewsStore(kdb);
  const videos = createVideosRepo(d.db);
  const analyses = createAnalysesStore(kdb);
  const client = d.analysis.client;
  let closed = false;
  let found: FfmpegTools | null | undefined;
  const ffmpegTools = (): FfmpegTools | null => (found === undefined ? (found = findFfmpeg(d.ffmpeg)) : found);
  const capturedAt = d.db.prepare<[number, number], { id: number }>('SELECT id FROM frames WHERE review_id = ? AND frame_index = ? ORDER BY id LIMIT 1');

  function progress(reviewId: number, extra: ProgressExtra = {}): void {
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
    const review = await reviews.get(reviewId);
    if (review.status === 'final') throw lockedError({ finalised_at: review.finalisedAt, finalised_by: review.finalisedBy, finalised_role: review.finalisedRole }, 'analyse the video');
    const video = videos.get(review.videoId);
    if (video.fileStatus === 'missing') throw new WorkstationError('unavailable', `The video file "${video.fileName}" is not where it was (${video.path}). Re-link it first.`);
    if (!ffmpegTools()) throw new WorkstationError('unavailable', NO_FFMPEG_MESSAGE);
    await d.analysis.ensureLoaded();
  }

  // ------------------------------------------------------------------------------------------------ stored results

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
  async function storedAnalysis(frameId: number): Promise<Analysis | null> {
    for (const a of await analyses.listForFrame(frameId)) {
      if (a.status === 'completed' && a.prompt === SEED_PROMPT && a.params.maxTokens === SEED_MAX_TOKENS && a.provenance.promptLayout !== undefined && sameModel(a.provenance)) return a;
    }
    return null;
  }

  const { runners, startRunner, stop, activeRunner, stopAll } = createTimelineRunners({
    repo,
    reviews,
    videos,
    frames: d.frames,
    store: d.store,
    analysis: d.analysis,
    captureFrame: d.captureFrame,
    ffmpegTools,
    capturedAt: (reviewId, frameIndex) => capturedAt.get(reviewId, frameIndex),
    storedAnalysis,
    progress,
    setState,
  });

  // ------------------------------------------------------------------------------------------------ handlers

  /** A review's timeline job and samples (not-found for an unknown review). */
  async function view(reviewId: number): Promise<TimelineView> {
    await reviews.get(reviewId);
    return { job: repo.job(reviewId), samples: repo.samples(reviewId) };
  }

  const handlers: Pick<Handlers, TimelineChannel> = {
    'timeline.start': async ({ reviewId, everySeconds, sampling, method }) => {
      if (activeRunner(reviewId)) throw new WorkstationError('conflict', 'This video is being analysed already. Pause or cancel that first.');
      await preflight(reviewId);
      const video = videos.get((await reviews.get(reviewId)).videoId);
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
      const video = videos.get((await reviews.get(reviewId)).videoId);
      const scene = (sampling ?? 'interval') === 'scene';
      const plan = scene ? null : intervalPlan(videos.timeline(video.id).pts, video.durationSeconds, everySeconds);
      const samples = plan ? plan.length : Math.max(1, Math.ceil(video.durationSeconds / everySeconds));
      let alreadyDone = 0;
      for (const p of plan ?? []) {
        const f = capturedAt.get(reviewId, p.frameIndex);
        if (f !== undefined && (await storedAnalysis(f.id)) !== null) alreadyDone++;
      }
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
    /** Whether a phase timeline job runs in this process now (work ahead waits for it). */
    running: (): boolean => runners.size > 0,
    /** The stored samples of a review, by time (reports and exports). */
    listTimelineSamples: (reviewId: number) => listTimelineSamples(d.db, reviewId),
    /** Stops the runners without changing their jobs' state, so they continue when the app starts again. */
    async close(): Promise<void> {
      closed = true;
      await stopAll();
    },
  };
}
export type TimelineService = ReturnType<typeof createTimelineService>;
