// Reviews: one per reviewer per video in a case, on the workstation's library (SQLite or PostgreSQL). Everything
// captured while reviewing belongs to the review. Finalising and reopening are review-lock-store.ts's.
import type { Generated, Kysely, Selectable } from 'kysely';
import { WorkstationError } from '../../api/errors';
import type { ReviewerRole } from '../../api/schemas';
import type { Review } from '../../api/schemas-video';
import type { WorkstationDb } from '../db/workstation-db';

export interface ReviewsTable {
  id: Generated<number>;
  case_id: number;
  video_id: number;
  reviewer: string;
  status: 'draft' | 'final';
  last_frame_index: Generated<number>;
  created_at: string;
  updated_at: string;
  finalised_at: string | null;
  finalised_by: string | null;
  finalised_role: ReviewerRole | null;
}

export interface ReviewsDb {
  reviews: ReviewsTable;
}

export const toReview = (r: Selectable<ReviewsTable>): Review => ({
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

/** The review, or not-found (`db`: the library or the transaction to read in). */
export async function getReview(db: Kysely<WorkstationDb>, id: number): Promise<Review> {
  const row = await db.selectFrom('reviews').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new WorkstationError('not-found', `Review ${id} does not exist (it may have been deleted with its video or case).`);
  return toReview(row);
}

export interface ReviewsStore {
  get(id: number): Promise<Review>;
  /** A case's reviews, the one worked on last first. */
  list(caseId: number): Promise<Review[]>;
  /** The reviewer's review of the video, created (as a draft at frame 0) when there is none. */
  open(caseId: number, videoId: number, reviewer: string): Promise<Review>;
  /** Where the reviewer left off. */
  update(id: number, patch: { lastFrameIndex?: number }): Promise<Review>;
}

export function createReviewsStore(db: Kysely<WorkstationDb>, now: () => string = () => new Date().toISOString()): ReviewsStore {
  const theReviewersReview = (from: Kysely<WorkstationDb>, caseId: number, videoId: number, reviewer: string) =>
    from.selectFrom('reviews').selectAll().where('case_id', '=', caseId).where('video_id', '=', videoId).where('reviewer', '=', reviewer).executeTakeFirst();
  return {
    get: (id) => getReview(db, id),
    async list(caseId) {
      const rows = await db.selectFrom('reviews').selectAll().where('case_id', '=', caseId).orderBy('updated_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map(toReview);
    },
    open(caseId, videoId, reviewer) {
      return db.transaction().execute(async (trx) => {
        const existing = await theReviewersReview(trx, caseId, videoId, reviewer);
        if (existing) return toReview(existing);
        const at = now();
        // Another connection (PostgreSQL) opening the same review at once: theirs is the one, read back below.
        const row = await trx
          .insertInto('reviews')
          .values({ case_id: caseId, video_id: videoId, reviewer, status: 'draft', last_frame_index: 0, created_at: at, updated_at: at })
          .onConflict((oc) => oc.columns(['case_id', 'video_id', 'reviewer']).doNothing())
          .returningAll()
          .executeTakeFirst();
        return toReview(row ?? (await theReviewersReview(trx, caseId, videoId, reviewer))!);
      });
    },
    update(id, patch) {
      return db.transaction().execute(async (trx) => {
        const current = await getReview(trx, id);
        const row = await trx
          .updateTable('reviews')
          .set({ last_frame_index: patch.lastFrameIndex ?? current.lastFrameIndex, updated_at: now() })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return toReview(row);
      });
    },
  };
}
