// Search across the department library: annotation labels and the words of text annotations, review notes, and tags.
//
// Full-text first (fts.ts: PostgreSQL tsvector + GIN with English stems, ranked by ts_rank_cd; SQLite FTS5 with the
// porter stemmer, ranked by bm25): every word of the query, the last as a prefix ("capsul" finds "capsulorhexis",
// "tears" finds "tear"); PostgreSQL also reads websearch syntax ("a phrase", or, -word). Best match first, then newest.
//
// When that finds nothing — a query with no letters or digits ("%"), part of a word ("rhexis"), a stop word — a
// substring match (ILIKE on PostgreSQL, LIKE on SQLite: case-insensitive for ASCII there; wildcards taken literally),
// newest first, so what a reviewer sees typed is still found.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { z } from 'zod';
import { selectAnnotations, toAnnotation, type LibraryAnnotation } from './annotations-store';
import type { LibraryDb, LibraryDialect } from './db';
import { fts5Match, PG_ANNOTATION_DOC, PG_NOTE_DOC, PG_TAG_DOC, pgTsQuery, readTextQuery, type TextQuery } from './fts';
import { parseOrThrow } from './messages';

export type AnnotationHit = LibraryAnnotation & { reviewTitle: string };

export type SearchKind = 'annotation' | 'note' | 'tag';

/** One thing found, whatever its kind. */
export interface LibraryHit {
  kind: SearchKind;
  /** The annotation's, note's or tag's id. */
  id: number;
  reviewId: number;
  reviewTitle: string;
  frameIndex: number | null;
  /** The annotation found, or the annotation a tag is on. */
  annotationId: number | null;
  /** A short heading: "Annotation: capsulorhexis", "Note on frame 120", "Tag (instrument)". */
  title: string;
  /** The text found (a long note: the part around the first word of the query). */
  snippet: string;
  /** Higher is better; 0 for a substring match. Comparable within one search only. */
  rank: number;
  updatedAt: string;
}

export interface SearchOptions {
  /** At most this many hits (default 50, at most 200). */
  limit?: number;
  /** Only this review's. */
  reviewId?: number;
}

export interface LibrarySearchOptions extends SearchOptions {
  /** Only these kinds (default all three). */
  kinds?: readonly SearchKind[];
}

export const SearchQuery = z.string().trim().min(1, 'Type something to search for.').max(100, 'A search has at most 100 characters.');
const Limit = z.number().int().min(1).max(200, 'At most 200 results at a time.');
const KINDS: readonly SearchKind[] = ['annotation', 'note', 'tag'];

interface HitRow {
  kind: SearchKind;
  id: number;
  review_id: number;
  frame_index: number | null;
  annotation_id: number | null;
  at: string;
  score: number;
  label: string | null;
  body: string | null;
  review_title: string;
}

/**
 * Each kind's newest RANKED_PER_KIND matches are ranked, not all of them: ranking reads every row it ranks (and on
 * PostgreSQL works its tsvector out again), so a common word in a large library ("capsul": 5,000 of 50,000
 * annotations) would cost tens of milliseconds of the database's CPU, taken from the writes; finding the newest
 * matches costs an index scan and a top-N sort, and PostgreSQL ranks after the LIMIT.
 */
export const RANKED_PER_KIND = 500;

/** `%text%` with LIKE's wildcards (and the escape character) taken literally. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** How each kind is found: its rows, whether one matches, how well. */
interface Source {
  kind: SearchKind;
  from: RawBuilder<unknown>;
  match: RawBuilder<boolean>;
  score: RawBuilder<number>;
}

function select(s: Source, dialect: LibraryDialect, reviewId: number | undefined): RawBuilder<unknown> {
  const inReview = reviewId === undefined ? sql`` : sql` and ${sql.ref(`${s.kind}s.review_id`)} = ${reviewId}`;
  const textOf = dialect === 'postgres' ? sql`annotations.geometry_json::jsonb ->> 'text'` : sql`json_extract(annotations.geometry_json, '$.text')`;
  const cols = {
    annotation: sql`annotations.id, annotations.review_id, annotations.frame_index, annotations.id as annotation_id, annotations.updated_at as at, ${s.score} as score,
      annotations.label as label, case when annotations.kind = 'text' then ${textOf} end as body`,
    note: sql`notes.id, notes.review_id, notes.frame_index, cast(null as integer) as annotation_id, notes.updated_at as at, ${s.score} as score,
      cast(null as text) as label, notes.text as body`,
    tag: sql`tags.id, tags.review_id, tags.frame_index, tags.annotation_id, tags.created_at as at, ${s.score} as score, tags.kind as label, tags.label as body`,
  }[s.kind];
  const newest = sql.ref(`${s.kind}s.${s.kind === 'tag' ? 'created_at' : 'updated_at'}`);
  return sql`select * from (select ${sql.lit(s.kind)} as kind, ${cols} from ${s.from} where ${s.match}${inReview}
    order by ${newest} desc limit ${RANKED_PER_KIND}) as ${sql.raw(`${s.kind}_hits`)}`;
}

