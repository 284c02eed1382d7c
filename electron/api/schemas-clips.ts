// Schemas for teaching clips: a range of a review's video written as an H.264 MP4 with the review's annotations
// drawn on it (electron/core/clips/). Part of the contract; imports nothing but zod and ./schemas.
import { z } from 'zod';
import { Id } from './schemas';

/** A region of the picture in normalised coordinates (0..1 of the width and height), as annotations are stored. */
export const NormalisedRect = z
  .object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1), w: z.number().gt(0).max(1), h: z.number().gt(0).max(1) })
  .strict()
  .refine((r) => r.x + r.w <= 1.000001 && r.y + r.h <= 1.000001, 'The region must lie inside the picture.');
export type NormalisedRect = z.infer<typeof NormalisedRect>;

export const CLIP_SPEEDS = [1, 0.5, 0.25] as const;
export const ClipCaption = z.enum(['none', 'phase', 'timecode', 'both']);
export type ClipCaption = z.infer<typeof ClipCaption>;

export const ClipOptions = z
  .object({
    /** The first frame of the range (frame index of the review's video). */
    fromFrame: z.number().int().nonnegative(),
    /** The last frame of the range, included. */
    toFrame: z.number().int().nonnegative(),
    /** How long each annotation stays drawn from its frame, in seconds of the video (0: on its frame only). */
    holdSeconds: z.number().min(0, 'The hold cannot be negative.').max(60, 'Hold an annotation at most 60 s.').default(2),
    /** A still of each annotated frame this long, with its drawings (0: none; the clip is then the range exactly). */
    freezeSeconds: z.number().min(0, 'The freeze cannot be negative.').max(30, 'Freeze at most 30 s.').default(0),
    /** A caption along the bottom: the phase segment's name, the video's time, both, or none. */
    caption: ClipCaption.default('none'),
    /** 1: real time; 0.5 and 0.25: slow motion (every frame kept, each shown longer). */
    speed: z.union([z.literal(1), z.literal(0.5), z.literal(0.25)]).default(1),
    /** Keep the recording's sound (off by default: a clip of surgery rarely needs the theatre's sound). */
    audio: z.boolean().default(false),
    /** Regions blacked out on every frame (a patient label burned into the picture). */
    redact: z.array(NormalisedRect).max(8).default([]),
  })
  .strict()
  .refine((o) => o.toFrame >= o.fromFrame, { message: 'The range ends before it starts: the last frame must be at or after the first.', path: ['toFrame'] })
  .refine((o) => !(o.audio && (o.freezeSeconds > 0 || o.speed !== 1)), {
    message: 'Sound can only be kept in a real-time clip without freezes; turn off the sound, the freezes or the slow motion.',
    path: ['audio'],
  });
export type ClipOptions = z.infer<typeof ClipOptions>;
export type ClipOptionsInput = z.input<typeof ClipOptions>;

export const ClipJobState = z.enum(['running', 'completed', 'failed', 'cancelled']);

export const ClipProgress = z.object({
  jobId: z.string(),
  reviewId: Id,
  state: ClipJobState,
  /** What it is doing now, in words ("Encoding frame 40 of 150"). */
  step: z.string(),
  /** 0..1. */
  progress: z.number().min(0).max(1),
  /** Why it failed or was cancelled, for the reviewer. */
  message: z.string().nullable(),
  /** The file written, once completed. */
  file: z.string().nullable(),
  /** Frames in the clip and its length, once completed. */
  frames: z.number().int().nonnegative().nullable(),
  durationSeconds: z.number().nonnegative().nullable(),
});
export type ClipProgress = z.infer<typeof ClipProgress>;
