// A review's notes in the department library: free text on the review, or on one of its frames (as the desktop's
// core/reviews notes-store), with a version per row like annotations. An update or delete names the version it was
// based on; a stale one gets "Changed by X at T — reload…" and writes nothing; a signed-off review refuses all three.
// Every write has its audit row and its change (note.created / note.updated / note.deleted) for live viewers.
import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import { WorkstationError } from '../../api/errors';
import { NoteText } from '../../api/schemas-review';
import { goneError, writeAudit } from './audit';
import { writeTransaction, type ChangeSink } from './changes';
import type { Clock, LibraryDb } from './db';
import { changedByError, parseOrThrow } from './messages';
import { rememberDeletion } from './published-sync';
import { lockDraftReview } from './reviews-store';
import type { LibraryUser } from './roles';

import type { LibraryNote } from '../../api/department-wire';
export type { LibraryNote } from '../../api/department-wire';

export interface NoteStore {
  create(actor: LibraryUser, reviewId: number, input: { text: string; frameIndex?: number | null }): Promise<LibraryNote>;
  update(actor: LibraryUser, id: number, expectedVersion: number, text: string): Promise<LibraryNote>;
  delete(actor: LibraryUser, id: number, expectedVersion: number): Promise<void>;
  /** A review's notes: the review's own first, then by frame, each in the order written. */
  listByReview(reviewId: number): Promise<LibraryNote[]>;
}

const FrameIndex = z.number().int('A frame index is a whole number.').min(0, 'A frame index is 0 or more.').nullable();

export function noteNotFound(id: number): WorkstationError {
  return new WorkstationError('not-found', `Note ${id} does not exist (it may have been deleted).`);
}

/** A note's columns (not PostgreSQL's search_vector: search.ts reads that). */
const COLUMNS = ['id', 'review_id', 'frame_index', 'text', 'version', 'created_at', 'updated_at'] as const;

export function selectNotes(db: Kysely<LibraryDb>) {
  return db
    .selectFrom('notes')
    .innerJoin('users as author', 'author.id', 'notes.author_id')
    .innerJoin('users as editor', 'editor.id', 'notes.updated_by')
    .select(COLUMNS.map((c) => `notes.${c}` as const))
    .select(['author.display_name as author_name', 'editor.display_name as editor_name']);
}

/** For a write's RETURNING: the note and its people's names, in the write's own statement (one round trip). */
const returnNames = [
  sql<string>`(select display_name from users where users.id = notes.author_id)`.as('author_name'),
  sql<string>`(select display_name from users where users.id = notes.updated_by)`.as('editor_name'),
] as const;

type NoteRow = Awaited<ReturnType<ReturnType<typeof selectNotes>['executeTakeFirstOrThrow']>>;

export const toNote = (r: NoteRow): LibraryNote => ({
  id: r.id,
  reviewId: r.review_id,
  frameIndex: r.frame_index,
  text: r.text,
  version: r.version,
  author: r.author_name,
  updatedBy: r.editor_name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

async function readNote(db: Kysely<LibraryDb>, id: number): Promise<LibraryNote | undefined> {
  const row = await selectNotes(db).where('notes.id', '=', id).executeTakeFirst();
  return row && toNote(row);
}

/** The note is gone: say who deleted it when the audit log knows, else that it does not exist. */
const goneNote = (trx: Transaction<LibraryDb>, id: number) => goneError(trx, 'note', id, noteNotFound(id));

export function createNoteStore(db: Kysely<LibraryDb>, now: Clock, changes?: ChangeSink): NoteStore {
  /** The note's review, held as a draft for the rest of the transaction. */
  async function current(trx: Transaction<LibraryDb>, id: number): Promise<number> {
    const found = await trx.selectFrom('notes').select('review_id').where('id', '=', id).executeTakeFirst();
    if (!found) throw await goneNote(trx, id);
    await lockDraftReview(trx, found.review_id);
    return found.review_id;
  }

  /** After a guarded write matched no row: someone else changed or deleted it first. */
  async function staleError(trx: Transaction<LibraryDb>, id: number): Promise<WorkstationError> {
    const now = await readNote(trx, id);
    return now ? changedByError(now.updatedBy, now.updatedAt) : goneNote(trx, id);
  }

  return {
    async create(actor, reviewId, input) {
      const text = parseOrThrow(NoteText, input.text);
      const frameIndex = parseOrThrow(FrameIndex, input.frameIndex ?? null);
      return writeTransaction(db, changes, async (trx, emit) => {
        await lockDraftReview(trx, reviewId);
        const at = now().toISOString();
        const created = toNote(
          await trx
            .insertInto('notes')
            .values({ review_id: reviewId, frame_index: frameIndex, text, author_id: actor.id, created_at: at, updated_at: at, updated_by: actor.id })
            .returning(COLUMNS)
            .returning(returnNames)
            .executeTakeFirstOrThrow(),
        );
        await writeAudit(trx, { at, userId: actor.id, action: 'note.create', entity: 'note', entityId: created.id, detail: { reviewId, frameIndex, length: text.length } });
        await emit({ type: 'note.created', reviewId, note: created });
        return created;
      });
    },

    async update(actor, id, expectedVersion, rawText) {
      const text = parseOrThrow(NoteText, rawText);
      return writeTransaction(db, changes, async (trx, emit) => {
        await current(trx, id);
        const at = now().toISOString();
        const done = await trx
          .updateTable('notes')
          .set((eb) => ({ text, version: eb('version', '+', 1), updated_at: at, updated_by: actor.id }))
          .where('id', '=', id)
          .where('version', '=', expectedVersion)
          .returning(COLUMNS)
          .returning(returnNames)
          .executeTakeFirst();
        if (!done) throw await staleError(trx, id);
        await writeAudit(trx, { at, userId: actor.id, action: 'note.update', entity: 'note', entityId: id, detail: { version: done.version, length: text.length } });
        const updated = toNote(done);
        await emit({ type: 'note.updated', reviewId: updated.reviewId, note: updated });
        return updated;
      });
    },

    async delete(actor, id, expectedVersion) {
      await writeTransaction(db, changes, async (trx, emit) => {
        const reviewId = await current(trx, id);
        const at = now().toISOString();
        const source = await rememberDeletion(trx, 'note', id, actor, at); // a published one stays deleted when published again
        const done = await trx.deleteFrom('notes').where('id', '=', id).where('version', '=', expectedVersion).returning('id').executeTakeFirst();
        if (!done) throw await staleError(trx, id);
        const detail = { reviewId, version: expectedVersion, ...(source === null ? {} : { publishedSource: source }) };
        await writeAudit(trx, { at, userId: actor.id, action: 'note.delete', entity: 'note', entityId: id, detail });
        await emit({ type: 'note.deleted', reviewId, noteId: id, version: expectedVersion, by: actor.displayName, at });
      });
    },

    async listByReview(reviewId) {
      // The review's own notes (frame_index null) first on both dialects.
      const rows = await selectNotes(db)
        .where('notes.review_id', '=', reviewId)
        .orderBy((eb) => eb.case().when('notes.frame_index', 'is', null).then(0).else(1).end())
        .orderBy('notes.frame_index')
        .orderBy('notes.id')
        .execute();
      return rows.map(toNote);
    },
  };
}
