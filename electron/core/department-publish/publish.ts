// "Publish to department": one workstation review, with its video, frames, annotations, analyses, notes and tags, into the
// department library. Files go first, by sha256: the server is asked what it holds, a file it has is not sent again,
// a file it holds part of is resumed from its offset, the rest is streamed in parts (a part a proxy will carry, each
// acknowledged with the offset the server now holds). Then one idempotent publish call: the server writes the review
// in one transaction, or nothing. Cancelling stops the stream at once; the server keeps only the partial file, from
// which the next publish resumes.
import fs from 'node:fs';
import { WorkstationError } from '../../api/errors';
import { HashCancelled, sha256WithProgress } from '../videos/hashing';
import type { LocalLibrary, LocalReview } from './local-library';
import type { DepartmentPublishApi, MediaPart, MediaStatus, PublishOutcome, PublishPayload } from './publish-api';

export type PublishPhase = 'hashing' | 'checking' | 'uploading' | 'publishing' | 'done';

export interface PublishProgress {
  phase: PublishPhase;
  /** The review on this workstation. */
  localReviewId: number;
  /** Bytes sent to the server so far by this publish. */
  sentBytes: number;
  /** Bytes this publish has to send (what the server lacked); 0 until the server has been asked. */
  totalBytes: number;
  /** Bytes the server already held (whole files, or the received part of an interrupted upload): not sent. */
  skippedBytes: number;
  /** While hashing the video: the fraction read (0..1). */
  hashed?: number;
  /** The file being sent. */
  current?: { kind: 'video' | 'frame'; sha256: string; name: string };
}

export interface PublishResult extends PublishOutcome {
  localReviewId: number;
  sentBytes: number;
  skippedBytes: number;
  video: { sha256: string; bytes: number; sentBytes: number };
}

export interface PublishOptions {
  signal?: AbortSignal;
  onProgress?: (progress: PublishProgress) => void;
  /** Largest part of a file per request (default 16 MiB). */
  chunkBytes?: number;
}

/** The publish was cancelled: nothing was published; what was uploaded stays on the server to resume from. */
export class PublishCancelled extends WorkstationError {
  constructor() {
    super('cancelled', 'Publishing was cancelled. Nothing was published; what was already uploaded is kept, and publishing again resumes from there.');
    this.name = 'PublishCancelled';
  }
}

const DEFAULT_CHUNK = 16 * 1024 * 1024;

const DROPPED = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED']);

/** A refusal or failure after which asking the server where it stands, and going on, makes sense. */
function retryable(err: unknown): boolean {
  const e = err as { status?: number; code?: string };
  return e.status === 409 || e.status === 503 || (typeof e.code === 'string' && DROPPED.has(e.code));
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

interface Upload {
  kind: 'video' | 'frame';
  sha256: string;
  name: string;
  bytes: number;
  source: () => MediaPart['source'];
}

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return Boolean(signal?.aborted) || err instanceof HashCancelled || (err instanceof Error && err.name === 'AbortError');
}

async function videoSha256(review: LocalReview, o: PublishOptions, report: (hashed: number) => void): Promise<string> {
  const v = review.video;
  let size: number;
  try {
    size = (await fs.promises.stat(v.path)).size;
  } catch {
    throw new WorkstationError('not-found', `The video of this review (${v.fileName}) is not at ${v.path} any more. Put it back (or relink it in the app) and publish again.`);
  }
  if (size !== v.sizeBytes) {
    throw new WorkstationError('unsupported-input', `The video file ${v.path} is ${size} bytes, not the ${v.sizeBytes} it had when it was imported: it has changed. Nothing was published.`);
  }
  return v.sha256 ?? sha256WithProgress(v.path, o.signal ?? new AbortController().signal, report);
}

