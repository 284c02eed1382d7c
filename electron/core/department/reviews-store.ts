// Reviews in the department library: create, read, rename, sign off, reopen. Every change names the version it
// was based on; a change based on an old version, or to a signed-off review, is refused and writes nothing.
import type { Kysely, Transaction, Updateable } from 'kysely';
import { z } from 'zod';
import { WorkstationError } from '../../api/errors';
import { writeAudit } from './audit';
import { writeTransaction, type ChangeSink } from './changes';
import type { Clock, LibraryDb, ReviewStatus, ReviewsTable } from './db';
import { changedByError, parseOrThrow, reviewNotFound, signedOffError } from './messages';
import { requireSignOff, type LibraryUser } from './roles';

export interface LibraryReview {
  id: number;
  title: string;
  status: ReviewStatus;
  /** Bumped by every change to the review itself (not by its annotations). */
  version: number;
  /** The display name of who signed it off, while it is final. */
  signedOffBy: string | null;
  signedOffAt: string | null;
  updatedBy: string;
  updatedAt: string;
}

export interface ReviewStore {
  create(actor: LibraryUser, input: { title: string }): Promise<LibraryReview>;
  get(id: number): Promise<LibraryReview>;
  list(): Promise<LibraryReview[]>;
  rename(actor: LibraryUser, id: number, expectedVersion: number, title: string): Promise<LibraryReview>;
  /** Sign off (attending surgeons and administrators): the review becomes final and refuses edits. */
  finalise(actor: LibraryUser, id: number, expectedVersion: number): Promise<LibraryReview>;
  /** Back to draft (attending surgeons and administrators), with the reason in the audit log. */
  reopen(actor: LibraryUser, id: number, expectedVersion: number, reason: string): Promise<LibraryReview>;
}

const Title = z.string().trim().min(1, 'Enter a title for the review.').max(200, 'A review title has at most 200 characters.');
const Reason = z.string().trim().min(3, 'Say why the review is reopened (at least 3 characters).').max(1000, 'A reason has at most 1,000 characters.');

function selectReviews(db: Kysely<LibraryDb>) {
  return db
    .selectFrom('reviews')
    .innerJoin('users as editor', 'editor.id', 'reviews.updated_by')
    .leftJoin('users as signer', 'signer.id', 'reviews.signed_off_by')
    .select([
      'reviews.id',
      'reviews.title',
      'reviews.status',
      'reviews.version',
      'reviews.signed_off_at',
      'reviews.updated_at',
      'editor.display_name as editor_name',
      'signer.display_name as signer_name',
    ]);
}

type ReviewRow = Awaited<ReturnType<ReturnType<typeof selectReviews>['executeTakeFirstOrThrow']>>;

const toReview = (r: ReviewRow): LibraryReview => ({
  id: r.id,
  title: r.title,
  status: r.status,
  version: r.version,
  signedOffBy: r.status === 'final' ? r.signer_name : null,
  signedOffAt: r.status === 'final' ? r.signed_off_at : null,
  updatedBy: r.editor_name,
  updatedAt: r.updated_at,
});

export async function readReview(db: Kysely<LibraryDb>, id: number): Promise<LibraryReview | undefined> {
  const row = await selectReviews(db).where('reviews.id', '=', id).executeTakeFirst();
  return row && toReview(row);
}

/**
 * Holds the review's row for the rest of the transaction while it is a draft (PostgreSQL: a row lock, so a sign-off
 * cannot land between this check and the caller's write; SQLite: the transaction already holds the write lock).
 * Refuses with who signed it off when it is final.
 */
export async function lockDraftReview(trx: Transaction<LibraryDb>, reviewId: number): Promise<void> {
  const held = await trx
    .updateTable('reviews')
    .set((eb) => ({ status: eb.ref('status') }))
    .where('id', '=', reviewId)
    .where('status', '=', 'draft')
    .returning('id')
    .executeTakeFirst();
  if (held) return;
  const r = await readReview(trx, reviewId);
  if (!r) throw reviewNotFound(reviewId);
  throw signedOffError(r.signedOffBy, r.signedOffAt);
}

export function createReviewStore(db: Kysely<LibraryDb>, now: Clock, changes?: ChangeSink): ReviewStore {
  /**
   * One change to a review, based on `expectedVersion`, allowed only in status `from`: the row is updated only if
   * both still hold, so two writers based on the same version cannot both succeed.
   */
  async function change(
    actor: LibraryUser,
    id: number,
    expectedVersion: number,
    from: ReviewStatus,
    set: (at: string) => Updateable<ReviewsTable>,
    audit: { action: string; detail?: Record<string, unknown> },
  ): Promise<LibraryReview> {
    return writeTransaction(db, changes, async (trx, emit) => {
      const at = now().toISOString();
      const done = await trx
        .updateTable('reviews')
        .set((eb) => ({ ...set(at), version: eb('version', '+', 1), updated_by: actor.id, updated_at: at }))
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .where('status', '=', from)
        .returning('version')
        .executeTakeFirst();
      if (!done) {
        const r = await readReview(trx, id);
        if (!r) throw reviewNotFound(id);
        if (from === 'draft' && r.status === 'final') throw signedOffError(r.signedOffBy, r.signedOffAt);
        if (r.version !== expectedVersion) throw changedByError(r.updatedBy, r.updatedAt);
        throw new WorkstationError('conflict', 'This review is not signed off, so there is nothing to reopen.');
      }
      await writeAudit(trx, { at, userId: actor.id, action: audit.action, entity: 'review', entityId: id, detail: { version: done.version, ...audit.detail } });
      const r = await readReview(trx, id);
      if (!r) throw reviewNotFound(id);
      await emit({ type: 'review.updated', reviewId: id, review: r });
      return r;
    });
  }

  return {
    async create(actor, input) {
      const title = parseOrThrow(Title, input.title);
      return writeTransaction(db, changes, async (trx, emit) => {
        const at = now().toISOString();
        const { id } = await trx.insertInto('reviews').values({ title, updated_by: actor.id, updated_at: at }).returning('id').executeTakeFirstOrThrow();
        await writeAudit(trx, { at, userId: actor.id, action: 'review.create', entity: 'review', entityId: id, detail: { title } });
        const r = await readReview(trx, id);
        if (!r) throw reviewNotFound(id);
        await emit({ type: 'review.created', reviewId: id, review: r });
        return r;
      });
    },

    async get(id) {
      const r = await readReview(db, id);
      if (!r) throw reviewNotFound(id);
      return r;
    },

    async list() {
      const rows = await selectReviews(db).orderBy('reviews.id').execute();
      return rows.map(toReview);
    },

    async rename(actor, id, expectedVersion, title) {
      const next = parseOrThrow(Title, title);
      return change(actor, id, expectedVersion, 'draft', () => ({ title: next }), { action: 'review.rename', detail: { title: next } });
    },

    async finalise(actor, id, expectedVersion) {
      requireSignOff(actor, 'sign off');
      return change(actor, id, expectedVersion, 'draft', (at) => ({ status: 'final', signed_off_by: actor.id, signed_off_at: at }), { action: 'review.sign-off' });
    },

    async reopen(actor, id, expectedVersion, reason) {
      requireSignOff(actor, 'reopen');
      const why = parseOrThrow(Reason, reason);
      return change(actor, id, expectedVersion, 'final', () => ({ status: 'draft', signed_off_by: null, signed_off_at: null }), { action: 'review.reopen', detail: { reason: why } });
    },
  };
}
