// The link's publisher: "Publish to department" of one review of this workstation's open library, through the
// signed-in department client (department-publish/publish.ts does the work: files by hash, resumable, then one
// idempotent publish), its progress folded into the phases the review screen shows.
import type { Database } from 'better-sqlite3';
import type { DepartmentPublishApi } from '../department-publish/publish-api';
import { localLibraryOver, type LocalLibrary } from '../department-publish/local-library';
import { publishReview, type PublishProgress } from '../department-publish/publish';
import type { FrameStore } from '../frames/frame-store';
import type { DepartmentSession, Publisher, PublishStep } from './department-link';

function step(p: PublishProgress): PublishStep {
  const phase: PublishStep['phase'] =
    p.phase === 'hashing' ? 'hashing' : p.phase === 'checking' ? 'checking' : p.phase === 'uploading' ? (p.current?.kind === 'frame' ? 'frames' : 'video') : 'review';
  return { phase, sentBytes: p.sentBytes, totalBytes: p.totalBytes };
}

const total = (c: { created: number; updated: number; unchanged: number }) => c.created + c.updated + c.unchanged;

export function publisherOver<S extends DepartmentSession & DepartmentPublishApi>(db: Database, frames: FrameStore): Publisher<S> {
  // Made at the first publish: it gives this library its department source id (one settings row) on first use.
  let local: LocalLibrary | null = null;
  return async (session, localReviewId, { signal, onProgress }) => {
    local ??= localLibraryOver(db, frames);
    const r = await publishReview(local, session, localReviewId, { signal, onProgress: (p) => onProgress(step(p)) });
    return {
      departmentReviewId: r.reviewId,
      created: r.created,
      changed: r.changed,
      bytesSent: r.sentBytes,
      videoSent: r.video.sentBytes > 0,
      frames: total(r.frames),
      annotations: total(r.annotations),
      notes: total(r.notes),
      tags: total(r.tags),
    };
  };
}
