// Finishing a review: the check list, finalise (lock) and reopen (with a reason). The one place that decides whether
// a review may be signed off and by whom; review-guard.ts refuses every change to a locked review. Each finalise and
// reopen is written with its audit row in one transaction.
//
// Roles are data (ReviewerRole). Today any named reviewer with a role may sign off; a department's rule (a resident's
// review signed off by an attending) belongs in `signOffRefusal` below.
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import type { ReviewerRole } from '../../api/schemas';
import type { ChecklistItem, Review, ReviewChecklist } from '../../api/schemas-video';
import type { AuditLog } from '../audit/audit-log';
import { createReviewsRepo } from './reviews-repo';

export interface ReviewerIdentity {
  name: string;
  role: ReviewerRole | null;
}

export interface ReviewLockDeps {
  audit: AuditLog;
  /** The reviewer signing off (Settings). */
  identity: () => ReviewerIdentity;
  /** Frame ids with an analysis queued or running now (their result would change a locked review). */
  activeAnalysisFrames?: () => readonly number[];
  now?: () => string;
}

/** Why this reviewer may not sign off, or null when they may. */
function signOffRefusal(who: ReviewerIdentity): string | null {
  if (!who.name.trim() || !who.role) return 'Set your name and role (resident, attending or educator) in Settings → Reviewer first: the sign-off records them.';
  return null;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function createReviewLock(db: Database, d: ReviewLockDeps) {
  const reviews = createReviewsRepo(db);
  const now = d.now ?? (() => new Date().toISOString());
  const capturedFrames = db.prepare<[number], { id: number; frame_index: number | null; tags: number }>(
    `SELECT f.id, f.frame_index, (SELECT count(*) FROM tags t WHERE t.frame_id = f.id) AS tags
     FROM frames f WHERE f.review_id = ? AND f.origin = 'capture' ORDER BY f.frame_index, f.id`,
  );
  const emptySegments = db.prepare<[number], { id: number }>(
    "SELECT id FROM segments WHERE review_id = ? AND phase IS NULL AND trim(label) = '' ORDER BY start_frame, id",
  );
  const reviewFrames = db.prepare<[number], { id: number; frame_index: number | null }>('SELECT id, frame_index FROM frames WHERE review_id = ?');
  const timelineState = db.prepare<[number], { state: string }>('SELECT state FROM timeline_jobs WHERE review_id = ?');
  const setFinal = db.prepare<[string, string, string, string, number]>(
    "UPDATE reviews SET status = 'final', finalised_at = ?, finalised_by = ?, finalised_role = ?, updated_at = ? WHERE id = ?",
  );
  const setDraft = db.prepare<[string, number]>("UPDATE reviews SET status = 'draft', finalised_at = NULL, finalised_by = NULL, finalised_role = NULL, updated_at = ? WHERE id = ?");

  function checklist(reviewId: number): ReviewChecklist {
    reviews.get(reviewId);
    const who = d.identity();
    const items: ChecklistItem[] = [];
    const item = (i: Omit<ChecklistItem, 'frameIndices' | 'segmentIds'> & Partial<Pick<ChecklistItem, 'frameIndices' | 'segmentIds'>>) =>
      items.push({ frameIndices: [], segmentIds: [], ...i });

    const refusal = signOffRefusal(who);
    if (refusal) item({ id: 'identity', severity: 'block', message: refusal });

    const active = new Set(d.activeAnalysisFrames?.() ?? []);
    if (active.size) {
      const running = reviewFrames.all(reviewId).filter((f) => active.has(f.id));
      if (running.length) {
        item({
          id: 'analyses-running',
          severity: 'block',
          message: `${plural(running.length, 'analysis is', 'analyses are')} still running or queued. Wait for ${running.length === 1 ? 'it' : 'them'} or cancel ${running.length === 1 ? 'it' : 'them'}: a locked review cannot take new results.`,
          frameIndices: running.map((f) => f.frame_index).filter((k): k is number => k !== null),
        });
      }
    }
    if (timelineState.get(reviewId)?.state === 'running') {
      item({ id: 'timeline-running', severity: 'block', message: 'The phase timeline (Analyse video) is still running. Let it finish, or pause or cancel it.' });
    }

    const frames = capturedFrames.all(reviewId);
    if (frames.length === 0) item({ id: 'no-frames', severity: 'warn', message: 'No frames were captured in this review.' });
    const untagged = frames.filter((f) => f.tags === 0);
    if (untagged.length) {
      item({
        id: 'untagged-frames',
        severity: 'warn',
        message: `${plural(untagged.length, 'captured frame has', 'captured frames have')} no tags.`,
        frameIndices: untagged.map((f) => f.frame_index).filter((k): k is number => k !== null),
      });
    }
    const empty = emptySegments.all(reviewId);
    if (empty.length) {
      item({ id: 'empty-segments', severity: 'warn', message: `${plural(empty.length, 'phase segment has', 'phase segments have')} neither a phase nor a label.`, segmentIds: empty.map((s) => s.id) });
    }
    return { reviewId, ready: !items.some((i) => i.severity === 'block'), items, reviewer: who.name.trim(), role: who.role };
  }

  return {
    checklist,
    /** Locks the review under the reviewer's name and role once nothing blocks it; the warnings are in the audit row. */
    finalise(reviewId: number): Review {
      return db.transaction(() => {
        const r = reviews.get(reviewId);
        if (r.status === 'final') throw new WorkstationError('conflict', `This review is already finalised (by ${r.finalisedBy ?? r.reviewer}).`);
        const list = checklist(reviewId);
        const blocking = list.items.find((i) => i.severity === 'block');
        if (blocking) throw new WorkstationError('conflict', `The review was not finalised: ${blocking.message}`);
        const at = now();
        setFinal.run(at, list.reviewer, list.role!, at, reviewId);
        const after = reviews.get(reviewId);
        d.audit.record({
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
      }).immediate();
    },
    /** Unlocks a finalised review for changes; the reason is kept in the audit log. */
    reopen(reviewId: number, reason: string): Review {
      const why = reason.trim();
      if (!why) throw new WorkstationError('invalid-argument', 'Give a reason for reopening the review (it is kept in the audit log).');
      return db.transaction(() => {
        const r = reviews.get(reviewId);
        if (r.status !== 'final') throw new WorkstationError('conflict', 'This review is a draft: there is nothing to reopen.');
        const who = d.identity();
        const actor = who.name.trim() || 'Reviewer';
        const at = now();
        setDraft.run(at, reviewId);
        d.audit.record({
          entity: 'review',
          entityId: reviewId,
          reviewId,
          action: 'reopen',
          before: { status: 'final', finalisedAt: r.finalisedAt, finalisedBy: r.finalisedBy, finalisedRole: r.finalisedRole },
          after: { status: 'draft', reason: why, reopenedRole: who.role },
          actor,
          at,
        });
        return reviews.get(reviewId);
      }).immediate();
    },
  };
}
export type ReviewLock = ReturnType<typeof createReviewLock>;