/** Publishes one local review to the department (see the file comment); idempotent, resumable, cancellable. */
export async function publishReview(local: LocalLibrary, client: DepartmentPublishApi, localReviewId: number, o: PublishOptions = {}): Promise<PublishResult> {
  const { signal } = o;
  const chunk = o.chunkBytes ?? DEFAULT_CHUNK;
  const progress: PublishProgress = { phase: 'hashing', localReviewId, sentBytes: 0, totalBytes: 0, skippedBytes: 0 };
  const report = (patch: Partial<PublishProgress>) => {
    Object.assign(progress, patch);
    o.onProgress?.({ ...progress, ...(progress.current ? { current: { ...progress.current } } : {}) });
  };
  const stopIfCancelled = () => {
    if (signal?.aborted) throw new PublishCancelled();
  };
  try {
    stopIfCancelled();
    const review = local.review(localReviewId);
    const videoSha = await videoSha256(review, o, (hashed) => report({ hashed }));
    stopIfCancelled();

    const uploads: Upload[] = [{ kind: 'video', sha256: videoSha, name: review.video.fileName, bytes: review.video.sizeBytes, source: () => ({ file: review.video.path }) }];
    const seen = new Set([videoSha]);
    for (const f of review.frames) {
      if (seen.has(f.sha256)) continue;
      seen.add(f.sha256);
      uploads.push({ kind: 'frame', sha256: f.sha256, name: `frame ${f.frameIndex}`, bytes: f.bytes, source: () => ({ bytes: local.readFrame(f) }) });
    }

    report({ phase: 'checking', hashed: undefined });
    const statuses = new Map<string, MediaStatus>();
    for (let i = 0; i < uploads.length; i += 5000) {
      for (const s of await client.mediaStatuses(uploads.slice(i, i + 5000).map((u) => u.sha256))) statuses.set(s.sha256, s);
    }
    const held = (u: Upload) => {
      const s = statuses.get(u.sha256);
      if (!s) return 0;
      return s.complete ? u.bytes : s.size === u.bytes ? s.received : 0;
    };
    const skipped = uploads.reduce((n, u) => n + held(u), 0);
    report({ phase: 'uploading', totalBytes: uploads.reduce((n, u) => n + u.bytes, 0) - skipped, skippedBytes: skipped });

    let videoSent = 0;
    for (const u of uploads) {
      if (statuses.get(u.sha256)?.complete) continue;
      stopIfCancelled();
      report({ current: { kind: u.kind, sha256: u.sha256, name: u.name } });
      const source = u.source();
      let offset = held(u);
      let refreshed = 0;
      while (offset < u.bytes) {
        const end = Math.min(offset + chunk, u.bytes);
        let status: MediaStatus;
        try {
          status = await client.uploadMedia(u.sha256, { source, start: offset, end, total: u.bytes }, {
            ...(signal ? { signal } : {}),
            onBytes: (n) => {
              if (u.kind === 'video') videoSent += n;
              report({ sentBytes: progress.sentBytes + n });
            },
          });
        } catch (err) {
          // The server holds another offset (a part that arrived twice, a request of ours it is still finishing after a
          // cancel, another upload of the same file), or the connection dropped (the server may have answered before
          // reading the part, or restarted): ask, wait while it is busy, and go on from where it is.
          if (!signal?.aborted && retryable(err) && refreshed++ < 40) {
            const [now] = await client.mediaStatuses([u.sha256]);
            if (now?.complete) break;
            if (now?.uploading || (err as { status?: number }).status !== 409) await pause(250, signal);
            offset = now && now.size === u.bytes ? now.received : 0;
            continue;
          }
          throw err;
        }
        if (status.complete) break;
        if (status.received <= offset) throw new WorkstationError('internal', `The server did not take the part of ${u.name} it was sent (it holds ${status.received} bytes). Try again.`);
        offset = status.received;
      }
    }
    report({ current: undefined });
    stopIfCancelled();

    report({ phase: 'publishing' });
    const payload: PublishPayload = {
      source: { library: local.sourceId, reviewId: review.id },
      title: `${review.caseCode} — ${review.reviewer}`.slice(0, 200),
      review: { caseCode: review.caseCode, reviewer: review.reviewer, status: review.status, finalisedBy: review.finalisedBy },
      video: {
        sha256: videoSha,
        fileName: review.video.fileName,
        bytes: review.video.sizeBytes,
        mime: review.video.mime,
        durationSeconds: review.video.durationSeconds,
        fps: review.video.fps && review.video.fps > 0 ? review.video.fps : null,
        width: review.video.width || null,
        height: review.video.height || null,
      },
      frames: review.frames.map((f) => ({ sourceId: f.id, frameIndex: f.frameIndex, mediaTime: f.mediaTime, sha256: f.sha256, mime: f.mime, bytes: f.bytes, width: f.width, height: f.height })),
      annotations: review.annotations,
      analyses: review.analyses,
      notes: review.notes,
      tags: review.tags,
    };
    const outcome = await client.publish(payload);
    report({ phase: 'done' });
    return { ...outcome, localReviewId, sentBytes: progress.sentBytes, skippedBytes: progress.skippedBytes, video: { sha256: videoSha, bytes: review.video.sizeBytes, sentBytes: videoSent } };
  } catch (err) {
    if (!(err instanceof PublishCancelled) && isAbort(err, signal)) throw new PublishCancelled();
    throw err;
  }
}
