// Teaching clips: a range of a review's video as an MP4 with the review's annotations drawn on it, each from its
// frame for the chosen hold (clips.export / clips.cancel, progress as clips.progress; the export CLI calls
// writeClip). Reads the review as its report does (the same de-identified document: no names, no file names), so
// the drawings are the report's. Written to a temporary name beside the target, checked (its frame count is the
// plan's, read back from the file), synced and renamed; a failure or a cancel leaves nothing behind.
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decideColour } from '../../api/colour';
import { WorkstationError } from '../../api/errors';
import { ClipOptions, type ClipOptionsInput, type ClipProgress } from '../../api/schemas-clips';
import { ffmpegDetails, type FfmpegTools } from '../ffmpeg/ffmpeg-binary';
import { syncFile } from '../fs/sync-file';
import { annotationOverlaySvg } from '../reports/annotation-svg';
import { reportBaseName, type PreparedReport, type ReviewSource } from '../reports/report-service';
import { readWithMediabunny } from '../videos/media-read';
import { planClip } from './clip-plan';
import { renderClip } from './clip-render';
import { captionFont } from './filter-text';

export interface ClipServiceDeps {
  source: Pick<ReviewSource, 'review' | 'video'>;
  /** The review's report document with the report's default (de-identified) fields. */
  prepare(reviewId: number): Promise<Pick<PreparedReport, 'doc'>>;
  /** The video's frame table. */
  timeline(videoId: number): { pts: readonly number[] };
  ffmpeg(): FfmpegTools | null;
  emit(name: 'clips.progress', payload: ClipProgress): void;
}

export interface ClipResult {
  file: string;
  frames: number;
  durationSeconds: number;
}

export interface WriteClipOptions {
  signal?: AbortSignal;
  overwrite?: boolean;
  onProgress?(step: string, fraction: number): void;
}

const FFMPEG_HINT =
  'Install ffmpeg (Debian/Ubuntu: sudo apt install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) and restart the app, or set WORKSTATION_FFMPEG to its path.';

const cancelledError = () => new WorkstationError('cancelled', 'The clip was cancelled. Nothing was written.');

