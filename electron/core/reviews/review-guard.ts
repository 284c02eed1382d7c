// Where a reviewer's change lands: the review (it must exist and still be a draft) or the frame (and its review).
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';

export interface FrameContext {
  frameId: number;
  caseId: number;
  reviewId: number | null;
}

export function createReviewGuard(db: Database) {
  const review = db.prepare<[number], { id: number; status: string }>('SELECT id, status FROM reviews WHERE id = ?');
  const frame = db.prepare<[number], { id: number; case_id: number; review_id: number | null }>('SELECT id, case_id, review_id FROM frames WHERE id = ?');
  const touch = db.prepare<[string, number]>('UPDATE reviews SET updated_at = ? WHERE id = ?');

  function draftReview(reviewId: number): void {
    const r = review.get(reviewId);
    if (!r) throw new WorkstationError('not-found', `Review ${reviewId} does not exist (it may have been deleted).`);
    if (r.status === 'final') throw new WorkstationError('conflict', 'This review is final. Set it back to draft to change it.');
  }

  return {
    /** The review exists (any status). */
    review(reviewId: number): void {
      if (!review.get(reviewId)) throw new WorkstationError('not-found', `Review ${reviewId} does not exist (it may have been deleted).`);
    },
    /** The review exists and may be changed. */
    draftReview,
    /** The frame exists; its review (when it has one) may be changed. */
    writableFrame(frameId: number): FrameContext {
      const f = frame.get(frameId);
      if (!f) throw new WorkstationError('not-found', `Frame ${frameId} does not exist (it may have been deleted).`);
      if (f.review_id !== null) draftReview(f.review_id);
      return { frameId: f.id, caseId: f.case_id, reviewId: f.review_id };
    },
    frame(frameId: number): FrameContext {
      const f = frame.get(frameId);
      if (!f) throw new WorkstationError('not-found', `Frame ${frameId} does not exist (it may have been deleted).`);
      return { frameId: f.id, caseId: f.case_id, reviewId: f.review_id };
    },
    /** A frame given with a review must belong to it. */
    frameInReview(frameId: number, reviewId: number): void {
      const f = frame.get(frameId);
      if (!f) throw new WorkstationError('not-found', `Frame ${frameId} does not exist (it may have been deleted).`);
      if (f.review_id !== reviewId) throw new WorkstationError('invalid-argument', `Frame ${frameId} does not belong to review ${reviewId}.`);
    },
    /** Marks the review as just worked on (the library's "Recent" list); call inside the write's transaction. */
    touch(reviewId: number | null, at: string): void {
      if (reviewId !== null) touch.run(at, reviewId);
    },
  };
}
export type ReviewGuard = ReturnType<typeof createReviewGuard>;
