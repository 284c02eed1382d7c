// Notes: free text on a review or on one of its frames, on the workstation's library (SQLite or PostgreSQL). Each
// write is one transaction with its audit row; a finalised review refuses them.
import type { Generated, Kysely, Selectable } from 'kysely';
import { WorkstationError } from '../../api/errors';
import type { Note } from '../../api/schemas-review';
import type { WorkstationDb } from '../db/workstation-db';
import { assertDraftReview, assertFrameInReview, assertReview, recordChange } from './review-guard-store';

export interface NotesTable {
  id: Generated<number>;
  review_id: number;
  frame_id: number | null;
  text: string;
  author: string;
  created_at: string;
  updated_at: string;
}

export interface NotesDb {
  notes: NotesTable;
}

const toNote = (r: Selectable<NotesTable>): Note => ({
  id: r.id,
  reviewId: r.review_id,
  frameId: r.frame_id,
  text: r.text,
  author: r.author,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface NotesStore {
  get(id: number): Promise<Note>;
  /** The review's notes (frame notes by frame, then in the order written); frameId null: the review's own, a number: that frame's. */
  list(reviewId: number, frameId?: number | null): Promise<Note[]>;
  create(input: { reviewId: number; frameId?: number | null | undefined; text: string }, actor: string): Promise<Note>;
  update(id: number, text: string, actor: string): Promise<Note>;
  /** Returns the note as it was. */
  delete(id: number, actor: string): Promise<Note>;
}

export function createNotesStore(db: Kysely<WorkstationDb>, now: () => string = () => new Date().toISOString()): NotesStore {
  async function get(id: number, from: Kysely<WorkstationDb> = db): Promise<Note> {
    const row = await from.selectFrom('notes').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new WorkstationError('not-found', `Note ${id} does not exist (it may have been deleted).`);
    return toNote(row);
  }

  return {
    get: (id) => get(id),
    async list(reviewId, frameId) {
      await assertReview(db, reviewId);
      let q = db.selectFrom('notes').selectAll().where('review_id', '=', reviewId);
      if (frameId === null) q = q.where('frame_id', 'is', null);
      else if (frameId !== undefined) q = q.where('frame_id', '=', frameId);
      // The review's own notes first (SQLite's default for NULL; PostgreSQL's is last), along the index.
      if (frameId === undefined) q = q.orderBy('frame_id', (ob) => ob.asc().nullsFirst());
      return (await q.orderBy('created_at').orderBy('id').execute()).map(toNote);
    },
    create(input, actor) {
      const frameId = input.frameId ?? null;
      return db.transaction().execute(async (trx) => {
        await assertDraftReview(trx, input.reviewId);
        if (frameId !== null) await assertFrameInReview(trx, frameId, input.reviewId);
        const at = now();
        const row = await trx.insertInto('notes').values({ review_id: input.reviewId, frame_id: frameId, text: input.text, author: actor, created_at: at, updated_at: at }).returningAll().executeTakeFirstOrThrow();
        const after = toNote(row);
        await recordChange(trx, { entity: 'note', entityId: after.id, reviewId: input.reviewId, action: 'create', before: null, after, actor, at });
        return after;
      });
    },
    update(id, text, actor) {
      return db.transaction().execute(async (trx) => {
        const before = await get(id, trx);
        await assertDraftReview(trx, before.reviewId);
        const at = now();
        const row = await trx.updateTable('notes').set({ text, updated_at: at }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
        const after = toNote(row);
        await recordChange(trx, { entity: 'note', entityId: id, reviewId: before.reviewId, action: 'update', before, after, actor, at });
        return after;
      });
    },
    delete(id, actor) {
      return db.transaction().execute(async (trx) => {
        const before = await get(id, trx);
        await assertDraftReview(trx, before.reviewId);
        const at = now();
        await trx.deleteFrom('notes').where('id', '=', id).execute();
        await recordChange(trx, { entity: 'note', entityId: id, reviewId: before.reviewId, action: 'delete', before, after: null, actor, at });
        return before;
      });
    },
  };
}
