// Schemas for the phase timeline: a review's video analysed every N seconds (or at scene changes), one stored
// sample per analysed frame with the Cataract-1K phase derived from the model's text.
import { z } from 'zod';
import { Id } from './schemas';

/** running: working (or waiting for the app to start again); paused: stopped by the reviewer, resumable. */
export const TimelineJobState = z.enum(['running', 'paused', 'cancelled', 'done', 'failed']);
export type TimelineJobState = z.infer<typeof TimelineJobState>;

/** interval: a frame every N seconds; scene: the first frame and each scene change (ffmpeg's scene score > 0.3). */
export const TimelineSampling = z.enum(['interval', 'scene']);
export type TimelineSampling = z.infer<typeof TimelineSampling>;

/**
 * How a sample's phase is derived from the model: matcher = the taxonomy matcher on the analysis text (no extra
 * model call); followup = a second short question listing the Cataract-1K phases, its reply matched to the list;
 * auto = the matcher, and the follow-up only when the matcher names no phase.
 */
export const PhaseMethod = z.enum(['matcher', 'followup', 'auto']);
export type PhaseMethod = z.infer<typeof PhaseMethod>;

export const TimelineSample = z.object({
  id: Id,
  reviewId: Id,
  /** Position in the job's plan (0-based). */
  sampleIndex: z.number().int().nonnegative(),
  /** The sample time (seconds) and the frame shown at that time (by the video's frame table). */
  time: z.number().nonnegative(),
  frameIndex: z.number().int().nonnegative(),
  /** The stored frame and its analysis (null only if they were deleted afterwards). */
  frameId: Id.nullable(),
  analysisId: Id.nullable(),
  /** A Cataract-1K phase id, or null when the model's text named none. */
  phase: z.string().nullable(),
  /** Which method gave the phase (for auto: the one that decided). */
  method: z.enum(['matcher', 'followup']),
  /** 0..1: the phase's share of the matched evidence (matcher), or how cleanly the reply named one phase (follow-up). */
  confidence: z.number().min(0).max(1).nullable(),
  /** The words that matched (matcher) or the follow-up's reply, for the reviewer to judge. */
  matched: z.array(z.string()),
  createdAt: z.string(),
});
export type TimelineSample = z.infer<typeof TimelineSample>;

export const TimelineJob = z.object({
  reviewId: Id,
  state: TimelineJobState,
  sampling: TimelineSampling,
  everySeconds: z.number().positive(),
  method: PhaseMethod,
  /** Samples planned, and stored so far. */
  total: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  /** The plan position the job continues from. */
  nextSample: z.number().int().nonnegative(),
  /** Why it stopped or failed, or what it is doing (e.g. finding scene changes). */
  message: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type TimelineJob = z.infer<typeof TimelineJob>;

export const TimelineView = z.object({
  job: TimelineJob.nullable(),
  /** Stored samples, by time. */
  samples: z.array(TimelineSample),
});
export type TimelineView = z.infer<typeof TimelineView>;

export const TimelineProgress = z.object({
  reviewId: Id,
  state: TimelineJobState,
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Seconds left at this run's pace; null until one sample is done or when not running. */
  etaSeconds: z.number().nonnegative().nullable(),
  message: z.string().nullable(),
  /** The sample just stored, when this event is for one. */
  sample: TimelineSample.nullable(),
});
export type TimelineProgress = z.infer<typeof TimelineProgress>;

/** What "Analyse video" would take, before it starts: how many samples, and how long on this computer. */
export const TimelineEstimate = z.object({
  samples: z.number().int().nonnegative(),
  /** Scene sampling: the count is a most (one per interval where the picture changes). */
  atMost: z.boolean(),
  /** Samples already analysed by this model (kept, not run again). */
  alreadyDone: z.number().int().nonnegative(),
  /** Per sample and in all (null before any analysis has run with this model on this computer). */
  perSampleMs: z.number().nullable(),
  totalMs: z.number().nullable(),
  basedOn: z.number().int().nonnegative(),
  onCpu: z.boolean(),
});
export type TimelineEstimate = z.infer<typeof TimelineEstimate>;
