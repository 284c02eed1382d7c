// Tags on a review, on one of its frames or on one of its phase segments, on the workstation's library (SQLite or
// PostgreSQL): phase, instrument, anatomy, finding, severity (vocabularies from resources/taxonomy, by id or label) or
// free text. Adding a tag already there returns the one there; a tag is never edited, only removed. Each write is one
// transaction with its audit row; a finalised review refuses them. A tag goes with its frame or segment (the schema's
// ON DELETE CASCADE).
import type { Generated, Kysely, Selectable } from 'kysely';
import { WorkstationError } from '../../api/errors';
import type { Tag, TagKind } from '../../api/schemas-review';
import type { WorkstationDb } from '../db/workstation-db';
import { resolveTag } from '../taxonomy/taxonomy';
import { assertDraftReview, assertFrameInReview, assertReview, recordChange } from './review-guard-store';

export interface TagsTable {
  id: Generated<number>;
  review_id: number;
  frame_id: number | null;
  segment_id: number | null;
  kind: TagKind;
  value: string;
  label: string;
  author: string;
  created_at: string;
}

export interface TagsDb {
  tags: TagsTable;
}

const toTag = (r: Selectable<TagsTable>): Tag => ({
  id: r.id,
  reviewId: r.review_id,
  frameId: r.frame_id,
  segmentId: r.segment_id,
  kind: r.kind,
  value: r.value,
  label: r.label,
  author: r.author,
  createdAt: r.created_at,
});

/**
 * The value as the unique index tags_unique compares it: ASCII letters folded, nothing else (SQLite's NOCASE and
 * lower(); on PostgreSQL the column is `collate "C"`, whose lower() folds ASCII only too).
 */
const folded = (value: string) => value.replace(/[A-Z]/g, (c) => c.toLowerCase());

export interface NewTag {
  reviewId: number;
  frameId?: number | null | undefined;
  segmentId?: number | null | undefined;
  kind: TagKind;
  /** A vocabulary term's id or label, or the free text. */
  value: string;
}

export interface TagsStore {
  get(id: number): Promise<Tag>;
  /**
   * The review's tags (the review's own and its segments' first, then by frame; by segment, then in the order added);
   * frameId null: the review's own (not its segments'), a number: that frame's.
   */
  list(reviewId: number, frameId?: number | null): Promise<Tag[]>;
  /** Returns the tag already there when the place has the same kind and value (ASCII case aside), writing nothing. */
  add(input: NewTag, actor: string): Promise<Tag>;
  /** Returns the tag as it was. */
  remove(id: number, actor: string): Promise<Tag>;
}

export function createTagsStore(db: Kysely<WorkstationDb>, now: () => string = () => new Date().toISOString()): TagsStore {
  async function get(id: number, from: Kysely<WorkstationDb> = db): Promise<Tag> {
    const row = await from.selectFrom('tags').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new WorkstationError('not-found', `Tag ${id} does not exist (it may have been removed).`);
    return toTag(row);
  }

  return {
    get: (id) => get(id),
    async list(reviewId, frameId) {
      await assertReview(db, reviewId);
      let q = db.selectFrom('tags').selectAll().where('review_id', '=', reviewId);
      if (frameId === null) q = q.where('frame_id', 'is', null).where('segment_id', 'is', null);
      else if (frameId !== undefined) q = q.where('frame_id', '=', frameId);
      // NULL first as SQLite has it (PostgreSQL's default is last). Along the index tags_review_frame (review_id,
      // frame_id, id); the whole review's list sorts each frame's few tags by segment as well.
      if (frameId === undefined) q = q.orderBy('frame_id', (ob) => ob.asc().nullsFirst()).orderBy('segment_id', (ob) => ob.asc().nullsFirst());
      return (await q.orderBy('id').execute()).map(toTag);
    },
    // async: a term outside the vocabulary or a tag on both a frame and a segment rejects like the rest, before the
    // transaction starts.
    async add(input, actor) {
      const { value, label } = resolveTag(input.kind, input.value);
      const frameId = input.frameId ?? null;
      const segmentId = input.segmentId ?? null;
      if (frameId !== null && segmentId !== null) throw new WorkstationError('invalid-argument', 'A tag is on a frame or on a segment, not both.');
      return db.transaction().execute(async (trx) => {
        await assertDraftReview(trx, input.reviewId);
        if (frameId !== null) await assertFrameInReview(trx, frameId, input.reviewId);
        if (segmentId !== null) {
          const seg = await trx.selectFrom('segments').select('review_id').where('id', '=', segmentId).executeTakeFirst();
          if (!seg) throw new WorkstationError('not-found', `Segment ${segmentId} does not exist (it may have been deleted).`);
          if (seg.review_id !== input.reviewId) throw new WorkstationError('invalid-argument', `Segment ${segmentId} does not belong to review ${input.reviewId}.`);
        }
        // The key of the unique index tags_unique (review, frame or 0, segment or 0, kind, value folded).
        const existing = await trx
          .selectFrom('tags')
          .selectAll()
          .where('review_id', '=', input.reviewId)
          .where((eb) => eb(eb.fn.coalesce('frame_id', eb.lit(0)), '=', frameId ?? 0))
          .where((eb) => eb(eb.fn.coalesce('segment_id', eb.lit(0)), '=', segmentId ?? 0))
          .where('kind', '=', input.kind)
          .where((eb) => eb(eb.fn<string>('lower', ['value']), '=', folded(value)))
          .executeTakeFirst();
        if (existing) return toTag(existing);
        const at = now();
        const row = await trx
          .insertInto('tags')
          .values({ review_id: input.reviewId, frame_id: frameId, segment_id: segmentId, kind: input.kind, value, label, author: actor, created_at: at })
          .returningAll()
          .executeTakeFirstOrThrow();
        const after = toTag(row);
        await recordChange(trx, { entity: 'tag', entityId: after.id, reviewId: input.reviewId, action: 'create', before: null, after, actor, at });
        return after;
      });
    },
    remove(id, actor) {
      return db.transaction().execute(async (trx) => {
        const before = await get(id, trx);
        await assertDraftReview(trx, before.reviewId);
        const at = now();
        await trx.deleteFrom('tags').where('id', '=', id).execute();
        await recordChange(trx, { entity: 'tag', entityId: id, reviewId: before.reviewId, action: 'delete', before, after: null, actor, at });
        return before;
      });
    },
  };
}
