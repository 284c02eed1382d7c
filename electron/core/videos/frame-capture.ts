// Storing a captured frame of a review (frames.capture; the phase timeline stores its samples' frames with it): the
// review must be a draft, the frame index and media time inside the video, the PNG at the video's own size; the
// same frame captured twice is stored once, and a timeline sample the reviewer captures becomes theirs.
import type { Database } from 'better-sqlite3';
import crypto from 'node:crypto';
import type { ParsedInput } from '../../api/contract';
import { WorkstationError } from '../../api/errors';
import type { Frame } from '../../api/schemas';
import type { FramesRepo } from '../frames/frames-repo';
import type { createReviewGuard } from '../reviews/review-guard';
import type { ReviewsStore } from '../reviews/reviews-store';
import { checkPrintCopy, pngSize } from './captured-frame';
import type { VideosRepo } from './videos-repo';

export interface FrameCaptureDeps {
  db: Database;
  videos: VideosRepo;
  reviews: Pick<ReviewsStore, 'get'>;
  guard: ReturnType<typeof createReviewGuard>;
  frames: FramesRepo;
  keepPrintCopy?: (sha256: string, size: { width: number; height: number }, jpeg: Uint8Array) => Promise<void>;
}

export function createFrameCapture(d: FrameCaptureDeps) {
  const o = { db: d.db, frames: d.frames, keepPrintCopy: d.keepPrintCopy };
  const { videos, reviews, guard } = d;
  return async function captureFrame({ reviewId, frameIndex, mediaTime, data, printJpeg, origin }: ParsedInput<'frames.capture'>): Promise<Frame> {
    const r = await reviews.get(reviewId);
    guard.draftReview(reviewId, 'capture more frames');
    const v = videos.get(r.videoId);
    if (frameIndex >= v.frameCount) throw new WorkstationError('invalid-argument', `Frame ${frameIndex} does not exist: the video has ${v.frameCount} frames (0–${v.frameCount - 1}).`);
    if (mediaTime > v.startSeconds + v.durationSeconds + 0.001) {
      throw new WorkstationError('invalid-argument', `The media time ${mediaTime.toFixed(3)} s is past the end of the video (${(v.startSeconds + v.durationSeconds).toFixed(3)} s).`);
    }
    const { width, height } = pngSize(data);
    if (width !== v.width || height !== v.height) {
      throw new WorkstationError(
        'invalid-argument',
        `The captured frame is ${width}×${height}, but the video is ${v.width}×${v.height}. Capture the frame at the video's own size, not the size it is shown at.`,
      );
    }
    const printCopy = printJpeg ? checkPrintCopy(printJpeg, width, height, data.byteLength) : null;
    // Capturing the same frame twice in a review gives the frame already stored. (Checked and stored without an
    // await in between, so two captures of one frame cannot both add it.)
    const sha = crypto.createHash('sha256').update(data).digest('hex');
    const same = o.db
      .prepare<[number, number, string], { id: number }>('SELECT id FROM frames WHERE review_id = ? AND frame_index = ? AND sha256 = ? LIMIT 1')
      .get(reviewId, frameIndex, sha);
    // The reviewer capturing a frame the phase timeline had sampled makes it theirs.
    const frame = same
      ? (origin ?? 'capture') === 'capture'
        ? o.frames.markCaptured(same.id)
        : o.frames.get(same.id)
      : o.frames.add({
          caseId: r.caseId,
          sourceName: `${v.fileName} frame ${frameIndex}`,
          data,
          mime: 'image/png',
          width,
          height,
          capture: { reviewId, videoId: v.id, frameIndex, mediaTime, origin: origin ?? 'capture' },
        });
    if (printCopy && o.keepPrintCopy) await o.keepPrintCopy(frame.sha256, printCopy, printJpeg!);
    return frame;
  }
}
