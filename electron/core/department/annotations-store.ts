// Annotations in the department library: the app's shapes (electron/api AnnotationShape, geometry in normalised
// frame coordinates, stored as JSON exactly as given) on a frame of a review, with a version per row. An update or
// delete names the version it was based on; if someone else changed the annotation since, nothing is written and the
// refusal says who and when.
import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import {
  AnnotationKind,
  AnnotationLabel,
  AnnotationPatch,
  GEOMETRY_BY_KIND,
  HexColor,
  type AnnotationShape,
} from '../../api/schemas-review';
import type { LibraryAnnotation } from '../../api/department-wire';
import { WorkstationError } from '../../api/errors';
import { DEFAULT_ANNOTATION_COLOR } from '../annotations/annotations-store';
import { goneError, writeAudit } from './audit';
import { writeTransaction, type ChangeSink } from './changes';
import type { Clock, LibraryDb } from './db';
import { annotationNotFound, changedByError, parseOrThrow } from './messages';
import { rememberDeletion } from './published-sync';
import { lockDraftReview } from './reviews-store';
import type { LibraryUser } from './roles';

export type { LibraryAnnotation } from '../../api/department-wire';

export type NewAnnotation = AnnotationShape & { frameIndex: number; label?: string | null; color?: string };

export interface AnnotationStore {
  create(actor: LibraryUser, reviewId: number, input: NewAnnotation): Promise<LibraryAnnotation>;
  /** `patch` as the app's annotations.update: geometry (of the annotation's kind), label, colour. */
  update(actor: LibraryUser, id: number, expectedVersion: number, patch: AnnotationPatch): Promise<LibraryAnnotation>;
  delete(actor: LibraryUser, id: number, expectedVersion: number): Promise<void>;
  /** A review's annotations by frame, then in the order they were drawn. */
  listByReview(reviewId: number): Promise<LibraryAnnotation[]>;
}

const NewMeta = z.object({
  frameIndex: z.number().int('A frame index is a whole number.').min(0, 'A frame index is 0 or more.'),
  label: AnnotationLabel.optional(),
  color: HexColor.optional(),
});

function parseGeometry(kind: AnnotationKind, geometry: unknown): AnnotationShape['geometry'] {
  return parseOrThrow(GEOMETRY_BY_KIND[kind] as z.ZodType<AnnotationShape['geometry']>, geometry, `That is not the geometry of a ${kind}.`);
}

export function selectAnnotations(db: Kysely<LibraryDb>) {
  return db
    .selectFrom('annotations')
    .innerJoin('users as author', 'author.id', 'annotations.author_id')
    .innerJoin('users as editor', 'editor.id', 'annotations.updated_by')
    .selectAll('annotations')
    .select(['author.display_name as author_name', 'editor.display_name as editor_name']);
}

type AnnotationRow = Awaited<ReturnType<ReturnType<typeof selectAnnotations>['executeTakeFirstOrThrow']>>;

export const toAnnotation = (r: AnnotationRow): LibraryAnnotation =>
  ({
    id: r.id,
    reviewId: r.review_id,
    frameIndex: r.frame_index,
    kind: r.kind,
    geometry: JSON.parse(r.geometry_json) as unknown,
    label: r.label,
    color: r.color,
    version: r.version,
    author: r.author_name,
    updatedBy: r.editor_name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }) as LibraryAnnotation;

/** For a write's RETURNING: the names selectAnnotations joins, read in the write's own statement (one round trip). */
const returnNames = [
  sql<string>`(select display_name from users where users.id = annotations.author_id)`.as('author_name'),
  sql<string>`(select display_name from users where users.id = annotations.updated_by)`.as('editor_name'),
] as const;

async function readAnnotation(db: Kysely<LibraryDb>, id: number): Promise<LibraryAnnotation | undefined> {
  const row = await selectAnnotations(db).where('annotations.id', '=', id).executeTakeFirst();
  return row && toAnnotation(row);
}

/** The annotation is gone: say who deleted it when the audit log knows, else that it does not exist. */
const goneAnnotation = (trx: Transaction<LibraryDb>, id: number) => goneError(trx, 'annotation', id, annotationNotFound(id));

