// Finishing a review, on the workstation's library (SQLite or PostgreSQL): the check list, finalise (lock) and reopen
// (with a reason). The one place that decides whether a review may be signed off and by whom; the review guards
// (review-guard-store.ts, review-guard.ts) refuse every change to a locked review. Each finalise and reopen is one
// transaction with its audit row.
//
// Roles are data (ReviewerRole). Today any named reviewer with a role may sign off; a department's rule (a resident's
// review signed off by an attending) belongs in `signOffRefusal` below.
import { sql, type Kysely } from 'kysely';
import { WorkstationError } from '../../api/errors';
import type { ReviewerRole } from '../../api/schemas';
import type { ChecklistItem, Review, ReviewChecklist } from '../../api/schemas-video';
import { appendAudit } from '../audit/audit-store';
import type { WorkstationDb } from '../db/workstation-db';
import { getReview } from './reviews-store';

export interface ReviewerIdentity {
  name: string;
  role: ReviewerRole | null;
}

export interface ReviewLockDeps {
  /** The reviewer signing off (Settings). */
  identity: () => ReviewerIdentity;
  /** Frame ids with an analysis queued or running now (their result would change a locked review). */
  activeAnalysisFrames?: () => readonly number[];
  /**
   * Whether the review's phase timeline is running now (its job is the synchronous timeline repository's, on the
   * SQLite library only; a read of the same connection, no await).
   */
  timelineRunning?: (reviewId: number) => boolean;
  now?: () => string;
}

export interface ReviewLockStore {
  checklist(reviewId: number): Promise<ReviewChecklist>;
  /** Locks the review under the reviewer's name and role once nothing blocks it; the warnings are in the audit row. */
  finalise(reviewId: number): Promise<Review>;
  /** Unlocks a finalised review for changes; the reason is kept in the audit log. */
  reopen(reviewId: number, reason: string): Promise<Review>;
}

