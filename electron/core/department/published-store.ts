// Publishing a workstation review into the department library, in one transaction with one audit row naming the
// user. The review is found by its source key (workstation library + local review id): the first publish creates a
// department review, a later one brings it up to date, and one that finds nothing to change writes nothing at all.
//
// What a later publish does to rows the department has touched since:
//   - the title is set once, at creation (a rename in the department stays);
//   - an annotation someone edited in the department (its version moved past the one the last publish left) keeps
//     the department's edit, and is not deleted when the workstation deleted it;
//   - an annotation someone deleted in the department stays deleted (its source key is kept in published_deletions):
//     publishing again counts it keptDeleted instead of adding it back;
//   - annotations drawn in the department itself are never touched;
//   - notes and tags follow the same rules (published-notes-tags.ts); a payload without them leaves them as they are;
//   - a signed-off review refuses the publish ("signed off by X — reopen it to edit"), nothing is written.
// The video and frame images must already be complete in the media folder (the route checks before calling).
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { WorkstationError } from '../../api/errors';
import { AnnotationLabel, GEOMETRY_BY_KIND, HexColor, type AnnotationKind } from '../../api/schemas-review';
import { writeAudit } from './audit';
import { writeTransaction, type ChangeSink, type EmitChange } from './changes';
import type { Clock, LibraryDb } from './db';
import { parseOrThrow, reviewNotFound } from './messages';
import type { PublishedReview, PublishOutcome, PublishPayload } from './publish-payload';
import { syncNotes, syncTags } from './published-notes-tags';
import { counts, deletedSources, syncRows, total } from './published-sync';
import { readReview, lockDraftReview } from './reviews-store';
import { selectAnnotations, toAnnotation } from './annotations-store';
import type { LibraryUser } from './roles';

export interface PublishedStore {
  /** Creates or brings up to date the department review published from `payload.source`. */
  publish(actor: LibraryUser, payload: PublishPayload): Promise<PublishOutcome>;
  /** The published review's source, video, frames and analyses (its annotations are the review's annotations). */
  get(reviewId: number): Promise<PublishedReview>;
}

type Annotation = PublishPayload['annotations'][number];

function checkedAnnotation(a: Annotation) {
  const geometry = parseOrThrow(GEOMETRY_BY_KIND[a.kind] as z.ZodType<unknown>, a.geometry, `Annotation ${a.sourceId}: that is not the geometry of a ${a.kind}.`);
  return {
    frame_index: a.frameIndex,
    kind: a.kind as AnnotationKind,
    geometry_json: JSON.stringify(geometry),
    label: parseOrThrow(AnnotationLabel, a.label),
    color: parseOrThrow(HexColor, a.color).toLowerCase(),
  };
}

