// Reviews published from a workstation into the department library (migration 0004-published): the video (by
// sha256, its bytes in the server's media folder), the link from a department review to the workstation review it
// came from (which library, which local review id: publishing again updates it), the review's frames (their PNGs in
// the media folder by sha256), which department annotations came from which local annotation, and the local
// analyses' text and provenance. Publishing and importing are idempotent through these source keys. The source keys of
// published annotations, notes and tags a department user deleted are kept (0007-published-deletions) so that they stay deleted.
import { sql, type ColumnDefinitionBuilder, type Generated, type Kysely, type Migration } from 'kysely';
import type { LibraryDialect } from './db';

type Timestamp = string;

export interface PublishedVideosTable {
  id: Generated<number>;
  sha256: string;
  file_name: string;
  bytes: number;
  mime: string;
  duration_seconds: number | null;
  fps: number | null;
  width: number | null;
  height: number | null;
  created_by: number;
  created_at: Timestamp;
}

export interface PublishedReviewsTable {
  review_id: number;
  /** The workstation library it came from (a random id that library keeps) and the review's id there. */
  source_library: string;
  source_review_id: number;
  video_id: number;
  case_code: string;
  reviewer: string;
  source_status: string;
  source_finalised_by: string | null;
  published_by: number;
  published_at: Timestamp;
}

export interface PublishedFramesTable {
  id: Generated<number>;
  review_id: number;
  source_frame_id: number;
  frame_index: number;
  media_time: number | null;
  sha256: string;
  mime: string;
  bytes: number;
  width: number;
  height: number;
}

export interface PublishedAnnotationsTable {
  annotation_id: number;
  review_id: number;
  source_annotation_id: number;
  /** Who drew it on the workstation (the department row's author is who published it). */
  source_author: string;
  /** The department row's version this publish left; a higher one means someone edited it in the department. */
  published_version: number;
}

export interface PublishedAnalysesTable {
  id: Generated<number>;
  review_id: number;
  source_analysis_id: number;
  frame_index: number;
  status: string;
  prompt: string;
  answer: string;
  thinking: string | null;
  provenance_json: string;
  model_sha256: string;
  /** As the workstation wrote them (ISO-8601 text). */
  created_at: string;
  completed_at: string;
}

/** Which department note came from which local note (migration 0006-published-notes-tags). */
export interface PublishedNotesTable {
  note_id: number;
  review_id: number;
  source_note_id: number;
  /** Who wrote it on the workstation (the department row's author is who published it). */
  source_author: string;
  /** The department row's version this publish left; a higher one means someone edited it in the department. */
  published_version: number;
}

/** Which department tag came from which local tag (migration 0006-published-notes-tags; tags have no versions). */
export interface PublishedTagsTable {
  tag_id: number;
  review_id: number;
  source_tag_id: number;
  source_author: string;
}

/**
 * A published annotation, note or tag a department user deleted (migration 0007-published-deletions): its source key,
 * kept when the row and its published_* link go, so that publishing again does not bring it back.
 */
export interface PublishedDeletionsTable {
  review_id: number;
  kind: PublishedKind;
  /** The local row's id on the workstation (source_annotation_id / source_note_id / source_tag_id). */
  source_id: number;
  /** The department row that was deleted. */
  deleted_id: number;
  deleted_by: number;
  deleted_at: Timestamp;
}

export type PublishedKind = 'annotation' | 'note' | 'tag';

export interface PublishedTables {
  published_videos: PublishedVideosTable;
  published_reviews: PublishedReviewsTable;
  published_frames: PublishedFramesTable;
  published_annotations: PublishedAnnotationsTable;
  published_analyses: PublishedAnalysesTable;
  published_notes: PublishedNotesTable;
  published_tags: PublishedTagsTable;
  published_deletions: PublishedDeletionsTable;
}

