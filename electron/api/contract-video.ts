// Contract channels and events for videos, reviews and captured frames. Spread into contract.ts.
import { z } from 'zod';
import { Frame, FrameKind, Id } from './schemas';
import { FfmpegInfo, Review, ReviewChecklist, Video, VideoJobProgress, VideoProbe, VideoProxy, VideoTimeline } from './schemas-video';

const filePath = z.string().trim().min(1, 'Enter the path of the video file.').max(4096);
const jobId = z.string().min(1).max(100);
const png = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'Expected the captured frame (PNG bytes).' });
const jpeg = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'Expected the print copy (JPEG bytes).' });

export const videoRequests = {
  /** What a file is and whether it plays here, before importing it. */
  'videos.probe': { input: z.object({ path: filePath }).strict(), output: VideoProbe },
  /** Probes, hashes and registers the file in place (never copied); progress as videos.jobProgress. */
  /**
   * `playsHere`: the renderer's own decoder's answer for the probe's playback types (canPlayType and
   * VideoDecoder.isConfigSupported in this app's Chromium); without it the app's static guess decides.
   */
  'videos.import': { input: z.object({ caseId: Id, path: filePath, playsHere: z.boolean().optional() }).strict(), output: z.object({ jobId: z.string() }) },
  /**
   * One surgery the recorder split in several files: checks they are one recording, joins them in order (no
   * re-encoding) into one video in the data folder and imports it with where each part lies (Video.parts).
   */
  'videos.importParts': {
    input: z
      .object({
        caseId: Id,
        paths: z.array(filePath).min(2, 'A recording in parts needs at least two files.').max(100, 'A recording can be joined from at most 100 parts.'),
        playsHere: z.boolean().optional(),
      })
      .strict(),
    output: z.object({ jobId: z.string() }),
  },
  /** Converts an unplayable file to H.264 (original untouched) and imports the result. */
  'videos.convert': { input: z.object({ caseId: Id, path: filePath }).strict(), output: z.object({ jobId: z.string() }) },
  'videos.cancelJob': { input: z.object({ jobId }).strict(), output: z.object({ cancelled: z.boolean() }) },
  'videos.list': { input: z.object({ caseId: Id }).strict(), output: z.array(Video) },
  'videos.get': { input: z.object({ id: Id }).strict(), output: Video },
  'videos.timeline': { input: z.object({ id: Id }).strict(), output: VideoTimeline },
  /** Points a video whose file moved at its new path (same size and quick hash required). */
  'videos.relink': { input: z.object({ id: Id, path: filePath }).strict(), output: Video },
  'videos.remove': { input: z.object({ id: Id }).strict(), output: z.object({ ok: z.literal(true) }) },
  /** The video's scrub proxy: its state (made in the background after import). */
  'videos.proxy': { input: z.object({ id: Id }).strict(), output: VideoProxy },
  /** Makes the scrub proxy (again) in the background; progress as videos.proxyProgress. */
  'videos.makeProxy': { input: z.object({ id: Id }).strict(), output: VideoProxy },
  /** The ffmpeg the app runs: where it comes from, its version and licence, the codecs the app needs from it. */
  'videos.tools': { input: z.object({}).strict(), output: FfmpegInfo },

  /** Opens the reviewer's review of this video in this case, starting one if there is none. */
  'reviews.open': { input: z.object({ caseId: Id, videoId: Id }).strict(), output: Review },
  'reviews.get': { input: z.object({ id: Id }).strict(), output: Review },
  'reviews.list': { input: z.object({ caseId: Id }).strict(), output: z.array(Review) },
  /** Where the reviewer left off. (Finalising and reopening have their own channels, with their checks and audit.) */
  'reviews.update': { input: z.object({ id: Id, lastFrameIndex: z.number().int().nonnegative().optional() }).strict(), output: Review },
  /** What finalising would leave behind: blocking items (running analyses, no name or role) and warnings. */
  'reviews.checklist': { input: z.object({ id: Id }).strict(), output: ReviewChecklist },
  /** Locks the review under the reviewer's name and role (refused while anything blocks it); audited. */
  'reviews.finalise': { input: z.object({ id: Id }).strict(), output: Review },
  /** Unlocks a finalised review for changes; the reason is kept in the audit log. */
  'reviews.reopen': {
    input: z
      .object({ id: Id, reason: z.string().trim().min(1, 'Give a reason for reopening the review (it is kept in the audit log).').max(1000, 'A reason has at most 1,000 characters.') })
      .strict(),
    output: Review,
  },

  /** Stores the exact frame on screen (lossless PNG at native resolution) in the review. */
  'frames.capture': {
    input: z
      .object({
        reviewId: Id,
        frameIndex: z.number().int().nonnegative(),
        mediaTime: z.number().nonnegative(),
        data: png.refine((b) => b.byteLength <= 64 * 1024 * 1024, 'A captured frame may be at most 64 MB.'),
        /**
         * The frame's print copy for reports (print-size.ts: JPEG at printSize of the PNG), made by the renderer from
         * the same pixels so the first export need not make it. Optional; checked, then kept in the report cache.
         */
        printJpeg: jpeg.refine((b) => b.byteLength <= 16 * 1024 * 1024, 'A print copy may be at most 16 MB.').optional(),
        /** Who took it: the reviewer ('capture', the default) or the phase timeline ('sample'). */
        origin: z.enum(['capture', 'sample']).optional(),
      })
      .strict(),
    output: Frame,
  },
  /** The review's frames by index; `kind` picks the reviewer's captures or the timeline's samples (default both). */
  'frames.listForReview': { input: z.object({ reviewId: Id, kind: FrameKind.exclude(['still']).optional() }).strict(), output: z.array(Frame) },
} as const;

export const videoEvents = {
  'videos.jobProgress': VideoJobProgress,
  'videos.proxyProgress': VideoProxy,
} as const;