function fullTextSources(dialect: LibraryDialect, q: TextQuery, text: string): Source[] {
  if (dialect === 'postgres') {
    const tsq = pgTsQuery(q, text);
    const pg = (kind: SearchKind, doc: RawBuilder<unknown>): Source => ({
      kind,
      from: sql.table(`${kind}s`),
      match: sql<boolean>`${doc} @@ ${tsq}`,
      score: sql<number>`ts_rank_cd(${doc}, ${tsq})`,
    });
    return [pg('annotation', PG_ANNOTATION_DOC), pg('note', PG_NOTE_DOC), pg('tag', PG_TAG_DOC)];
  }
  const match = fts5Match(q);
  const fts5 = (kind: SearchKind): Source => ({
    kind,
    from: sql.raw(`${kind}s_fts join ${kind}s on ${kind}s.id = ${kind}s_fts.rowid`),
    match: sql<boolean>`${sql.raw(`${kind}s_fts`)} match ${match}`,
    // bm25: lower is better.
    score: sql<number>`-bm25(${sql.raw(`${kind}s_fts`)})`,
  });
  return [fts5('annotation'), fts5('note'), fts5('tag')];
}

function substringSources(dialect: LibraryDialect, text: string): Source[] {
  const like = sql.raw(dialect === 'postgres' ? 'ilike' : 'like');
  const p = containsPattern(text);
  // A text annotation's words are the last field of its geometry JSON ({"x":…,"y":…,"text":"…"}).
  const inText = `%"text":"${p}`;
  const zero = sql<number>`0`;
  return [
    {
      kind: 'annotation',
      from: sql`annotations`,
      match: sql<boolean>`(annotations.label ${like} ${p} escape '\\' or (annotations.kind = 'text' and annotations.geometry_json ${like} ${inText} escape '\\'))`,
      score: zero,
    },
    { kind: 'note', from: sql`notes`, match: sql<boolean>`notes.text ${like} ${p} escape '\\'`, score: zero },
    { kind: 'tag', from: sql`tags`, match: sql<boolean>`(tags.label ${like} ${p} escape '\\' or tags.value ${like} ${p} escape '\\')`, score: zero },
  ];
}

async function run(db: Kysely<LibraryDb>, dialect: LibraryDialect, sources: Source[], options: LibrarySearchOptions, limit: number): Promise<HitRow[]> {
  const kinds = options.kinds ?? KINDS;
  const parts = sources.filter((s) => kinds.includes(s.kind)).map((s) => select(s, dialect, options.reviewId));
  if (!parts.length) return [];
  const { rows } = await sql<HitRow>`select hits.*, reviews.title as review_title from (${sql.join(parts, sql` union all `)}) hits
    join reviews on reviews.id = hits.review_id
    order by hits.score desc, hits.at desc, hits.kind, hits.id desc limit ${limit}`.execute(db);
  return rows;
}

/** Matching rows, best first: full-text, or the substring match when full-text finds nothing. */
async function findRows(db: Kysely<LibraryDb>, dialect: LibraryDialect, query: string, options: LibrarySearchOptions): Promise<{ rows: HitRow[]; q: TextQuery }> {
  const text = parseOrThrow(SearchQuery, query);
  const limit = parseOrThrow(Limit, options.limit ?? 50);
  const q = readTextQuery(text);
  if (q.words.length) {
    const rows = await run(db, dialect, fullTextSources(dialect, q, text), options, limit);
    if (rows.length) return { rows, q };
  }
  return { rows: await run(db, dialect, substringSources(dialect, text), options, limit), q };
}

/** Around 200 characters of `text`, from a little before the first word of the query it holds. */
function excerpt(text: string, words: string[]): string {
  if (text.length <= 200) return text;
  const lower = text.toLowerCase();
  const at = Math.min(...words.map((w) => lower.indexOf(w)).filter((i) => i >= 0), text.length);
  const start = at === text.length ? 0 : Math.max(0, at - 60);
  return `${start > 0 ? '…' : ''}${text.slice(start, start + 200)}${start + 200 < text.length ? '…' : ''}`;
}

function toHit(r: HitRow, q: TextQuery): LibraryHit {
  const onFrame = r.frame_index === null ? '' : ` on frame ${r.frame_index}`;
  const title = {
    annotation: r.label ? `Annotation: ${r.label}` : `Text annotation${onFrame}`,
    note: `Note${onFrame}`,
    tag: `Tag (${r.label ?? ''})`,
  }[r.kind];
  const found = r.kind === 'annotation' ? [r.body, r.label].filter(Boolean).join(' — ') : (r.body ?? '');
  return {
    kind: r.kind,
    id: Number(r.id),
    reviewId: Number(r.review_id),
    reviewTitle: r.review_title,
    frameIndex: r.frame_index === null ? null : Number(r.frame_index),
    annotationId: r.annotation_id === null ? null : Number(r.annotation_id),
    title,
    snippet: excerpt(found, q.words),
    rank: Number(r.score),
    updatedAt: r.at,
  };
}

/** Annotations, notes and tags that match `query`, best first (see the top of this file). */
export async function searchLibrary(db: Kysely<LibraryDb>, dialect: LibraryDialect, query: string, options: LibrarySearchOptions = {}): Promise<LibraryHit[]> {
  const { rows, q } = await findRows(db, dialect, query, options);
  return rows.map((r) => toHit(r, q));
}

/** Annotations only, whole, with their review's title: the same matching and order as searchLibrary. */
export async function searchAnnotations(db: Kysely<LibraryDb>, dialect: LibraryDialect, query: string, options: SearchOptions = {}): Promise<AnnotationHit[]> {
  const { rows } = await findRows(db, dialect, query, { ...options, kinds: ['annotation'] });
  if (!rows.length) return [];
  const ids = rows.map((r) => Number(r.id));
  const found = await selectAnnotations(db)
    .innerJoin('reviews', 'reviews.id', 'annotations.review_id')
    .select('reviews.title as review_title')
    .where('annotations.id', 'in', ids)
    .execute();
  const byId = new Map(found.map((r) => [r.id, { ...toAnnotation(r), reviewTitle: r.review_title }]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
