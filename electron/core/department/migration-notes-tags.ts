// Migration 0003-notes-tags-fts: a review's notes and tags (as the desktop app has them: core/reviews notes-store and
// tags-store) and full-text search over annotations, notes and tags (fts.ts).
//
//   notes: free text on a review, or on one of its frames (frame_index); a version per row like annotations.
//   tags:  a vocabulary term (phase, instrument, anatomy, finding, severity: resources/taxonomy) or free text, on the
//          review, on one of its frames, or on one of its annotations; one of each per place (adding it twice keeps
//          the first). No version: a tag is added or removed, never edited.
//   search: PostgreSQL GIN indexes on the tsvector expressions; SQLite FTS5 tables kept by triggers.
import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import { TagKind } from '../../api/schemas-review';
import type { LibraryDialect } from './db';
import { FTS5_TOKENIZER, PG_ANNOTATION_DOC, PG_TAG_DOC, sqliteAnnotationDoc, sqliteNoteDoc, sqliteTagDoc } from './fts';

const oneOf = (column: string, values: readonly string[]) => sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;

/** SQLite: an FTS5 table whose rowid is `table`'s id, filled now and kept by triggers from then on. */
async function sqliteFts(db: Kysely<unknown>, table: string, doc: (row: string) => string, watched: string[]): Promise<void> {
  const fts = `${table}_fts`;
  const run = (text: string) => sql.raw(text).execute(db);
  await run(`create virtual table ${fts} using fts5(body, tokenize = '${FTS5_TOKENIZER}')`);
  await run(`insert into ${fts} (rowid, body) select id, ${doc(table)} from ${table}`);
  await run(`create trigger ${fts}_insert after insert on ${table} begin insert into ${fts} (rowid, body) values (new.id, ${doc('new')}); end`);
  await run(`create trigger ${fts}_update after update of ${watched.join(', ')} on ${table} begin update ${fts} set body = ${doc('new')} where rowid = new.id; end`);
  await run(`create trigger ${fts}_delete after delete on ${table} begin delete from ${fts} where rowid = old.id; end`);
}

export function notesTagsFts(dialect: LibraryDialect): Migration {
  const pg = dialect === 'postgres';
  const id = (c: ColumnDefinitionBuilder) => (pg ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement());
  const ts = pg ? 'timestamptz' : 'text';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('notes')
        .addColumn('id', 'integer', id)
        .addColumn('review_id', 'integer', (c) => c.notNull().references('reviews.id').onDelete('cascade'))
        .addColumn('frame_index', 'integer')
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addColumn('updated_by', 'integer', (c) => c.notNull().references('users.id'))
        .addCheckConstraint('notes_frame_check', sql`frame_index is null or frame_index >= 0`)
        // PostgreSQL: a note's words kept beside it, so ranking a search reads them rather than working them out again
        // for every note it ranks (notes are long; annotation labels are short and ranked from their expression).
        .$call((t) => (pg ? t.addColumn('search_vector', sql`tsvector`, (c) => c.generatedAlwaysAs(sql`to_tsvector('english'::regconfig, text)`).stored()) : t))
        .execute();
      await db.schema.createIndex('notes_review_frame').on('notes').columns(['review_id', 'frame_index']).execute();

      await db.schema
        .createTable('tags')
        .addColumn('id', 'integer', id)
        .addColumn('review_id', 'integer', (c) => c.notNull().references('reviews.id').onDelete('cascade'))
        .addColumn('annotation_id', 'integer', (c) => c.references('annotations.id').onDelete('cascade'))
        .addColumn('frame_index', 'integer')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', ts, (c) => c.notNull())
        .addCheckConstraint('tags_kind_check', oneOf('kind', TagKind.options))
        .addCheckConstraint('tags_place_check', sql`(annotation_id is null or frame_index is null) and (frame_index is null or frame_index >= 0)`)
        .execute();
      // One of each tag per place (the review, a frame, an annotation); values are compared without case.
      await db.schema
        .createIndex('tags_unique')
        .on('tags')
        .unique()
        .expression(sql`review_id, coalesce(annotation_id, 0), coalesce(frame_index, -1), kind, lower(value)`)
        .execute();
      await db.schema.createIndex('tags_annotation').on('tags').column('annotation_id').execute();

      if (pg) {
        await sql`create index annotations_fts on annotations using gin (${PG_ANNOTATION_DOC}) with (fastupdate = off)`.execute(db);
        await sql`create index notes_fts on notes using gin (search_vector) with (fastupdate = off)`.execute(db);
        await sql`create index tags_fts on tags using gin (${PG_TAG_DOC}) with (fastupdate = off)`.execute(db);
      } else {
        await sqliteFts(db, 'annotations', sqliteAnnotationDoc, ['label', 'kind', 'geometry_json']);
        await sqliteFts(db, 'notes', sqliteNoteDoc, ['text']);
        await sqliteFts(db, 'tags', sqliteTagDoc, ['label', 'value']);
      }
    },
  };
}