export function createPublishedStore(db: Kysely<LibraryDb>, now: Clock, changes?: ChangeSink): PublishedStore {
  async function videoId(trx: Transaction<LibraryDb>, actor: LibraryUser, v: PublishPayload['video'], at: string): Promise<number> {
    await trx
      .insertInto('published_videos')
      .values({
        sha256: v.sha256,
        file_name: v.fileName,
        bytes: v.bytes,
        mime: v.mime,
        duration_seconds: v.durationSeconds,
        fps: v.fps,
        width: v.width,
        height: v.height,
        created_by: actor.id,
        created_at: at,
      })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
    const row = await trx.selectFrom('published_videos').select('id').where('sha256', '=', v.sha256).executeTakeFirstOrThrow();
    return row.id;
  }

  async function syncAnnotations(trx: Transaction<LibraryDb>, actor: LibraryUser, reviewId: number, wanted: Annotation[], at: string, emit: EmitChange) {
    const existing = await trx
      .selectFrom('published_annotations as p')
      .innerJoin('annotations as a', 'a.id', 'p.annotation_id')
      .select(['p.annotation_id', 'p.source_annotation_id as source', 'p.published_version', 'p.source_author', 'a.version', 'a.frame_index', 'a.kind', 'a.geometry_json', 'a.label', 'a.color'])
      .where('p.review_id', '=', reviewId)
      .execute();
    const touched: number[] = [];
    const deleted: Array<{ id: number; version: number }> = [];
    const result = await syncRows(
      existing,
      wanted,
      (row, w) => {
        if (row.version !== row.published_version) return true; // edited in the department since: its edit stays
        const c = checkedAnnotation(w);
        return row.frame_index === c.frame_index && row.kind === c.kind && row.geometry_json === c.geometry_json && row.label === c.label && row.color === c.color && row.source_author === w.author;
      },
      {
        async insert(w) {
          const { id } = await trx
            .insertInto('annotations')
            .values({ review_id: reviewId, ...checkedAnnotation(w), author_id: actor.id, created_at: at, updated_at: at, updated_by: actor.id })
            .returning('id')
            .executeTakeFirstOrThrow();
          await trx.insertInto('published_annotations').values({ annotation_id: id, review_id: reviewId, source_annotation_id: w.sourceId, source_author: w.author, published_version: 1 }).execute();
          touched.push(id);
        },
        async update(row, w) {
          const { version } = await trx
            .updateTable('annotations')
            .set((eb) => ({ ...checkedAnnotation(w), version: eb('version', '+', 1), updated_at: at, updated_by: actor.id }))
            .where('id', '=', row.annotation_id)
            .returning('version')
            .executeTakeFirstOrThrow();
          await trx.updateTable('published_annotations').set({ published_version: version, source_author: w.author }).where('annotation_id', '=', row.annotation_id).execute();
          touched.push(row.annotation_id);
        },
        async remove(row) {
          if (row.version !== row.published_version) return false; // edited in the department: not the workstation's to delete
          await trx.deleteFrom('annotations').where('id', '=', row.annotation_id).execute();
          deleted.push({ id: row.annotation_id, version: row.version });
        },
      },
      await deletedSources(trx, reviewId, 'annotation'),
    );
    if (touched.length) {
      const rows = await selectAnnotations(trx).where('annotations.id', 'in', touched).orderBy('annotations.id').execute();
      const had = new Set(existing.map((e) => e.annotation_id));
      for (const row of rows) await emit({ type: had.has(row.id) ? 'annotation.updated' : 'annotation.created', reviewId, annotation: toAnnotation(row) });
    }
    for (const d of deleted) await emit({ type: 'annotation.deleted', reviewId, annotationId: d.id, version: d.version, by: actor.displayName, at });
    return result;
  }

  async function syncFrames(trx: Transaction<LibraryDb>, reviewId: number, wanted: PublishPayload['frames']) {
    const existing = await trx.selectFrom('published_frames').selectAll().select('source_frame_id as source').where('review_id', '=', reviewId).execute();
    const values = (f: PublishPayload['frames'][number]) => ({
      frame_index: f.frameIndex,
      media_time: f.mediaTime,
      sha256: f.sha256,
      mime: f.mime,
      bytes: f.bytes,
      width: f.width,
      height: f.height,
    });
    return syncRows(existing, wanted, (row, f) => Object.entries(values(f)).every(([k, v]) => row[k as keyof typeof row] === v), {
      insert: async (f) => void (await trx.insertInto('published_frames').values({ review_id: reviewId, source_frame_id: f.sourceId, ...values(f) }).execute()),
      update: async (row, f) => void (await trx.updateTable('published_frames').set(values(f)).where('id', '=', row.id).execute()),
      remove: async (row) => void (await trx.deleteFrom('published_frames').where('id', '=', row.id).execute()),
    });
  }

  async function syncAnalyses(trx: Transaction<LibraryDb>, reviewId: number, wanted: PublishPayload['analyses']) {
    const existing = await trx.selectFrom('published_analyses').selectAll().select('source_analysis_id as source').where('review_id', '=', reviewId).execute();
    const values = (a: PublishPayload['analyses'][number]) => ({
      frame_index: a.frameIndex,
      status: a.status,
      prompt: a.prompt,
      answer: a.answer,
      thinking: a.thinking,
      provenance_json: JSON.stringify(a.provenance ?? null),
      model_sha256: a.modelSha256,
      created_at: a.createdAt,
      completed_at: a.completedAt,
    });
    return syncRows(existing, wanted, (row, a) => Object.entries(values(a)).every(([k, v]) => row[k as keyof typeof row] === v), {
      insert: async (a) => void (await trx.insertInto('published_analyses').values({ review_id: reviewId, source_analysis_id: a.sourceId, ...values(a) }).execute()),
      update: async (row, a) => void (await trx.updateTable('published_analyses').set(values(a)).where('id', '=', row.id).execute()),
      remove: async (row) => void (await trx.deleteFrom('published_analyses').where('id', '=', row.id).execute()),
    });
  }

  return {
    async publish(actor, payload) {
      return writeTransaction(db, changes, async (trx, emit) => {
        const at = now().toISOString();
        const video = await videoId(trx, actor, payload.video, at);
        const source = { library: payload.source.library, reviewId: payload.source.reviewId };
        const link = await trx
          .selectFrom('published_reviews')
          .selectAll()
          .where('source_library', '=', source.library)
          .where('source_review_id', '=', source.reviewId)
          .executeTakeFirst();
        let reviewId: number;
        if (link) reviewId = link.review_id;
        else {
          ({ id: reviewId } = await trx.insertInto('reviews').values({ title: payload.title, updated_by: actor.id, updated_at: at }).returning('id').executeTakeFirstOrThrow());
        }
        const r = payload.review;
        const linkValues = { video_id: video, case_code: r.caseCode, reviewer: r.reviewer, source_status: r.status, source_finalised_by: r.finalisedBy };
        const linkChanged = !link || Object.entries(linkValues).some(([k, v]) => link[k as keyof typeof link] !== v);
        const frames = await syncFrames(trx, reviewId, payload.frames);
        const annotations = await syncAnnotations(trx, actor, reviewId, payload.annotations, at, emit);
        const analyses = await syncAnalyses(trx, reviewId, payload.analyses);
        const ctx = { trx, actor, reviewId, at, emit };
        const notes = payload.notes ? await syncNotes(ctx, payload.notes) : counts();
        const tags = payload.tags ? await syncTags(ctx, payload.tags) : counts();
        const changed = linkChanged || total(frames) + total(annotations) + total(analyses) + total(notes) + total(tags) > 0;
        const outcome: PublishOutcome = { reviewId, created: !link, changed, frames, annotations, analyses, notes, tags };
        if (!changed) return outcome; // the same again: nothing written, even to a signed-off review
        // A change to a signed-off review is refused with who signed it off, and the transaction undoes the rest.
        if (link) await lockDraftReview(trx, reviewId);
        const stamp = { published_by: actor.id, published_at: at };
        if (link) {
          await trx.updateTable('published_reviews').set({ ...linkValues, ...stamp }).where('review_id', '=', reviewId).execute();
          await trx
            .updateTable('reviews')
            .set((eb) => ({ version: eb('version', '+', 1), updated_by: actor.id, updated_at: at }))
            .where('id', '=', reviewId)
            .execute();
        } else {
          await trx.insertInto('published_reviews').values({ review_id: reviewId, source_library: source.library, source_review_id: source.reviewId, ...linkValues, ...stamp }).execute();
        }
        await writeAudit(trx, {
          at,
          userId: actor.id,
          action: link ? 'review.republish' : 'review.publish',
          entity: 'review',
          entityId: reviewId,
          detail: { source, video: payload.video.sha256, frames, annotations, analyses, notes, tags },
        });
        const review = await readReview(trx, reviewId);
        if (!review) throw reviewNotFound(reviewId);
        await emit({ type: link ? 'review.updated' : 'review.created', reviewId, review });
        return outcome;
      });
    },

    async get(reviewId) {
      const row = await db
        .selectFrom('published_reviews as p')
        .innerJoin('published_videos as v', 'v.id', 'p.video_id')
        .innerJoin('users as u', 'u.id', 'p.published_by')
        .selectAll('p')
        .select(['v.sha256', 'v.file_name', 'v.bytes', 'v.mime', 'v.duration_seconds', 'v.fps', 'v.width', 'v.height', 'u.display_name'])
        .where('p.review_id', '=', reviewId)
        .executeTakeFirst();
      if (!row) {
        if (!(await readReview(db, reviewId))) throw reviewNotFound(reviewId);
        throw new WorkstationError('not-found', `Review ${reviewId} was not published from a workstation: it has no video or frames.`);
      }
      const frames = await db.selectFrom('published_frames').selectAll().where('review_id', '=', reviewId).orderBy('frame_index').orderBy('source_frame_id').execute();
      const analyses = await db.selectFrom('published_analyses').selectAll().where('review_id', '=', reviewId).orderBy('frame_index').orderBy('source_analysis_id').execute();
      const notes = await db.selectFrom('published_notes').selectAll().where('review_id', '=', reviewId).orderBy('source_note_id').execute();
      const tags = await db.selectFrom('published_tags').selectAll().where('review_id', '=', reviewId).orderBy('source_tag_id').execute();
      return {
        reviewId,
        source: { library: row.source_library, reviewId: row.source_review_id, caseCode: row.case_code, reviewer: row.reviewer, status: row.source_status, finalisedBy: row.source_finalised_by },
        publishedBy: row.display_name,
        publishedAt: row.published_at,
        video: { sha256: row.sha256, fileName: row.file_name, bytes: row.bytes, mime: row.mime, durationSeconds: row.duration_seconds, fps: row.fps, width: row.width, height: row.height },
        frames: frames.map((f) => ({ sourceId: f.source_frame_id, frameIndex: f.frame_index, mediaTime: f.media_time, sha256: f.sha256, mime: f.mime, bytes: f.bytes, width: f.width, height: f.height })),
        analyses: analyses.map((a) => ({
          sourceId: a.source_analysis_id,
          frameIndex: a.frame_index,
          status: a.status,
          prompt: a.prompt,
          answer: a.answer,
          thinking: a.thinking,
          provenance: JSON.parse(a.provenance_json) as unknown,
          modelSha256: a.model_sha256,
          createdAt: a.created_at,
          completedAt: a.completed_at,
        })),
        notes: notes.map((n) => ({ sourceId: n.source_note_id, noteId: n.note_id, author: n.source_author })),
        tags: tags.map((t) => ({ sourceId: t.source_tag_id, tagId: t.tag_id, author: t.source_author })),
      };
    },
  };
}
