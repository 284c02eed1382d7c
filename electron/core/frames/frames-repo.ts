// Frames: still images and captured video frames, their bytes in the content-addressed frame store.
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import type { Frame, FrameKind } from '../../api/schemas';
import type { FrameStore, ImageMime } from './frame-store';

interface FrameRow {
  id: number;
  case_id: number;
  source_name: string;
  sha256: string;
  mime: ImageMime;
  width: number;
  height: number;
  bytes: number;
  created_at: string;
  origin?: FrameKind;
  review_id?: number | null;
  video_id?: number | null;
  frame_index?: number | null;
  media_time?: number | null;
}

const toFrame = (r: FrameRow): Frame => ({
  id: r.id,
  caseId: r.case_id,
  sourceName: r.source_name,
  sha256: r.sha256,
  mime: r.mime,
  width: r.width,
  height: r.height,
  bytes: r.bytes,
  createdAt: r.created_at,
  kind: r.origin ?? (r.review_id == null ? 'still' : 'capture'),
  reviewId: r.review_id ?? null,
  videoId: r.video_id ?? null,
  frameIndex: r.frame_index ?? null,
  mediaTime: r.media_time ?? null,
});

export function createFramesRepo(db: Database, store: FrameStore) {
  const byId = db.prepare<[number], FrameRow>('SELECT * FROM frames WHERE id = ?');
  function get(id: number): Frame {
    const row = byId.get(id);
    if (!row) throw new WorkstationError('not-found', `Frame ${id} does not exist (it may have been deleted).`);
    return toFrame(row);
  }
  return {
    get,
    /** A case's stills and captured frames (and the phase timeline's samples with `samples`). */
    list(caseId: number, samples = false): Frame[] {
      const sql = `SELECT * FROM frames WHERE case_id = ?${samples ? '' : " AND origin <> 'sample'"} ORDER BY created_at, id`;
      return db.prepare<[number], FrameRow>(sql).all(caseId).map(toFrame);
    },
    /**
     * The file is stored first (content-addressed, idempotent); the row is one transaction. `capture` links a frame
     * captured from a video to its review, video, frame index and media time.
     */
    add(input: {
      caseId: number;
      sourceName: string;
      data: Uint8Array;
      mime: ImageMime;
      width: number;
      height: number;
      capture?: { reviewId: number; videoId: number; frameIndex: number; mediaTime: number; origin?: 'capture' | 'sample' };
    }): Frame {
      const sha = store.put(input.data, input.mime);
      const c = input.capture;
      const id = db.transaction(() =>
        db
          .prepare(
            `INSERT INTO frames (case_id, source_name, sha256, mime, width, height, bytes, created_at, review_id, video_id, frame_index, media_time, origin)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            input.caseId, input.sourceName, sha, input.mime, input.width, input.height, input.data.byteLength, new Date().toISOString(),
            c?.reviewId ?? null, c?.videoId ?? null, c?.frameIndex ?? null, c?.mediaTime ?? null, c ? (c.origin ?? 'capture') : 'still',
          ).lastInsertRowid,
      )();
      return get(Number(id));
    },
    /** The frames of a review by frame index: the reviewer's captures, the timeline's samples, or both. */
    listForReview(reviewId: number, kind?: 'capture' | 'sample'): Frame[] {
      if (kind) return db.prepare<[number, string], FrameRow>('SELECT * FROM frames WHERE review_id = ? AND origin = ? ORDER BY frame_index, id').all(reviewId, kind).map(toFrame);
      return db.prepare<[number], FrameRow>('SELECT * FROM frames WHERE review_id = ? ORDER BY frame_index, id').all(reviewId).map(toFrame);
    },
    /**
     * The reviewer's captured frames in reviews still open to analysis (drafts), most recently captured first; only
     * `reviewId`'s when given. Work ahead encodes these while the model is idle.
     */
    recentCaptures(limit: number, reviewId?: number): Frame[] {
      const where = "f.origin = 'capture' AND r.status = 'draft'" + (reviewId === undefined ? '' : ' AND f.review_id = ?');
      const sql = `SELECT f.* FROM frames f JOIN reviews r ON r.id = f.review_id WHERE ${where} ORDER BY f.id DESC LIMIT ?`;
      const args = reviewId === undefined ? [limit] : [reviewId, limit];
      return db.prepare<number[], FrameRow>(sql).all(...args).map(toFrame);
    },
    /** The reviewer captured a frame the timeline had sampled: it is theirs now (the sample still points at it). */
    markCaptured(id: number): Frame {
      db.prepare("UPDATE frames SET origin = 'capture' WHERE id = ? AND origin = 'sample'").run(id);
      return get(id);
    },
    delete(id: number): void {
      const frame = get(id);
      db.transaction(() => db.prepare('DELETE FROM frames WHERE id = ?').run(id))();
      const stillUsed = db.prepare('SELECT 1 FROM frames WHERE sha256 = ? LIMIT 1').get(frame.sha256);
      if (!stillUsed) store.remove(frame.sha256, frame.mime);
    },
    /** The stored file for a sha256 the library knows (for media:// and the host), or null. */
    findBySha(sha: string): { sha256: string; mime: ImageMime } | null {
      const row = db.prepare<[string], { sha256: string; mime: ImageMime }>('SELECT sha256, mime FROM frames WHERE sha256 = ? LIMIT 1').get(sha);
      return row ?? null;
    },
  };
}
export type FramesRepo = ReturnType<typeof createFramesRepo>;
