// Annotations drawn on frames. Every write is one transaction that also writes its audit row; geometry is
// stored as JSON in normalised frame coordinates exactly as given (no rounding), so it redraws exactly.
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import {
  Annotation,
  GEOMETRY_BY_KIND,
  type AnnotationCreate,
  type AnnotationKind,
  type AnnotationPatch,
} from '../../api/schemas-review';
import { createAuditLog, type AuditLog } from '../audit/audit-log';
import { createReviewGuard, type ReviewGuard } from '../reviews/review-guard';

export const DEFAULT_ANNOTATION_COLOR = '#ffd400';

interface AnnotationRow {
  id: number;
  frame_id: number;
  review_id: number | null;
  kind: AnnotationKind;
  geometry_json: string;
  label: string | null;
  color: string;
  author: string;
  created_at: string;
  updated_at: string;
}

function toAnnotation(r: AnnotationRow): Annotation {
  return {
    id: r.id,
    frameId: r.frame_id,
    reviewId: r.review_id,
    kind: r.kind,
    geometry: JSON.parse(r.geometry_json),
    label: r.label,
    color: r.color,
    author: r.author,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  } as Annotation;
}

/** The geometry must be the kind's; the contract lets any geometry through an update, this decides. */
function checkGeometry(kind: AnnotationKind, geometry: unknown): unknown {
  const parsed = GEOMETRY_BY_KIND[kind].safeParse(geometry);
  if (!parsed.success) {
    throw new WorkstationError('invalid-argument', `That geometry does not fit a ${kind} annotation: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'geometry'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export interface AnnotationsRepoDeps {
  audit?: AuditLog;
  guard?: ReviewGuard;
  now?: () => string;
}

export function createAnnotationsRepo(db: Database, deps: AnnotationsRepoDeps = {}) {
  const audit = deps.audit ?? createAuditLog(db);
  const guard = deps.guard ?? createReviewGuard(db);
  const now = deps.now ?? (() => new Date().toISOString());

  const byId = db.prepare<[number], AnnotationRow>('SELECT * FROM annotations WHERE id = ?');
  const byFrame = db.prepare<[number], AnnotationRow>('SELECT * FROM annotations WHERE frame_id = ? ORDER BY id');
  const byReview = db.prepare<[number], AnnotationRow>('SELECT * FROM annotations WHERE review_id = ? ORDER BY frame_id, id');
  const insert = db.prepare(
    `INSERT INTO annotations (frame_id, review_id, kind, geometry_json, label, color, author, created_at, updated_at)
     VALUES (@frameId, @reviewId, @kind, @geometry, @label, @color, @author, @at, @at)`,
  );
  const insertWithId = db.prepare(
    `INSERT INTO annotations (id, frame_id, review_id, kind, geometry_json, label, color, author, created_at, updated_at)
     VALUES (@id, @frameId, @reviewId, @kind, @geometry, @label, @color, @author, @createdAt, @updatedAt)`,
  );
  const update = db.prepare('UPDATE annotations SET geometry_json = @geometry, label = @label, color = @color, updated_at = @at WHERE id = @id');
  const remove = db.prepare<[number]>('DELETE FROM annotations WHERE id = ?');

  function get(id: number): Annotation {
    const row = byId.get(id);
    if (!row) throw new WorkstationError('not-found', `Annotation ${id} does not exist (it may have been deleted).`);
    return toAnnotation(row);
  }

  return {
    get,
    listForFrame(frameId: number): Annotation[] {
      guard.frame(frameId);
      return byFrame.all(frameId).map(toAnnotation);
    },
    listForReview(reviewId: number): Annotation[] {
      guard.review(reviewId);
      return byReview.all(reviewId).map(toAnnotation);
    },

    create(input: AnnotationCreate, actor: string): Annotation {
      return db.transaction(() => {
        const frame = guard.writableFrame(input.frameId);
        const at = now();
        const id = Number(
          insert.run({
            frameId: input.frameId,
            reviewId: frame.reviewId,
            kind: input.kind,
            geometry: JSON.stringify(input.geometry),
            label: input.label ?? null,
            color: (input.color ?? DEFAULT_ANNOTATION_COLOR).toLowerCase(),
            author: actor,
            at,
          }).lastInsertRowid,
        );
        const after = get(id);
        audit.record({ entity: 'annotation', entityId: id, reviewId: frame.reviewId, action: 'create', before: null, after, actor, at });
        guard.touch(frame.reviewId, at);
        return after;
      })();
    },

    update(id: number, patch: AnnotationPatch, actor: string): Annotation {
      return db.transaction(() => {
        const before = get(id);
        guard.writableFrame(before.frameId);
        const geometry = patch.geometry === undefined ? before.geometry : checkGeometry(before.kind, patch.geometry);
        const at = now();
        update.run({
          id,
          geometry: JSON.stringify(geometry),
          label: patch.label === undefined ? before.label : patch.label,
          color: (patch.color ?? before.color).toLowerCase(),
          at,
        });
        const after = get(id);
        audit.record({ entity: 'annotation', entityId: id, reviewId: before.reviewId, action: 'update', before, after, actor, at });
        guard.touch(before.reviewId, at);
        return after;
      })();
    },

    delete(id: number, actor: string): Annotation {
      return db.transaction(() => {
        const before = get(id);
        guard.writableFrame(before.frameId);
        const at = now();
        remove.run(id);
        audit.record({ entity: 'annotation', entityId: id, reviewId: before.reviewId, action: 'delete', before, after: null, actor, at });
        guard.touch(before.reviewId, at);
        return before;
      })();
    },

    /**
     * Brings back a deleted annotation under its own id, as it was just before its last deletion (the audit
     * log's `before`). Restoring one that exists returns it unchanged, so a repeated undo is harmless.
     */
    restore(id: number, actor: string): Annotation {
      return db.transaction(() => {
        const existing = byId.get(id);
        if (existing) return toAnnotation(existing);
        const saved = audit.lastDeleted('annotation', id);
        const parsed = Annotation.safeParse(saved);
        if (!parsed.success) throw new WorkstationError('not-found', `Annotation ${id} was never deleted here, so there is nothing to restore.`);
        const a = parsed.data;
        const frame = guard.writableFrame(a.frameId);
        const at = now();
        insertWithId.run({
          id,
          frameId: a.frameId,
          reviewId: frame.reviewId,
          kind: a.kind,
          geometry: JSON.stringify(a.geometry),
          label: a.label,
          color: a.color,
          author: a.author,
          createdAt: a.createdAt,
          updatedAt: at,
        });
        const after = get(id);
        audit.record({ entity: 'annotation', entityId: id, reviewId: frame.reviewId, action: 'restore', before: null, after, actor, at });
        guard.touch(frame.reviewId, at);
        return after;
      })();
    },
  };
}
export type AnnotationsRepo = ReturnType<typeof createAnnotationsRepo>;
