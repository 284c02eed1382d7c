// Segments: time ranges of the video with a phase ("capsulorhexis 01:10.2–02:05.0"), shown as the coloured
// strip above the scrub bar. Each write has its audit row.
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import type { Segment } from '../../api/schemas-review';
import { createAuditLog, type AuditLog } from '../audit/audit-log';
import { checkPhase } from '../taxonomy/taxonomy';
import { createReviewGuard, type ReviewGuard } from './review-guard';

interface SegmentRow {
  id: number;
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

const toSegment = (r: SegmentRow): Segment => ({
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

function checkRange(s: SegmentFields): void {
  if (s.endFrame < s.startFrame || s.endTime < s.startTime) throw new WorkstationError('invalid-argument', 'A segment ends at or after its start.');
}

export function createSegmentsRepo(db: Database, deps: { audit?: AuditLog; guard?: ReviewGuard; now?: () => string } = {}) {
  const audit = deps.audit ?? createAuditLog(db);
  const guard = deps.guard ?? createReviewGuard(db);
  const now = deps.now ?? (() => new Date().toISOString());

  const byId = db.prepare<[number], SegmentRow>('SELECT * FROM segments WHERE id = ?');
  const forReview = db.prepare<[number], SegmentRow>('SELECT * FROM segments WHERE review_id = ? ORDER BY start_frame, id');
  const insert = db.prepare(
    `INSERT INTO segments (review_id, start_frame, end_frame, start_time, end_time, phase, label, note, author, created_at, updated_at)
     VALUES (@reviewId, @startFrame, @endFrame, @startTime, @endTime, @phase, @label, @note, @author, @at, @at)`,
  );
  const update = db.prepare(
    `UPDATE segments SET start_frame = @startFrame, end_frame = @endFrame, start_time = @startTime, end_time = @endTime,
       phase = @phase, label = @label, note = @note, updated_at = @at WHERE id = @id`,
  );
  const remove = db.prepare<[number]>('DELETE FROM segments WHERE id = ?');

  function get(id: number): Segment {
    const row = byId.get(id);
    if (!row) throw new WorkstationError('not-found', `Segment ${id} does not exist (it may have been deleted).`);
    return toSegment(row);
  }

  return {
    get,
    list(reviewId: number): Segment[] {
      guard.review(reviewId);
      return forReview.all(reviewId).map(toSegment);
    },
    create(input: { reviewId: number } & Omit<SegmentFields, 'label' | 'note'> & { label?: string | undefined; note?: string | undefined }, actor: string): Segment {
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
      return db.transaction(() => {
        guard.draftReview(input.reviewId);
        const at = now();
        const id = Number(insert.run({ ...fields, reviewId: input.reviewId, author: actor, at }).lastInsertRowid);
        const after = get(id);
        audit.record({ entity: 'segment', entityId: id, reviewId: input.reviewId, action: 'create', before: null, after, actor, at });
        guard.touch(input.reviewId, at);
        return after;
      })();
    },
    update(id: number, patch: Partial<SegmentFields>, actor: string): Segment {
      return db.transaction(() => {
        const before = get(id);
        guard.draftReview(before.reviewId);
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
        update.run({ ...next, id, at });
        const after = get(id);
        audit.record({ entity: 'segment', entityId: id, reviewId: before.reviewId, action: 'update', before, after, actor, at });
        guard.touch(before.reviewId, at);
        return after;
      })();
    },
    delete(id: number, actor: string): Segment {
      return db.transaction(() => {
        const before = get(id);
        guard.draftReview(before.reviewId);
        const at = now();
        remove.run(id);
        audit.record({ entity: 'segment', entityId: id, reviewId: before.reviewId, action: 'delete', before, after: null, actor, at });
        guard.touch(before.reviewId, at);
        return before;
      })();
    },
  };
}
export type SegmentsRepo = ReturnType<typeof createSegmentsRepo>;