export function publishedMigration(dialect: LibraryDialect): Migration {
  const pg = dialect === 'postgres';
  const id = (c: ColumnDefinitionBuilder) => (pg ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement());
  const ts = pg ? 'timestamptz' : 'text';
  const real = pg ? 'double precision' : 'real';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('published_videos')
        .addColumn('id', 'integer', id)
        .addColumn('sha256', 'text', (c) => c.notNull().unique())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('mime', 'text', (c) => c.notNull())
        .addColumn('duration_seconds', real)
        .addColumn('fps', real)
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('created_by', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', ts, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('published_reviews')
        .addColumn('review_id', 'integer', (c) => c.primaryKey().references('reviews.id').onDelete('cascade'))
        .addColumn('source_library', 'text', (c) => c.notNull())
        .addColumn('source_review_id', 'integer', (c) => c.notNull())
        .addColumn('video_id', 'integer', (c) => c.notNull().references('published_videos.id'))
        .addColumn('case_code', 'text', (c) => c.notNull())
        .addColumn('reviewer', 'text', (c) => c.notNull())
        .addColumn('source_status', 'text', (c) => c.notNull())
        .addColumn('source_finalised_by', 'text')
        .addColumn('published_by', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('published_at', ts, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('published_reviews_source').on('published_reviews').columns(['source_library', 'source_review_id']).unique().execute();
      await db.schema.createIndex('published_reviews_video').on('published_reviews').column('video_id').execute();

      await db.schema
        .createTable('published_frames')
        .addColumn('id', 'integer', id)
        .addColumn('review_id', 'integer', (c) => c.notNull().references('reviews.id').onDelete('cascade'))
        .addColumn('source_frame_id', 'integer', (c) => c.notNull())
        .addColumn('frame_index', 'integer', (c) => c.notNull())
        .addColumn('media_time', real)
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('mime', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addCheckConstraint('published_frames_index_check', sql`frame_index >= 0`)
        .execute();
      await db.schema.createIndex('published_frames_source').on('published_frames').columns(['review_id', 'source_frame_id']).unique().execute();

      await db.schema
        .createTable('published_annotations')
        .addColumn('annotation_id', 'integer', (c) => c.primaryKey().references('annotations.id').onDelete('cascade'))
        .addColumn('review_id', 'integer', (c) => c.notNull().references('reviews.id').onDelete('cascade'))
        .addColumn('source_annotation_id', 'integer', (c) => c.notNull())
        .addColumn('source_author', 'text', (c) => c.notNull())
        .addColumn('published_version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('published_annotations_source').on('published_annotations').columns(['review_id', 'source_annotation_id']).unique().execute();

      await db.schema
        .createTable('published_analyses')
        .addColumn('id', 'integer', id)
        .addColumn('review_id', 'integer', (c) => c.notNull().references('reviews.id').onDelete('cascade'))
        .addColumn('source_analysis_id', 'integer', (c) => c.notNull())
        .addColumn('frame_index', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('prompt', 'text', (c) => c.notNull())
        .addColumn('answer', 'text', (c) => c.notNull())
        .addColumn('thinking', 'text')
        .addColumn('provenance_json', 'text', (c) => c.notNull())
        .addColumn('model_sha256', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('published_analyses_source').on('published_analyses').columns(['review_id', 'source_analysis_id']).unique().execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['published_analyses', 'published_annotations', 'published_frames', 'published_reviews', 'published_videos']) await db.schema.dropTable(table).execute();
    },
  };
}

/** Migration 0006-published-notes-tags: the source keys of published notes and tags (both dialects alike). */
export function publishedNotesTagsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('published_notes')
        .addColumn('note_id', 'integer', (c) => c.primaryKey().references('notes.id').onDelete('cascade'))
        .addColumn('review_id', 'integer', (c) => c.notNull().references('reviews.id').onDelete('cascade'))
        .addColumn('source_note_id', 'integer', (c) => c.notNull())
        .addColumn('source_author', 'text', (c) => c.notNull())
        .addColumn('published_version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('published_notes_source').on('published_notes').columns(['review_id', 'source_note_id']).unique().execute();

      await db.schema
        .createTable('published_tags')
        .addColumn('tag_id', 'integer', (c) => c.primaryKey().references('tags.id').onDelete('cascade'))
        .addColumn('review_id', 'integer', (c) => c.notNull().references('reviews.id').onDelete('cascade'))
        .addColumn('source_tag_id', 'integer', (c) => c.notNull())
        .addColumn('source_author', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('published_tags_source').on('published_tags').columns(['review_id', 'source_tag_id']).unique().execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['published_tags', 'published_notes']) await db.schema.dropTable(table).execute();
    },
  };
}

/** Migration 0007-published-deletions: the source keys of published rows deleted in the department (tombstones). */
export function publishedDeletionsMigration(dialect: LibraryDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('published_deletions')
        .addColumn('review_id', 'integer', (c) => c.notNull().references('reviews.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('source_id', 'integer', (c) => c.notNull())
        .addColumn('deleted_id', 'integer', (c) => c.notNull())
        .addColumn('deleted_by', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('deleted_at', dialect === 'postgres' ? 'timestamptz' : 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('published_deletions_pkey', ['review_id', 'kind', 'source_id'])
        .addCheckConstraint('published_deletions_kind_check', sql`kind in ('annotation', 'note', 'tag')`)
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('published_deletions').execute();
    },
  };
}
