// Full-text search in the department library, the two dialects' own ways (what the issue calls "dialect-specific only
// where it must be"): which text of each searchable row is indexed, and how a reviewer's words become a query.
//
//   PostgreSQL: GIN indexes on to_tsvector('english', …) expressions (migration 0003). A query uses the very same
//     expression (below), so the planner finds the index; ranked with ts_rank_cd. English stems: "tears" finds "tear".
//   SQLite: FTS5 tables (annotations_fts, notes_fts, tags_fts; rowid = the row's id) kept by triggers in the writer's
//     own statement, tokenised with porter + unicode61 (the same English stems, diacritics folded); ranked by bm25.
//
// The expressions are part of the schema: changing one needs a migration that rebuilds its index.
import { sql, type RawBuilder } from 'kysely';

/** The annotation's searchable words: its label and, for a text annotation, its text (geometry {x, y, text}). */
export const PG_ANNOTATION_DOC = sql`to_tsvector('english'::regconfig, coalesce(annotations.label, '') || ' ' || (case when annotations.kind = 'text' then coalesce(annotations.geometry_json::jsonb ->> 'text', '') else '' end))`;
/** A note's: the stored column (generated from its text, migration 0003). */
export const PG_NOTE_DOC = sql`notes.search_vector`;
export const PG_TAG_DOC = sql`to_tsvector('english'::regconfig, tags.label || ' ' || tags.value)`;

/** SQLite: the same documents, as trigger expressions over NEW (or a backfill over the table, with `row` = the table). */
export const sqliteAnnotationDoc = (row: string) =>
  `coalesce(${row}.label, '') || ' ' || (case when ${row}.kind = 'text' then coalesce(json_extract(${row}.geometry_json, '$.text'), '') else '' end)`;
export const sqliteNoteDoc = (row: string) => `${row}.text`;
export const sqliteTagDoc = (row: string) => `${row}.label || ' ' || ${row}.value`;

export const FTS5_TOKENIZER = `porter unicode61 remove_diacritics 2`;

/**
 * A reviewer's query, read once for both dialects:
 *   words: the letters-and-digits runs, lower-cased (what both tokenisers index); the last is taken as a prefix
 *     ("capsul" finds "capsulorhexis", as a reviewer types);
 *   web: PostgreSQL's websearch syntax was used ("a phrase", or, -word): PostgreSQL reads it with
 *     websearch_to_tsquery; SQLite, without that syntax, looks for all the words.
 */
export interface TextQuery {
  words: string[];
  web: boolean;
}

export function readTextQuery(text: string): TextQuery {
  const words = (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16);
  const web = /"/.test(text) || /(^|\s)-[\p{L}\p{N}]/u.test(text) || /\sor\s/i.test(` ${text} `);
  return { words, web };
}

/** PostgreSQL: the tsquery for these words (every word, the last as a prefix), or websearch_to_tsquery for its syntax. */
export function pgTsQuery(q: TextQuery, text: string): RawBuilder<unknown> {
  if (q.web) return sql`websearch_to_tsquery('english'::regconfig, ${text})`;
  // Only letters and digits reach to_tsquery: its operators cannot be injected.
  const terms = q.words.map((w, i) => (i === q.words.length - 1 ? `${w}:*` : w)).join(' & ');
  return sql`to_tsquery('english'::regconfig, ${terms})`;
}

/** SQLite: the FTS5 MATCH expression for these words (each a quoted string, the last a prefix). */
export function fts5Match(q: TextQuery): string {
  return q.words.map((w, i) => `"${w}"${i === q.words.length - 1 ? '*' : ''}`).join(' ');
}
