// Schemas for videos, reviews and captured frames (the video review surface).
import { z } from 'zod';
import { Id, ReviewerRole } from './schemas';

/** The stream's colour tags as read (null where it does not say); see colour.ts for how frames are converted. */
export const ColourTagsSchema = z.object({
  matrix: z.string().nullable(),
  primaries: z.string().nullable(),
  transfer: z.string().nullable(),
  fullRange: z.boolean().nullable(),
});

export const VideoProbe = z.object({
  /** What the file is, in words a surgeon understands ("H.264 video in MP4, 1920×1080, 30 fps, 12:04"). */
  summary: z.string(),
  container: z.string(),
  codec: z.string().nullable(),
  /** The RFC 6381 codec string (e.g. avc1.640028), when known. */
  codecString: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  rotation: z.number().int(),
  /** Length from the first frame to the end (not the last timestamp: a recording may start at 10 s). */
  durationSeconds: z.number().nullable(),
  /** The first frame's timestamp: times are shown from it (0 for most files). */
  startSeconds: z.number().nullable(),
  frameCount: z.number().int().nullable(),
  /** Nominal frames per second (median frame duration), when known. */
  fps: z.number().nullable(),
  variableFrameRate: z.boolean(),
  /**
   * Whether it plays, as far as the app can tell without asking the browser (H.264, VP8, VP9, AV1 do everywhere).
   * The renderer asks its own decoder (playback below) and passes the answer to videos.import.
   */
  playable: z.boolean(),
  /**
   * What the renderer asks its decoder about (canPlayType / VideoDecoder.isConfigSupported): the container's MIME
   * type and the codec string. null when the file cannot be played whatever the browser (damaged, no frames…).
   */
  playback: z.object({ mime: z.string(), codecString: z.string().nullable() }).nullable(),
  colour: ColourTagsSchema.nullable(),
  /** Why it cannot be played here and what to do, when it cannot. */
  problem: z.string().nullable(),
  /** True when converting to H.264 with ffmpeg would make it playable (and ffmpeg is available). */
  canConvert: z.boolean(),
  sizeBytes: z.number().int().nonnegative(),
});
export type VideoProbe = z.infer<typeof VideoProbe>;

/** One file of a recording the recorder split in several: where it lies in the joined video. */
export const VideoPart = z.object({
  /** 0-based position in the recording. */
  index: z.number().int().nonnegative(),
  fileName: z.string(),
  /** Absolute path of the part on this machine (never put in reports). */
  path: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  quickHash: z.string(),
  /** The joined video's frame index of the part's first frame. */
  firstFrame: z.number().int().nonnegative(),
  frameCount: z.number().int().nonnegative(),
  /** Where the part starts, from the joined video's first frame (surgery time). */
  startSeconds: z.number(),
  durationSeconds: z.number(),
});
export type VideoPart = z.infer<typeof VideoPart>;

export const Video = z.object({
  id: Id,
  caseId: Id,
  fileName: z.string(),
  /** Absolute path of the file on this machine (never put in reports). */
  path: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** sha256 of size + first and last MiB: identifies a moved file quickly. */
  quickHash: z.string(),
  /** sha256 of the whole file, once hashed (null while it is being hashed). */
  sha256: z.string().nullable(),
  container: z.string(),
  codec: z.string().nullable(),
  codecString: z.string().nullable(),
  width: z.number().int(),
  height: z.number().int(),
  rotation: z.number().int(),
  /** From the first frame to the end. */
  durationSeconds: z.number(),
  /** The first frame's timestamp (media time): every time the app shows is counted from it. */
  startSeconds: z.number(),
  frameCount: z.number().int(),
  fps: z.number(),
  variableFrameRate: z.boolean(),
  colour: ColourTagsSchema,
  /** Set when this file was converted from another (the original is kept untouched). */
  convertedFrom: z.string().nullable(),
  /** 'missing' when the file is no longer at its path (re-link it). */
  fileStatus: z.enum(['ok', 'missing']),
  createdAt: z.string(),
  /** The recorder's files this video was joined from, in order; empty for a video from one file. */
  parts: z.array(VideoPart),
});
export type Video = z.infer<typeof Video>;

