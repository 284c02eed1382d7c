// Where a reviewer's change lands: the review (it must exist and still be a draft) or the frame (and its review).
// A finalised review is locked: every write that would change it is refused here, with who locked it and how to
// reopen it (review-lock-store.ts finalises and reopens).
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import { REVIEWER_ROLE_LABELS, type ReviewerRole } from '../../api/schemas';

export interface FrameContext {
  frameId: number;
  caseId: number;
  reviewId: number | null;
}

interface LockRow {
  id: number;
  status: string;
  finalised_at: string | null;
  finalised_by: string | null;
  finalised_role: ReviewerRole | null;
}

/** The refusal for a change to a finalised review: who signed it off, when, and what to do. */
export function lockedError(r: Pick<LockRow, 'finalised_at' | 'finalised_by' | 'finalised_role'>, what = 'change it'): WorkstationError {
  const who = r.finalised_by ? ` by ${r.finalised_by}${r.finalised_role ? ` (${REVIEWER_ROLE_LABELS[r.finalised_role]})` : ''}` : '';
  const when = r.finalised_at ? ` on ${r.finalised_at.slice(0, 16).replace('T', ' ')} UTC` : '';
  return new WorkstationError('conflict', `This review was finalised${who}${when} and is locked. Reopen it (with a reason) to ${what}.`);
}

export function createReviewGuard(db: Database) {
  const review = db.prepare<[number], LockRow>('SELECT id, status, finalised_at, finalised_by, finalised_role FROM reviews WHERE id = ?');
  const frame = db.prepare<[number], { id: number; case_id: number; review_id: number | null }>('SELECT id, case_id, review_id FROM frames WHERE id = ?');
  const touch = db.prepare<[string, number]>('UPDATE reviews SET updated_at = ? WHERE id = ?');

  function draftReview(reviewId: number, what?: string): void {
    const r = review.get(reviewId);
    if (!r) throw new WorkstationError('not-found', `Review ${reviewId} does not exist (it may have been deleted).`);
    if (r.status === 'final') throw lockedError(r, what);
  }

  return {
    /** The review exists (any status). */
    review(reviewId: number): void {
      if (!review.get(reviewId)) throw new WorkstationError('not-found', `Review ${reviewId} does not exist (it may have been deleted).`);
    },
    /** The review exists and may be changed (`what`: the end of the refusal, "capture more frames"). */
    draftReview,
    /** The frame exists; its review (when it has one) may be changed. */
    writableFrame(frameId: number, what?: string): FrameContext {
      const f = frame.get(frameId);
      if (!f) throw new WorkstationError('not-found', `Frame ${frameId} does not exist (it may have been deleted).`);
      if (f.review_id !== null) draftReview(f.review_id, what);
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
