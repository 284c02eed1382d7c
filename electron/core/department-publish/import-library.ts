// "Moving in": every review of a workstation library published into the department, one after another. Idempotent
// (a review already there as it is here changes nothing and sends no bytes) and resumable (stop it anywhere, run it
// again: what the server holds is kept, a half-sent video resumes from its offset). A review that cannot be published
// (its video file gone, a damaged frame) is reported and the rest go on; cancelling stops the whole import.
import type { LocalLibrary } from './local-library';
import { openLocalLibrary } from './local-library';
import { publishReview, PublishCancelled, type PublishProgress, type PublishResult } from './publish';
import type { DepartmentPublishApi } from './publish-api';

export interface ImportProgress {
  /** 1-based: the review being published, of `reviews`. */
  review: number;
  reviews: number;
  /** That review's own progress. */
  publish: PublishProgress;
  /** Bytes sent by the whole import so far. */
  sentBytes: number;
}

export interface ImportResult {
  reviews: number;
  published: PublishResult[];
  failed: Array<{ localReviewId: number; message: string }>;
  /** Reviews the department had not seen before / that this run changed. */
  created: number;
  changed: number;
  sentBytes: number;
  skippedBytes: number;
}

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /** The frame store's data folder (default: the library file's folder). */
  dataDir?: string;
  /** Largest part of a file per request (default 16 MiB). */
  chunkBytes?: number;
}

/** Publishes every review of an open local library (the desktop's, or one openLocalLibrary opened). */
export async function importReviews(local: LocalLibrary, client: DepartmentPublishApi, o: Omit<ImportOptions, 'dataDir'> = {}): Promise<ImportResult> {
  const ids = local.reviewIds();
  const result: ImportResult = { reviews: ids.length, published: [], failed: [], created: 0, changed: 0, sentBytes: 0, skippedBytes: 0 };
  for (const [i, id] of ids.entries()) {
    if (o.signal?.aborted) throw new PublishCancelled();
    const before = result.sentBytes;
    try {
      const r = await publishReview(local, client, id, {
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.chunkBytes ? { chunkBytes: o.chunkBytes } : {}),
        onProgress: (p) => o.onProgress?.({ review: i + 1, reviews: ids.length, publish: p, sentBytes: before + p.sentBytes }),
      });
      result.published.push(r);
      result.sentBytes += r.sentBytes;
      result.skippedBytes += r.skippedBytes;
      if (r.created) result.created++;
      if (r.changed) result.changed++;
    } catch (err) {
      if (err instanceof PublishCancelled) throw err;
      result.failed.push({ localReviewId: id, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return result;
}

/** Opens a workstation library file and publishes every review in it (see importReviews). */
export async function importLibrary(localDbFile: string, client: DepartmentPublishApi, o: ImportOptions = {}): Promise<ImportResult> {
  const local = openLocalLibrary(localDbFile, o.dataDir ? { dataDir: o.dataDir } : {});
  try {
    const { dataDir: _ignored, ...rest } = o;
    return await importReviews(local, client, rest);
  } finally {
    local.close();
  }
}
