// The library's "Recent" list, on the workstation's library (SQLite or PostgreSQL): the reviews worked on last, with
// what they hold (frames: the reviewer's captures, not the phase timeline's samples). Walks reviews_recent and counts
// through the frames/annotations/notes review indexes (query-plans.test.ts).
import type { Kysely } from 'kysely';
import type { ReviewSummary } from '../../api/schemas-review';
import type { WorkstationDb } from '../db/workstation-db';

/** The columns of videos the list reads (the table has more; its store will declare them). */
export interface RecentDb {
  videos: { id: number; case_id: number; file_name: string };
}

export interface RecentReviewsStore {
  list(limit?: number): Promise<ReviewSummary[]>;
}

export function createRecentReviewsStore(db: Kysely<WorkstationDb>): RecentReviewsStore {
  return {
    async list(limit = 20) {
      const rows = await db
        .selectFrom('reviews as r')
        .innerJoin('cases as c', 'c.id', 'r.case_id')
        .leftJoin('videos as v', 'v.id', 'r.video_id')
        .select([
          'r.id',
          'r.case_id as caseId',
          'c.code as caseCode',
          'c.surgery_date as surgeryDate',
          'c.eye',
          'r.video_id as videoId',
          'v.file_name as videoName',
          'r.reviewer',
          'r.status',
          'r.last_frame_index as lastFrameIndex',
          'r.created_at as createdAt',
          'r.updated_at as updatedAt',
          'r.finalised_at as finalisedAt',
        ])
        .select((eb) => [
          eb.selectFrom('frames').select(eb.fn.countAll().as('n')).whereRef('frames.review_id', '=', 'r.id').where('frames.origin', '=', 'capture').as('frameCount'),
          eb.selectFrom('annotations').select(eb.fn.countAll().as('n')).whereRef('annotations.review_id', '=', 'r.id').as('annotationCount'),
          eb.selectFrom('notes').select(eb.fn.countAll().as('n')).whereRef('notes.review_id', '=', 'r.id').as('noteCount'),
        ])
        .orderBy('r.updated_at', 'desc')
        .orderBy('r.id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ ...r, frameCount: Number(r.frameCount), annotationCount: Number(r.annotationCount), noteCount: Number(r.noteCount) }));
    },
  };
}
