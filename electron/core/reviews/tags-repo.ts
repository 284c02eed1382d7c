// Tags on a review, on one of its frames or on one of its phase segments: phase, instrument, anatomy, finding, severity (vocabularies from
// resources/taxonomy) or free text. Adding a tag twice returns the first; each write has its audit row.
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import type { Tag, TagKind } from '../../api/schemas-review';
import { createAuditLog, type AuditLog } from '../audit/audit-log';
import { resolveTag } from '../taxonomy/taxonomy';
import { createReviewGuard, type ReviewGuard } from './review-guard';

interface TagRow {
  id: number;
  review_id: number;
  frame_id: number | null;
  segment_id: number | null;
  kind: TagKind;
  value: string;
  label: string;
  author: string;
  created_at: string;
}

const toTag = (r: TagRow): Tag => ({
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

export function createTagsRepo(db: Database, deps: { audit?: AuditLog; guard?: ReviewGuard; now?: () => string } = {}) {
  const audit = deps.audit ?? createAuditLog(db);
  const guard = deps.guard ?? createReviewGuard(db);
  const now = deps.now ?? (() => new Date().toISOString());

  const byId = db.prepare<[number], TagRow>('SELECT * FROM tags WHERE id = ?');
  const same = db.prepare<[number, number, number, string, string], TagRow>(
    'SELECT * FROM tags WHERE review_id = ? AND ifnull(frame_id, 0) = ? AND ifnull(segment_id, 0) = ? AND kind = ? AND value = ? COLLATE NOCASE',
  );
  const forReview = db.prepare<[number], TagRow>('SELECT * FROM tags WHERE review_id = ? ORDER BY frame_id, segment_id, id');
  const forFrame = db.prepare<[number, number], TagRow>('SELECT * FROM tags WHERE review_id = ? AND frame_id = ? ORDER BY id');
  const reviewLevel = db.prepare<[number], TagRow>('SELECT * FROM tags WHERE review_id = ? AND frame_id IS NULL AND segment_id IS NULL ORDER BY id');
  const segmentReview = db.prepare<[number], { review_id: number }>('SELECT review_id FROM segments WHERE id = ?');
  const insert = db.prepare(
    'INSERT INTO tags (review_id, frame_id, segment_id, kind, value, label, author, created_at) VALUES (@reviewId, @frameId, @segmentId, @kind, @value, @label, @author, @at)',
  );
  const remove = db.prepare<[number]>('DELETE FROM tags WHERE id = ?');

  function get(id: number): Tag {
    const row = byId.get(id);
    if (!row) throw new WorkstationError('not-found', `Tag ${id} does not exist (it may have been removed).`);
    return toTag(row);
  }

  return {
    get,
    list(reviewId: number, frameId?: number | null): Tag[] {
      guard.review(reviewId);
      if (frameId === undefined) return forReview.all(reviewId).map(toTag);
      if (frameId === null) return reviewLevel.all(reviewId).map(toTag);
      return forFrame.all(reviewId, frameId).map(toTag);
    },
    add(input: { reviewId: number; frameId?: number | null | undefined; segmentId?: number | null | undefined; kind: TagKind; value: string }, actor: string): Tag {
      const { value, label } = resolveTag(input.kind, input.value);
      const frameId = input.frameId ?? null;
      const segmentId = input.segmentId ?? null;
      if (frameId !== null && segmentId !== null) throw new WorkstationError('invalid-argument', 'A tag is on a frame or on a segment, not both.');
      return db.transaction(() => {
        guard.draftReview(input.reviewId);
        if (frameId !== null) guard.frameInReview(frameId, input.reviewId);
        if (segmentId !== null) {
          const seg = segmentReview.get(segmentId);
          if (!seg) throw new WorkstationError('not-found', `Segment ${segmentId} does not exist (it may have been deleted).`);
          if (seg.review_id !== input.reviewId) throw new WorkstationError('invalid-argument', `Segment ${segmentId} does not belong to review ${input.reviewId}.`);
        }
        const existing = same.get(input.reviewId, frameId ?? 0, segmentId ?? 0, input.kind, value);
        if (existing) return toTag(existing);
        const at = now();
        const id = Number(insert.run({ reviewId: input.reviewId, frameId, segmentId, kind: input.kind, value, label, author: actor, at }).lastInsertRowid);
        const after = get(id);
        audit.record({ entity: 'tag', entityId: id, reviewId: input.reviewId, action: 'create', before: null, after, actor, at });
        guard.touch(input.reviewId, at);
        return after;
      })();
    },
    remove(id: number, actor: string): Tag {
      return db.transaction(() => {
        const before = get(id);
        guard.draftReview(before.reviewId);
        const at = now();
        remove.run(id);
        audit.record({ entity: 'tag', entityId: id, reviewId: before.reviewId, action: 'delete', before, after: null, actor, at });
        guard.touch(before.reviewId, at);
        return before;
      })();
    },
  };
}
export type TagsRepo = ReturnType<typeof createTagsRepo>;
