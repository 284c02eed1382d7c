// Tags in the department library, as the desktop app has them (core/reviews tags-store): a vocabulary term (phase,
// instrument, anatomy, finding, severity: resources/taxonomy, by id or label) or free text, on the whole review, on
// one of its frames, or — the department's addition — on one of its annotations. Adding a tag that is already there
// returns the one there; a tag is never edited, only removed. A signed-off review refuses both; each write has its
// audit row and its change (tag.created / tag.deleted) for live viewers.
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { WorkstationError } from '../../api/errors';
import { TagKind } from '../../api/schemas-review';
import { resolveTag } from '../taxonomy/taxonomy';
import { goneError, writeAudit } from './audit';
import { writeTransaction, type ChangeSink } from './changes';
import type { Clock, LibraryDb } from './db';
import { annotationNotFound, parseOrThrow } from './messages';
import { rememberDeletion } from './published-sync';
import { lockDraftReview } from './reviews-store';
import type { LibraryUser } from './roles';

export interface LibraryTag {
  id: number;
  reviewId: number;
  /** Set for a tag on one of the review's annotations. */
  annotationId: number | null;
  /** Set for a tag on one of the review's frames; both null: the tag is about the whole review. */
  frameIndex: number | null;
  kind: TagKind;
  /** The vocabulary's id, or the free text. */
  value: string;
  /** What the UI shows: the vocabulary's label, or the free text. */
  label: string;
  /** Display name. */
  author: string;
  createdAt: string;
}

export interface NewTag {
  kind: TagKind;
  value: string;
  annotationId?: number | null;
  frameIndex?: number | null;
}

export interface TagStore {
  /** Adds the tag, or returns the same tag already in that place (values compared without case). */
  add(actor: LibraryUser, reviewId: number, input: NewTag): Promise<LibraryTag>;
  remove(actor: LibraryUser, id: number): Promise<void>;
  /** A review's tags: the review's own, then by frame, then by annotation, each in the order added. */
  listByReview(reviewId: number): Promise<LibraryTag[]>;
}

const Place = z
  .object({
    annotationId: z.number().int().positive('An annotation id is a positive whole number.').nullable(),
    frameIndex: z.number().int('A frame index is a whole number.').min(0, 'A frame index is 0 or more.').nullable(),
  })
  .refine((p) => p.annotationId === null || p.frameIndex === null, 'A tag is on the review, a frame or an annotation, not several.');

export function tagNotFound(id: number): WorkstationError {
  return new WorkstationError('not-found', `Tag ${id} does not exist (it may have been removed).`);
}

export function selectTags(db: Kysely<LibraryDb>) {
  return db.selectFrom('tags').innerJoin('users as author', 'author.id', 'tags.author_id').selectAll('tags').select('author.display_name as author_name');
}

type TagRow = Awaited<ReturnType<ReturnType<typeof selectTags>['executeTakeFirstOrThrow']>>;

export const toTag = (r: TagRow): LibraryTag => ({
  id: r.id,
  reviewId: r.review_id,
  annotationId: r.annotation_id,
  frameIndex: r.frame_index,
  kind: r.kind,
  value: r.value,
  label: r.label,
  author: r.author_name,
  createdAt: r.created_at,
});

export function createTagStore(db: Kysely<LibraryDb>, now: Clock, changes?: ChangeSink): TagStore {
  async function readTag(trx: Transaction<LibraryDb>, id: number): Promise<LibraryTag> {
    const row = await selectTags(trx).where('tags.id', '=', id).executeTakeFirst();
    if (!row) throw tagNotFound(id);
    return toTag(row);
  }

  return {
    async add(actor, reviewId, input) {
      const kind = parseOrThrow(TagKind, input.kind, 'Choose phase, instrument, anatomy, finding, severity or free.');
      const { value, label } = resolveTag(kind, parseOrThrow(z.string().trim().min(1, 'Enter the tag.').max(80, 'A tag has at most 80 characters.'), input.value));
      const place = parseOrThrow(Place, { annotationId: input.annotationId ?? null, frameIndex: input.frameIndex ?? null });
      return writeTransaction(db, changes, async (trx, emit) => {
        // Holds the review: two people adding the same tag at once are one after the other, the second gets the first's.
        await lockDraftReview(trx, reviewId);
        if (place.annotationId !== null) {
          const ann = await trx.selectFrom('annotations').select('review_id').where('id', '=', place.annotationId).executeTakeFirst();
          if (!ann) throw annotationNotFound(place.annotationId);
          if (ann.review_id !== reviewId) throw new WorkstationError('invalid-argument', `Annotation ${place.annotationId} does not belong to review ${reviewId}.`);
        }
        const existing = await trx
          .selectFrom('tags')
          .select('id')
          .where('review_id', '=', reviewId)
          .where((eb) => (place.annotationId === null ? eb('annotation_id', 'is', null) : eb('annotation_id', '=', place.annotationId)))
          .where((eb) => (place.frameIndex === null ? eb('frame_index', 'is', null) : eb('frame_index', '=', place.frameIndex)))
          .where('kind', '=', kind)
          // The database's lower() on both sides, as the unique index compares them.
          .where((eb) => eb(eb.fn('lower', ['value']), '=', eb.fn('lower', [eb.val(value)])))
          .executeTakeFirst();
        if (existing) return readTag(trx, existing.id);
        const at = now().toISOString();
        const { id } = await trx
          .insertInto('tags')
          .values({ review_id: reviewId, annotation_id: place.annotationId, frame_index: place.frameIndex, kind, value, label, author_id: actor.id, created_at: at })
          .returning('id')
          .executeTakeFirstOrThrow();
        await writeAudit(trx, { at, userId: actor.id, action: 'tag.create', entity: 'tag', entityId: id, detail: { reviewId, ...place, kind, value } });
        const tag = await readTag(trx, id);
        await emit({ type: 'tag.created', reviewId, tag });
        return tag;
      });
    },

    async remove(actor, id) {
      await writeTransaction(db, changes, async (trx, emit) => {
        const gone = () => goneError(trx, 'tag', id, tagNotFound(id));
        const found = await trx.selectFrom('tags').select(['review_id', 'kind', 'value']).where('id', '=', id).executeTakeFirst();
        if (!found) throw await gone();
        await lockDraftReview(trx, found.review_id);
        const at = now().toISOString();
        const source = await rememberDeletion(trx, 'tag', id, actor, at); // a published one stays removed when published again
        // Someone may have removed it while this waited for the review.
        if (!(await trx.deleteFrom('tags').where('id', '=', id).returning('id').executeTakeFirst())) throw await gone();
        const detail = { reviewId: found.review_id, kind: found.kind, value: found.value, ...(source === null ? {} : { publishedSource: source }) };
        await writeAudit(trx, { at, userId: actor.id, action: 'tag.delete', entity: 'tag', entityId: id, detail });
        await emit({ type: 'tag.deleted', reviewId: found.review_id, tagId: id, by: actor.displayName, at });
      });
    },

    async listByReview(reviewId) {
      const rows = await selectTags(db)
        .where('tags.review_id', '=', reviewId)
        .orderBy((eb) => eb.case().when('tags.annotation_id', 'is', null).then(eb.case().when('tags.frame_index', 'is', null).then(0).else(1).end()).else(2).end())
        .orderBy('tags.frame_index')
        .orderBy('tags.annotation_id')
        .orderBy('tags.id')
        .execute();
      return rows.map(toTag);
    },
  };
}
