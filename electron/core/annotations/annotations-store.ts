// Annotations drawn on frames, on the workstation's library (SQLite or PostgreSQL). Each write is one transaction with
// its audit row; a frame of a finalised review refuses them. Geometry is stored as JSON in normalised frame
// coordinates exactly as given (no rounding), so it redraws exactly. A deleted annotation comes back under its own id,
// as the audit log's last 'delete' row had it.
import type { Generated, Kysely, Selectable } from 'kysely';
import { WorkstationError } from '../../api/errors';
import { Annotation, GEOMETRY_BY_KIND, type AnnotationCreate, type AnnotationKind, type AnnotationPatch } from '../../api/schemas-review';
import { lastDeleted } from '../audit/audit-store';
import type { WorkstationDb } from '../db/workstation-db';
import { assertFrame, assertReview, assertWritableFrame, recordChange } from '../reviews/review-guard-store';

export const DEFAULT_ANNOTATION_COLOR = '#ffd400';

export interface AnnotationsTable {
  id: Generated<number>;
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

export interface AnnotationsDb {
  annotations: AnnotationsTable;
}

function toAnnotation(r: Selectable<AnnotationsTable>): Annotation {
  return {
    id: r.id,
    frameId: r.frame_id,
    reviewId: r.review_id,
    kind: r.kind,
    geometry: JSON.parse(r.geometry_json) as unknown,
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

export interface AnnotationsStore {
  get(id: number): Promise<Annotation>;
  /** The frame's annotations in the order drawn. */
  listForFrame(frameId: number): Promise<Annotation[]>;
  /** The review's annotations, by frame, then in the order drawn. */
  listForReview(reviewId: number): Promise<Annotation[]>;
  create(input: AnnotationCreate, actor: string): Promise<Annotation>;
  update(id: number, patch: AnnotationPatch, actor: string): Promise<Annotation>;
  /** Returns the annotation as it was. */
  delete(id: number, actor: string): Promise<Annotation>;
  /**
   * Brings back a deleted annotation under its own id, as it was just before its last deletion (the audit log's
   * `before`). Restoring one that exists returns it unchanged, so a repeated undo is harmless.
   */
  restore(id: number, actor: string): Promise<Annotation>;
}

export function createAnnotationsStore(db: Kysely<WorkstationDb>, now: () => string = () => new Date().toISOString()): AnnotationsStore {
  async function get(id: number, from: Kysely<WorkstationDb> = db): Promise<Annotation> {
    const row = await from.selectFrom('annotations').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new WorkstationError('not-found', `Annotation ${id} does not exist (it may have been deleted).`);
    return toAnnotation(row);
  }

  return {
    get: (id) => get(id),
    async listForFrame(frameId) {
      await assertFrame(db, frameId);
      // Along the index annotations_frame (frame_id, id).
      const rows = await db.selectFrom('annotations').selectAll().where('frame_id', '=', frameId).orderBy('id').execute();
      return rows.map(toAnnotation);
    },
    async listForReview(reviewId) {
      await assertReview(db, reviewId);
      // Along the index annotations_review (review_id, frame_id, id).
      const rows = await db.selectFrom('annotations').selectAll().where('review_id', '=', reviewId).orderBy('frame_id').orderBy('id').execute();
      return rows.map(toAnnotation);
    },
    create(input, actor) {
      return db.transaction().execute(async (trx) => {
        const frame = await assertWritableFrame(trx, input.frameId);
        const at = now();
        const row = await trx
          .insertInto('annotations')
          .values({
            frame_id: input.frameId,
            review_id: frame.reviewId,
            kind: input.kind,
            geometry_json: JSON.stringify(input.geometry),
            label: input.label ?? null,
            color: (input.color ?? DEFAULT_ANNOTATION_COLOR).toLowerCase(),
            author: actor,
            created_at: at,
            updated_at: at,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const after = toAnnotation(row);
        await recordChange(trx, { entity: 'annotation', entityId: after.id, reviewId: frame.reviewId, action: 'create', before: null, after, actor, at });
        return after;
      });
    },
    update(id, patch, actor) {
      return db.transaction().execute(async (trx) => {
        const before = await get(id, trx);
        await assertWritableFrame(trx, before.frameId);
        const geometry = patch.geometry === undefined ? before.geometry : checkGeometry(before.kind, patch.geometry);
        const at = now();
        const row = await trx
          .updateTable('annotations')
          .set({
            geometry_json: JSON.stringify(geometry),
            label: patch.label === undefined ? before.label : patch.label,
            color: (patch.color ?? before.color).toLowerCase(),
            updated_at: at,
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        const after = toAnnotation(row);
        await recordChange(trx, { entity: 'annotation', entityId: id, reviewId: before.reviewId, action: 'update', before, after, actor, at });
        return after;
      });
    },
    delete(id, actor) {
      return db.transaction().execute(async (trx) => {
        const before = await get(id, trx);
        await assertWritableFrame(trx, before.frameId);
        const at = now();
        await trx.deleteFrom('annotations').where('id', '=', id).execute();
        await recordChange(trx, { entity: 'annotation', entityId: id, reviewId: before.reviewId, action: 'delete', before, after: null, actor, at });
        return before;
      });
    },
    restore(id, actor) {
      return db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('annotations').selectAll().where('id', '=', id).executeTakeFirst();
        if (existing) return toAnnotation(existing);
        const parsed = Annotation.safeParse(await lastDeleted(trx, 'annotation', id));
        if (!parsed.success) throw new WorkstationError('not-found', `Annotation ${id} was never deleted here, so there is nothing to restore.`);
        const a = parsed.data;
        const frame = await assertWritableFrame(trx, a.frameId);
        const at = now();
        // Under its own id (PostgreSQL: the identity column is `generated by default`, so it takes one given).
        const row = await trx
          .insertInto('annotations')
          .values({
            id,
            frame_id: a.frameId,
            review_id: frame.reviewId,
            kind: a.kind,
            geometry_json: JSON.stringify(a.geometry),
            label: a.label,
            color: a.color,
            author: a.author,
            created_at: a.createdAt,
            updated_at: at,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const after = toAnnotation(row);
        await recordChange(trx, { entity: 'annotation', entityId: id, reviewId: frame.reviewId, action: 'restore', before: null, after, actor, at });
        return after;
      });
    },
  };
}