export function createClipService(d: ClipServiceDeps) {
  const jobs = new Map<string, { controller: AbortController; done: Promise<void> }>();

  function checkedTools(): FfmpegTools {
    const tools = d.ffmpeg();
    if (!tools) throw new WorkstationError('unavailable', `Teaching clips are made with ffmpeg, and none was found. ${FFMPEG_HINT}`);
    if (ffmpegDetails(tools)?.h264Encoder === false) {
      throw new WorkstationError('unavailable', `The ffmpeg found (${tools.ffmpeg}) cannot write H.264 (it has no libx264), so it cannot make a clip that plays everywhere. ${FFMPEG_HINT}`);
    }
    return tools;
  }

  /** Writes the clip to `target` (a file path; its folder must exist). */
  async function writeClip(reviewId: number, input: ClipOptionsInput, target: string, w: WriteClipOptions = {}): Promise<ClipResult> {
    const parsed = ClipOptions.safeParse(input);
    if (!parsed.success) throw new WorkstationError('invalid-argument', parsed.error.issues.map((i) => i.message).join(' '));
    const options = parsed.data;
    const signal = w.signal ?? new AbortController().signal;
    const step = w.onProgress ?? (() => {});
    const review = await d.source.review(reviewId);
    const video = d.source.video(review.videoId);
    if (video.fileStatus === 'missing') throw new WorkstationError('not-found', `The video file of this review is missing (${video.fileName}). Re-link it in the review, then make the clip.`);
    if (options.toFrame >= video.frameCount) {
      throw new WorkstationError('invalid-argument', `Frame ${options.toFrame} does not exist: the video has ${video.frameCount} frames (0–${video.frameCount - 1}).`);
    }
    const tools = checkedTools();
    const font = options.caption === 'none' ? null : captionFont();
    if (options.caption !== 'none' && !font) {
      throw new WorkstationError('unavailable', 'No font for the caption was found on this computer (DejaVu Sans, Liberation Sans or Arial). Install one, or make the clip without a caption.');
    }
    if (!w.overwrite && fs.existsSync(target)) throw new WorkstationError('conflict', `${target} already exists.`);

    step('Reading the review', 0);
    const { doc } = await d.prepare(reviewId);
    const frames = doc.frames.filter((f) => f.frameIndex !== null && f.annotations.length > 0);
    const overlaySvg = new Map(frames.map((f) => [String(f.id), annotationOverlaySvg(f.annotations, video.width, video.height)]));
    const plan = planClip({
      fromFrame: options.fromFrame,
      toFrame: options.toFrame,
      fps: video.fps,
      holdSeconds: options.holdSeconds,
      freezeSeconds: options.freezeSeconds,
      annotated: frames.map((f) => ({ frameIndex: f.frameIndex!, key: String(f.id) })),
      segments: doc.segments.map((s) => ({ startFrame: s.startFrame, endFrame: s.endFrame, label: s.displayLabel })),
    });
    const { pts } = d.timeline(video.id);
    const hasAudio = options.audio ? ((await readWithMediabunny(video.path, { signal }, false))?.hasAudio ?? false) : false;
    if (options.audio && !hasAudio) throw new WorkstationError('invalid-argument', 'This recording has no sound to keep; make the clip without sound.');

    const folder = path.dirname(target);
    const temp = path.join(folder, `.${path.basename(target)}.${crypto.randomBytes(4).toString('hex')}.partial`);
    const workDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'workstation-clip-'));
    try {
      await renderClip({
        ffmpeg: tools.ffmpeg,
        file: video.path,
        pts,
        startSeconds: video.startSeconds,
        durationSeconds: video.durationSeconds,
        width: video.width,
        height: video.height,
        rotation: video.rotation,
        fps: video.fps,
        colour: decideColour(video.colour, video.width, video.height),
        hasAudio,
        options,
        plan,
        overlaySvg,
        font,
        workDir,
        output: temp,
        signal,
        cancelled: cancelledError,
        onProgress: (done, total) => step(`Encoding frame ${done} of ${total}`, 0.05 + 0.9 * (done / total)),
      });
      step('Checking the clip', 0.96);
      const read = await readWithMediabunny(temp, { signal }, true);
      const got = read?.timeline?.pts.length ?? 0;
      if (got !== plan.frames) throw new WorkstationError('internal', `The clip came out with ${got} frames instead of ${plan.frames}; it was not kept.`);
      if (signal.aborted) throw cancelledError();
      syncFile(temp);
      if (!w.overwrite && fs.existsSync(target)) throw new WorkstationError('conflict', `${target} already exists.`);
      await fsp.rename(temp, target);
      return { file: target, frames: got, durationSeconds: read!.timeline!.durationSeconds };
    } catch (err) {
      await fsp.rm(temp, { force: true });
      if (signal.aborted) throw cancelledError();
      throw err;
    } finally {
      await fsp.rm(workDir, { recursive: true, force: true });
    }
  }

  /** The first free clip name in the folder. */
  function freeName(folder: string, base: string): string {
    for (let i = 1; ; i++) {
      const name = `${base}${i === 1 ? '' : `-${i}`}.mp4`;
      if (!fs.existsSync(path.join(folder, name))) return path.join(folder, name);
    }
  }

  async function startExport(req: { reviewId: number; folder: string; options: ClipOptionsInput }): Promise<{ jobId: string }> {
    const folder = path.resolve(req.folder);
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new WorkstationError('not-found', `The folder ${folder} does not exist. Choose an existing folder.`);
    const review = await d.source.review(req.reviewId); // a clear error now, not an event later
    const parsed = ClipOptions.safeParse(req.options);
    if (!parsed.success) throw new WorkstationError('invalid-argument', parsed.error.issues.map((i) => i.message).join(' '));
    checkedTools();
    const jobId = `clip-${crypto.randomUUID()}`;
    const controller = new AbortController();
    const emit = (p: Omit<ClipProgress, 'jobId' | 'reviewId'>) => d.emit('clips.progress', { jobId, reviewId: review.id, ...p });
    const run = async () => {
      emit({ state: 'running', step: 'Reading the review', progress: 0, message: null, file: null, frames: null, durationSeconds: null });
      try {
        const { doc } = await d.prepare(review.id);
        const target = freeName(folder, `${reportBaseName(doc)}-frames-${parsed.data.fromFrame}-${parsed.data.toFrame}`);
        const r = await writeClip(review.id, parsed.data, target, {
          signal: controller.signal,
          onProgress: (step, fraction) => emit({ state: 'running', step, progress: fraction, message: null, file: null, frames: null, durationSeconds: null }),
        });
        emit({ state: 'completed', step: 'Done', progress: 1, message: null, file: r.file, frames: r.frames, durationSeconds: r.durationSeconds });
      } catch (err) {
        const e = err instanceof WorkstationError ? err : new WorkstationError('internal', `The clip could not be made: ${(err as Error).message}`);
        if (e.code === 'cancelled') emit({ state: 'cancelled', step: 'Cancelled', progress: 0, message: e.message, file: null, frames: null, durationSeconds: null });
        else emit({ state: 'failed', step: 'Failed', progress: 0, message: e.message, file: null, frames: null, durationSeconds: null });
      }
    };
    const done = run().finally(() => jobs.delete(jobId));
    jobs.set(jobId, { controller, done });
    return { jobId };
  }

  return {
    writeClip,
    startExport,
    /** Waits for a job (tests). */
    async waitFor(jobId: string): Promise<void> {
      await jobs.get(jobId)?.done;
    },
    handlers: {
      'clips.export': (req: { reviewId: number; folder: string; options: ClipOptionsInput }) => startExport(req),
      'clips.cancel': ({ jobId }: { jobId: string }) => {
        const job = jobs.get(jobId);
        if (!job) return { cancelled: false };
        job.controller.abort();
        return { cancelled: true };
      },
    },
    async close(): Promise<void> {
      for (const job of jobs.values()) job.controller.abort();
      await Promise.all([...jobs.values()].map((j) => j.done.catch(() => {})));
    },
  };
}
export type ClipService = ReturnType<typeof createClipService>;