/** Presentation timestamps (seconds, ascending) of every frame: frame k is shown from pts[k] to pts[k+1]. */
export const VideoTimeline = z.object({
  videoId: Id,
  pts: z.array(z.number()),
  /** Frame indices of keyframes (where decoding can start). */
  keyframes: z.array(z.number().int().nonnegative()),
  /** From the first frame (pts[0]) to the end of the last frame. */
  durationSeconds: z.number(),
  /** pts[0]: times are shown from it; stored media times stay exact. */
  startSeconds: z.number(),
});
export type VideoTimeline = z.infer<typeof VideoTimeline>;

export const Review = z.object({
  id: Id,
  caseId: Id,
  videoId: Id,
  reviewer: z.string(),
  status: z.enum(['draft', 'final']),
  /** Where the reviewer left off (frame index), to open the review there. */
  lastFrameIndex: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finalisedAt: z.string().nullable(),
  /** Who signed it off (name and role at the time), null while a draft. */
  finalisedBy: z.string().nullable(),
  finalisedRole: ReviewerRole.nullable(),
});
export type Review = z.infer<typeof Review>;

/**
 * What finalising a review would leave behind: blocking items must be dealt with first (analyses still running would
 * change a locked review; the sign-off needs a name and role); warnings are for the reviewer to judge.
 */
export const ChecklistItem = z.object({
  id: z.enum(['identity', 'analyses-running', 'timeline-running', 'untagged-frames', 'empty-segments', 'no-frames']),
  severity: z.enum(['block', 'warn']),
  /** One sentence for the reviewer: what is left, and what to do. */
  message: z.string(),
  /** The frames (indices) or segments (ids) it is about, for the UI to link to. */
  frameIndices: z.array(z.number().int().nonnegative()),
  segmentIds: z.array(Id),
});
export type ChecklistItem = z.infer<typeof ChecklistItem>;
export const ReviewChecklist = z.object({
  reviewId: Id,
  /** True when nothing blocks finalising. */
  ready: z.boolean(),
  items: z.array(ChecklistItem),
  /** Who would sign it off (Settings), as it would be recorded. */
  reviewer: z.string(),
  role: ReviewerRole.nullable(),
});
export type ReviewChecklist = z.infer<typeof ReviewChecklist>;

export const VideoJobProgress = z.object({
  jobId: z.string(),
  kind: z.enum(['import', 'convert', 'join']),
  phase: z.enum(['probing', 'hashing', 'converting', 'joining', 'done', 'failed', 'cancelled']),
  /** 0..1, or null when unknown. */
  progress: z.number().min(0).max(1).nullable(),
  message: z.string().nullable(),
  video: Video.nullable(),
});
export type VideoJobProgress = z.infer<typeof VideoJobProgress>;

/** A video's scrub proxy (short-GOP, reduced-size copy in the data folder for scrubbing and stepping). */
export const VideoProxy = z.object({
  videoId: Id,
  state: z.enum(['none', 'queued', 'making', 'ready', 'failed', 'skipped']),
  /** 0..1 while making. */
  progress: z.number().min(0).max(1).nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  gop: z.number().int().nullable(),
  sizeBytes: z.number().int().nullable(),
  /** Seconds to add to a proxy timestamp to get the video's (the proxy starts at 0; frame k is frame k). */
  timeOffset: z.number().nullable(),
  /** Why it failed or was skipped. */
  message: z.string().nullable(),
});
export type VideoProxy = z.infer<typeof VideoProxy>;

/** The ffmpeg the app runs (conversion, scrub proxies, timeline frames): for About and troubleshooting. */
export const FfmpegInfo = z.object({
  /** null when there is none (then conversion and proxies are unavailable). */
  found: z
    .object({
      source: z.enum(['override', 'bundled', 'system']),
      path: z.string(),
      version: z.string(),
      licence: z.string(),
      h264Encoder: z.boolean(),
      hevcDecoder: z.boolean(),
    })
    .nullable(),
  /** The npm package the app ships ffmpeg in for this platform (null where it ships none). */
  bundledPackage: z.string().nullable(),
});
export type FfmpegInfo = z.infer<typeof FfmpegInfo>;
