// Reviews: one per reviewer per video in a case. Everything captured while reviewing belongs to the review.
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import type { ReviewerRole } from '../../api/schemas';
import type { Review } from '../../api/schemas-video';

interface ReviewRow {
  id: number;
  case_id: number;
  video_id: number;
  reviewer: string;
  status: 'draft' | 'final';
  last_frame_index: number;
  created_at: string;
  updated_at: string;
  finalised_at: string | null;
  finalised_by: string | null;
  finalised_role: ReviewerRole | null;
}

const toReview = (r: ReviewRow): Review => ({
  id: r.id,
  caseId: r.case_id,
  videoId: r.video_id,
  reviewer: r.reviewer,
  status: r.status,
  lastFrameIndex: r.last_frame_index,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finalisedAt: r.finalised_at,
  finalisedBy: r.finalised_by,
  finalisedRole: r.finalised_role,
});

export function createReviewsRepo(db: Database) {
  const byId = db.prepare<[number], ReviewRow>('SELECT * FROM reviews WHERE id = ?');
  function get(id: number): Review {
    const r = byId.get(id);
    if (!r) throw new WorkstationError('not-found', `Review ${id} does not exist (it may have been deleted with its video or case).`);
    return toReview(r);
  }
  return {
    get,
    list(caseId: number): Review[] {
      return db.prepare<[number], ReviewRow>('SELECT * FROM reviews WHERE case_id = ? ORDER BY updated_at DESC, id DESC').all(caseId).map(toReview);
    },
    /** The reviewer's review of the video, created (as a draft at frame 0) when there is none. */
    open(caseId: number, videoId: number, reviewer: string): Review {
      const id = db.transaction(() => {
        const existing = db
          .prepare<[number, number, string], { id: number }>('SELECT id FROM reviews WHERE case_id = ? AND video_id = ? AND reviewer = ?')
          .get(caseId, videoId, reviewer);
        if (existing) return existing.id;
        const now = new Date().toISOString();
        return Number(
          db
            .prepare(`INSERT INTO reviews (case_id, video_id, reviewer, status, last_frame_index, created_at, updated_at) VALUES (?, ?, ?, 'draft', 0, ?, ?)`)
            .run(caseId, videoId, reviewer, now, now).lastInsertRowid,
        );
      }).immediate();
      return get(id);
    },
    /** Where the reviewer left off. (Finalising and reopening are review-lock.ts's, with their checks and audit.) */
    update(id: number, patch: { lastFrameIndex?: number }): Review {
      const current = get(id);
      db.prepare('UPDATE reviews SET last_frame_index = ?, updated_at = ? WHERE id = ?').run(patch.lastFrameIndex ?? current.lastFrameIndex, new Date().toISOString(), id);
      return get(id);
    },
  };
}
export type ReviewsRepo = ReturnType<typeof createReviewsRepo>;
