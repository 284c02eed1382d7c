// Segments: time ranges of the video with a phase ("capsulorhexis 01:10.2–02:05.0"), shown as the coloured strip
// above the scrub bar, on the workstation's library (SQLite or PostgreSQL). Each write is one transaction with its
// audit row; a finalised review refuses them. A segment's tags go with it (the schema's ON DELETE CASCADE).
import type { Generated, Kysely, Selectable } from 'kysely';
import { WorkstationError } from '../../api/errors';
import type { Segment } from '../../api/schemas-review';
import type { WorkstationDb } from '../db/workstation-db';
import { checkPhase } from '../taxonomy/taxonomy';
import { assertDraftReview, assertReview, recordChange } from './review-guard-store';

export interface SegmentsTable {
  id: Generated<number>;
  review_id: number;
  start_frame: number;
  end_frame: number;
  start_time: number;
  end_time: number;
  phase: string | null;
  label: string;
  note: string;
  author: string;
  created_at: string;
  updated_at: string;
}

export interface SegmentsDb {
  segments: SegmentsTable;
}

const toSegment = (r: Selectable<SegmentsTable>): Segment => ({
  id: r.id,
  reviewId: r.review_id,
  startFrame: r.start_frame,
  endFrame: r.end_frame,
  startTime: r.start_time,
  endTime: r.end_time,
  phase: r.phase,
  label: r.label,
  note: r.note,
  author: r.author,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface SegmentFields {
  startFrame: number;
  endFrame: number;
  startTime: number;
  endTime: number;
  phase: string | null;
  label: string;
  note: string;
}

const columns = (s: SegmentFields) => ({
  start_frame: s.startFrame,
  end_frame: s.endFrame,
  start_time: s.startTime,
  end_time: s.endTime,
  phase: s.phase,
  label: s.label,
  note: s.note,
});

function checkRange(s: SegmentFields): void {
  if (s.endFrame < s.startFrame || s.endTime < s.startTime) throw new WorkstationError('invalid-argument', 'A segment ends at or after its start.');
}

export type NewSegment = { reviewId: number } & Omit<SegmentFields, 'label' | 'note'> & { label?: string | undefined; note?: string | undefined };

export interface SegmentsStore {
  get(id: number): Promise<Segment>;
  /** The review's segments in time order (by first frame, then in the order made). */
  list(reviewId: number): Promise<Segment[]>;
  create(input: NewSegment, actor: string): Promise<Segment>;
  update(id: number, patch: Partial<SegmentFields>, actor: string): Promise<Segment>;
  /** Returns the segment as it was; its tags go with it. */
  delete(id: number, actor: string): Promise<Segment>;
}

export function createSegmentsStore(db: Kysely<WorkstationDb>, now: () => string = () => new Date().toISOString()): SegmentsStore {
  async function get(id: number, from: Kysely<WorkstationDb> = db): Promise<Segment> {
    const row = await from.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new WorkstationError('not-found', `Segment ${id} does not exist (it may have been deleted).`);
    return toSegment(row);
  }

  return {
    get: (id) => get(id),
    async list(reviewId) {
      await assertReview(db, reviewId);
      // Along the index segments_review (review_id, start_frame; the id breaks ties).
      const rows = await db.selectFrom('segments').selectAll().where('review_id', '=', reviewId).orderBy('start_frame').orderBy('id').execute();
      return rows.map(toSegment);
    },
    // async: a refused phase or range rejects like the rest, before the transaction starts.
    async create(input, actor) {
      const fields: SegmentFields = {
        startFrame: input.startFrame,
        endFrame: input.endFrame,
        startTime: input.startTime,
        endTime: input.endTime,
        phase: checkPhase(input.phase),
        label: input.label ?? '',
        note: input.note ?? '',
      };
      checkRange(fields);
      return db.transaction().execute(async (trx) => {
        await assertDraftReview(trx, input.reviewId);
        const at = now();
        const row = await trx
          .insertInto('segments')
          .values({ review_id: input.reviewId, ...columns(fields), author: actor, created_at: at, updated_at: at })
          .returningAll()
          .executeTakeFirstOrThrow();
        const after = toSegment(row);
        await recordChange(trx, { entity: 'segment', entityId: after.id, reviewId: input.reviewId, action: 'create', before: null, after, actor, at });
        return after;
      });
    },
    update(id, patch, actor) {
      return db.transaction().execute(async (trx) => {
        const before = await get(id, trx);
        await assertDraftReview(trx, before.reviewId);
        const next: SegmentFields = {
          startFrame: patch.startFrame ?? before.startFrame,
          endFrame: patch.endFrame ?? before.endFrame,
          startTime: patch.startTime ?? before.startTime,
          endTime: patch.endTime ?? before.endTime,
          phase: patch.phase === undefined ? before.phase : checkPhase(patch.phase),
          label: patch.label ?? before.label,
          note: patch.note ?? before.note,
        };
        checkRange(next);
        const at = now();
        const row = await trx
          .updateTable('segments')
          .set({ ...columns(next), updated_at: at })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        const after = toSegment(row);
        await recordChange(trx, { entity: 'segment', entityId: id, reviewId: before.reviewId, action: 'update', before, after, actor, at });
        return after;
      });
    },
    delete(id, actor) {
      return db.transaction().execute(async (trx) => {
        const before = await get(id, trx);
        await assertDraftReview(trx, before.reviewId);
        const at = now();
        await trx.deleteFrom('segments').where('id', '=', id).execute();
        await recordChange(trx, { entity: 'segment', entityId: id, reviewId: before.reviewId, action: 'delete', before, after: null, actor, at });
        return before;
      });
    },
  };
}
