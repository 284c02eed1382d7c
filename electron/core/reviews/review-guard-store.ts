// review-guard.ts for the async stores: where a reviewer's change lands must exist, and a finalised review refuses it
// (the same refusals, word for word). Call these inside the write's transaction.
import type { Kysely } from 'kysely';
import { appendAudit, type AuditRecord } from '../audit/audit-store';
import type { WorkstationDb } from '../db/workstation-db';
import { WorkstationError } from '../../api/errors';
import { lockedError, type FrameContext } from './review-guard';

/** The columns of frames the guard and the review lock read (the table has more; its store will declare them). The reviews table is reviews-store.ts's. */
export interface GuardDb {
  frames: { id: number; case_id: number; review_id: number | null; frame_index: number | null; origin: 'still' | 'capture' | 'sample' };
}

const missingReview = (id: number) => new WorkstationError('not-found', `Review ${id} does not exist (it may have been deleted).`);
const missingFrame = (id: number) => new WorkstationError('not-found', `Frame ${id} does not exist (it may have been deleted).`);

/** The review exists (any status). */
export async function assertReview(db: Kysely<WorkstationDb>, reviewId: number): Promise<void> {
  const r = await db.selectFrom('reviews').select('id').where('id', '=', reviewId).executeTakeFirst();
  if (!r) throw missingReview(reviewId);
}

/** The review exists and may be changed (`what`: the end of the refusal). */
export async function assertDraftReview(db: Kysely<WorkstationDb>, reviewId: number, what?: string): Promise<void> {
  const r = await db.selectFrom('reviews').select(['status', 'finalised_at', 'finalised_by', 'finalised_role']).where('id', '=', reviewId).executeTakeFirst();
  if (!r) throw missingReview(reviewId);
  if (r.status === 'final') throw lockedError(r, what);
}

/** The frame exists (its review any status). */
export async function assertFrame(db: Kysely<WorkstationDb>, frameId: number): Promise<FrameContext> {
  const f = await db.selectFrom('frames').select(['id', 'case_id', 'review_id']).where('id', '=', frameId).executeTakeFirst();
  if (!f) throw missingFrame(frameId);
  return { frameId: f.id, caseId: f.case_id, reviewId: f.review_id };
}

/** The frame exists and its review, when it has one, may be changed (`what`: the end of the refusal). */
export async function assertWritableFrame(db: Kysely<WorkstationDb>, frameId: number, what?: string): Promise<FrameContext> {
  const frame = await assertFrame(db, frameId);
  if (frame.reviewId !== null) await assertDraftReview(db, frame.reviewId, what);
  return frame;
}

/** A frame given with a review must belong to it. */
export async function assertFrameInReview(db: Kysely<WorkstationDb>, frameId: number, reviewId: number): Promise<void> {
  const f = await db.selectFrom('frames').select('review_id').where('id', '=', frameId).executeTakeFirst();
  if (!f) throw missingFrame(frameId);
  if (f.review_id !== reviewId) throw new WorkstationError('invalid-argument', `Frame ${frameId} does not belong to review ${reviewId}.`);
}

/** Marks the review as just worked on (the library's "Recent" list). */
export async function touchReview(db: Kysely<WorkstationDb>, reviewId: number, at: string): Promise<void> {
  await db.updateTable('reviews').set({ updated_at: at }).where('id', '=', reviewId).execute();
}

/**
 * The end of a reviewer's change to a review's row, in its transaction: the audit row, and the review (when there is
 * one: an annotation on a case's still has none) marked as just worked on.
 */
export async function recordChange(db: Kysely<WorkstationDb>, change: AuditRecord): Promise<void> {
  await appendAudit(db, change);
  if (change.reviewId !== null) await touchReview(db, change.reviewId, change.at);
}