/** Why this reviewer may not sign off, or null when they may. */
function signOffRefusal(who: ReviewerIdentity): string | null {
  if (!who.name.trim() || !who.role) return 'Set your name and role (resident, attending or educator) in Settings → Reviewer first: the sign-off records them.';
  return null;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function createReviewLockStore(db: Kysely<WorkstationDb>, d: ReviewLockDeps): ReviewLockStore {
  const now = d.now ?? (() => new Date().toISOString());

  async function checklist(reviewId: number, from: Kysely<WorkstationDb> = db): Promise<ReviewChecklist> {
    await getReview(from, reviewId);
    const who = d.identity();
    const items: ChecklistItem[] = [];
    const item = (i: Omit<ChecklistItem, 'frameIndices' | 'segmentIds'> & Partial<Pick<ChecklistItem, 'frameIndices' | 'segmentIds'>>) =>
      items.push({ frameIndices: [], segmentIds: [], ...i });

    const refusal = signOffRefusal(who);
    if (refusal) item({ id: 'identity', severity: 'block', message: refusal });

    const active = new Set(d.activeAnalysisFrames?.() ?? []);
    if (active.size) {
      const reviewFrames = await from.selectFrom('frames').select(['id', 'frame_index']).where('review_id', '=', reviewId).execute();
      const running = reviewFrames.filter((f) => active.has(f.id));
      if (running.length) {
        item({
          id: 'analyses-running',
          severity: 'block',
          message: `${plural(running.length, 'analysis is', 'analyses are')} still running or queued. Wait for ${running.length === 1 ? 'it' : 'them'} or cancel ${running.length === 1 ? 'it' : 'them'}: a locked review cannot take new results.`,
          frameIndices: running.map((f) => f.frame_index).filter((k): k is number => k !== null),
        });
      }
    }
    if (d.timelineRunning?.(reviewId)) {
      item({ id: 'timeline-running', severity: 'block', message: 'The phase timeline (Analyse video) is still running. Let it finish, or pause or cancel it.' });
    }

    const frames = await from
      .selectFrom('frames as f')
      .select(['f.id', 'f.frame_index'])
      .select((eb) => eb.selectFrom('tags as t').select(eb.fn.countAll().as('n')).whereRef('t.frame_id', '=', 'f.id').as('tags'))
      .where('f.review_id', '=', reviewId)
      .where('f.origin', '=', 'capture')
      .orderBy('f.frame_index', (ob) => ob.asc().nullsFirst())
      .orderBy('f.id')
      .execute();
    if (frames.length === 0) item({ id: 'no-frames', severity: 'warn', message: 'No frames were captured in this review.' });
    const untagged = frames.filter((f) => Number(f.tags) === 0);
    if (untagged.length) {
      item({
        id: 'untagged-frames',
        severity: 'warn',
        message: `${plural(untagged.length, 'captured frame has', 'captured frames have')} no tags.`,
        frameIndices: untagged.map((f) => f.frame_index).filter((k): k is number => k !== null),
      });
    }
    const empty = await from
      .selectFrom('segments')
      .select('id')
      .where('review_id', '=', reviewId)
      .where('phase', 'is', null)
      .where(sql<string>`trim(label)`, '=', '')
      .orderBy('start_frame')
      .orderBy('id')
      .execute();
    if (empty.length) {
      item({ id: 'empty-segments', severity: 'warn', message: `${plural(empty.length, 'phase segment has', 'phase segments have')} neither a phase nor a label.`, segmentIds: empty.map((s) => s.id) });
    }
    return { reviewId, ready: !items.some((i) => i.severity === 'block'), items, reviewer: who.name.trim(), role: who.role };
  }

  return {
    checklist: (reviewId) => checklist(reviewId),
    finalise(reviewId) {
      return db.transaction().execute(async (trx) => {
        const r = await getReview(trx, reviewId);
        if (r.status === 'final') throw new WorkstationError('conflict', `This review is already finalised (by ${r.finalisedBy ?? r.reviewer}).`);
        const list = await checklist(reviewId, trx);
        const blocking = list.items.find((i) => i.severity === 'block');
        if (blocking) throw new WorkstationError('conflict', `The review was not finalised: ${blocking.message}`);
        const at = now();
        await trx
          .updateTable('reviews')
          .set({ status: 'final', finalised_at: at, finalised_by: list.reviewer, finalised_role: list.role!, updated_at: at })
          .where('id', '=', reviewId)
          .execute();
        const after = await getReview(trx, reviewId);
        await appendAudit(trx, {
          entity: 'review',
          entityId: reviewId,
          reviewId,
          action: 'finalise',
          before: { status: r.status },
          after: { status: 'final', finalisedAt: at, finalisedBy: list.reviewer, finalisedRole: list.role, warnings: list.items.map((i) => i.message) },
          actor: list.reviewer,
          at,
        });
        return after;
      });
    },
    async reopen(reviewId, reason) {
      const why = reason.trim();
      if (!why) throw new WorkstationError('invalid-argument', 'Give a reason for reopening the review (it is kept in the audit log).');
      return db.transaction().execute(async (trx) => {
        const r = await getReview(trx, reviewId);
        if (r.status !== 'final') throw new WorkstationError('conflict', 'This review is a draft: there is nothing to reopen.');
        const who = d.identity();
        const actor = who.name.trim() || 'Reviewer';
        const at = now();
        await trx.updateTable('reviews').set({ status: 'draft', finalised_at: null, finalised_by: null, finalised_role: null, updated_at: at }).where('id', '=', reviewId).execute();
        await appendAudit(trx, {
          entity: 'review',
          entityId: reviewId,
          reviewId,
          action: 'reopen',
          before: { status: 'final', finalisedAt: r.finalisedAt, finalisedBy: r.finalisedBy, finalisedRole: r.finalisedRole },
          after: { status: 'draft', reason: why, reopenedRole: who.role },
          actor,
          at,
        });
        return getReview(trx, reviewId);
      });
    },
  };
}