export function createAnnotationStore(db: Kysely<LibraryDb>, now: Clock, changes?: ChangeSink): AnnotationStore {
  /** The annotation as it is now, its review held as a draft for the rest of the transaction. */
  async function current(trx: Transaction<LibraryDb>, id: number) {
    const found = await trx.selectFrom('annotations').select(['review_id', 'kind']).where('id', '=', id).executeTakeFirst();
    if (!found) throw await goneAnnotation(trx, id);
    await lockDraftReview(trx, found.review_id);
    return found;
  }

  /** After a guarded write matched no row: someone else changed or deleted it first. */
  async function staleError(trx: Transaction<LibraryDb>, id: number): Promise<WorkstationError> {
    const now = await readAnnotation(trx, id);
    return now ? changedByError(now.updatedBy, now.updatedAt) : goneAnnotation(trx, id);
  }

  return {
    async create(actor, reviewId, input) {
      const meta = parseOrThrow(NewMeta, { frameIndex: input.frameIndex, label: input.label, color: input.color });
      const kind = parseOrThrow(AnnotationKind, input.kind, 'Choose box, arrow, ellipse, freehand or text.');
      const geometry = parseGeometry(kind, input.geometry);
      return writeTransaction(db, changes, async (trx, emit) => {
        await lockDraftReview(trx, reviewId);
        const at = now().toISOString();
        const row = await trx
          .insertInto('annotations')
          .values({
            review_id: reviewId,
            frame_index: meta.frameIndex,
            kind,
            geometry_json: JSON.stringify(geometry),
            label: meta.label ?? null,
            color: (meta.color ?? DEFAULT_ANNOTATION_COLOR).toLowerCase(),
            author_id: actor.id,
            created_at: at,
            updated_at: at,
            updated_by: actor.id,
          })
          .returningAll()
          .returning(returnNames)
          .executeTakeFirstOrThrow();
        const created = toAnnotation(row);
        await writeAudit(trx, { at, userId: actor.id, action: 'annotation.create', entity: 'annotation', entityId: created.id, detail: { reviewId, frameIndex: meta.frameIndex, kind } });
        await emit({ type: 'annotation.created', reviewId, annotation: created });
        return created;
      });
    },

    async update(actor, id, expectedVersion, rawPatch) {
      const patch = parseOrThrow(AnnotationPatch, rawPatch);
      return writeTransaction(db, changes, async (trx, emit) => {
        const { kind } = await current(trx, id);
        const geometry = patch.geometry === undefined ? undefined : parseGeometry(kind, patch.geometry);
        const at = now().toISOString();
        const done = await trx
          .updateTable('annotations')
          .set((eb) => ({
            ...(geometry !== undefined ? { geometry_json: JSON.stringify(geometry) } : {}),
            ...(patch.label !== undefined ? { label: patch.label } : {}),
            ...(patch.color !== undefined ? { color: patch.color.toLowerCase() } : {}),
            version: eb('version', '+', 1),
            updated_at: at,
            updated_by: actor.id,
          }))
          .where('id', '=', id)
          .where('version', '=', expectedVersion)
          .returningAll()
          .returning(returnNames)
          .executeTakeFirst();
        if (!done) throw await staleError(trx, id);
        const changed = (['geometry', 'label', 'color'] as const).filter((k) => patch[k] !== undefined);
        await writeAudit(trx, { at, userId: actor.id, action: 'annotation.update', entity: 'annotation', entityId: id, detail: { version: done.version, changed } });
        const updated = toAnnotation(done);
        await emit({ type: 'annotation.updated', reviewId: updated.reviewId, annotation: updated });
        return updated;
      });
    },

    async delete(actor, id, expectedVersion) {
      await writeTransaction(db, changes, async (trx, emit) => {
        const { review_id, kind } = await current(trx, id);
        const at = now().toISOString();
        const source = await rememberDeletion(trx, 'annotation', id, actor, at); // a published one stays deleted when published again
        const done = await trx.deleteFrom('annotations').where('id', '=', id).where('version', '=', expectedVersion).returning('id').executeTakeFirst();
        if (!done) throw await staleError(trx, id);
        await writeAudit(trx, {
          at,
          userId: actor.id,
          action: 'annotation.delete',
          entity: 'annotation',
          entityId: id,
          detail: { reviewId: review_id, kind, version: expectedVersion, ...(source === null ? {} : { publishedSource: source }) },
        });
        await emit({ type: 'annotation.deleted', reviewId: review_id, annotationId: id, version: expectedVersion, by: actor.displayName, at });
      });
    },

    async listByReview(reviewId) {
      const rows = await selectAnnotations(db).where('annotations.review_id', '=', reviewId).orderBy('annotations.frame_index').orderBy('annotations.id').execute();
      return rows.map(toAnnotation);
    },
  };
}
