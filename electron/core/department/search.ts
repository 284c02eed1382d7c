// Search across the department's annotations: the words a reviewer typed as a label, or as the text of a text
// annotation. A substring match (ILIKE on PostgreSQL, LIKE on SQLite: case-insensitive for ASCII there), newest
// first. Full-text search (tsvector / FTS5, ranking, stems) is a later step; this scans the annotations, which is
// fine for a department's tens of thousands of rows.
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { selectAnnotations, toAnnotation, type LibraryAnnotation } from './annotations-store';
import type { LibraryDb, LibraryDialect } from './db';
import { parseOrThrow } from './messages';

export type AnnotationHit = LibraryAnnotation & { reviewTitle: string };

export interface SearchOptions {
  /** At most this many hits (default 50, at most 200). */
  limit?: number;
  /** Only this review's annotations. */
  reviewId?: number;
}

export const SearchQuery = z.string().trim().min(1, 'Type something to search for.').max(100, 'A search has at most 100 characters.');
const Limit = z.number().int().min(1).max(200, 'At most 200 results at a time.');

/** `%text%` with LIKE's wildcards (and the escape character) taken literally. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function searchAnnotations(db: Kysely<LibraryDb>, dialect: LibraryDialect, query: string, options: SearchOptions = {}): Promise<AnnotationHit[]> {
  const text = parseOrThrow(SearchQuery, query);
  const limit = parseOrThrow(Limit, options.limit ?? 50);
  const like = sql.raw(dialect === 'postgres' ? 'ilike' : 'like');
  const inLabel = containsPattern(text);
  // A text annotation's words are the last field of its geometry JSON ({"x":…,"y":…,"text":"…"}).
  const inText = `%"text":"${inLabel}`;
  let q = selectAnnotations(db)
    .innerJoin('reviews', 'reviews.id', 'annotations.review_id')
    .select('reviews.title as review_title')
    .where(
      sql<boolean>`(annotations.label ${like} ${inLabel} escape '\\' or (annotations.kind = 'text' and annotations.geometry_json ${like} ${inText} escape '\\'))`,
    );
  if (options.reviewId !== undefined) q = q.where('annotations.review_id', '=', options.reviewId);
  const rows = await q.orderBy('annotations.updated_at', 'desc').orderBy('annotations.id', 'desc').limit(limit).execute();
  return rows.map((r) => ({ ...toAnnotation(r), reviewTitle: r.review_title }));
}
