// Library search: full-text (FTS5) over case codes and notes, review notes, analysis answers and thinking,
// annotation labels and text, tags and segments; filters by phase, instrument, status and date; and, with no
// text, the reviews the filters select. Two steps: the ordered page of matches, then context and snippets for
// that page only (snippet() over every match would cost as much as the search).
import type { Database, Statement } from 'better-sqlite3';
import type { SearchFilters, SearchHit, SearchQuery, SearchResult } from '../../api/schemas-review';
import { makeSnippet, queryTerms, toMatchQuery } from './fts-query';
import { sourceKind, TURN_SOURCE, type SourceKind } from './sources';

/**
 * Ranking and sorting look at this many of the newest matches (after the filters), and totals are counted up to
 * it (the UI says "500+"): refine the words to reach older ones.
 */
export const RANK_WINDOW = 500;
export const TOTAL_CAP = RANK_WINDOW;

interface Context {
  code: string;
  surgery_date: string | null;
  status: 'draft' | 'final' | null;
  updated_at: string | null;
  frame_index: number | null;
  media_time: number | null;
}

type Params = Record<string, string | number>;

/** SQL conditions for the filters, over aliases r (reviews, may be null for fts rows) and c (cases). */
function filterSql(f: SearchFilters | undefined, reviewCol: string, p: Params): string[] {
  const where: string[] = [];
  if (!f) return where;
  if (f.caseId !== undefined) {
    where.push('c.id = @caseId');
    p.caseId = f.caseId;
  }
  if (f.status !== undefined) {
    where.push('r.status = @status');
    p.status = f.status;
  }
  if (f.phase !== undefined) {
    where.push(
      `${reviewCol} IN (SELECT review_id FROM tags WHERE kind = 'phase' AND value = @phase UNION SELECT review_id FROM segments WHERE phase = @phase)`,
    );
    p.phase = f.phase;
  }
  if (f.instrument !== undefined) {
    where.push(`${reviewCol} IN (SELECT review_id FROM tags WHERE kind = 'instrument' AND value = @instrument)`);
    p.instrument = f.instrument;
  }
  // The same expression as the cases_day index (migration 0005).
  const day = 'coalesce(c.surgery_date, substr(c.created_at, 1, 10))';
  if (f.dateFrom !== undefined) {
    where.push(`${day} >= @dateFrom`);
    p.dateFrom = f.dateFrom;
  }
  if (f.dateTo !== undefined) {
    where.push(`${day} <= @dateTo`);
    p.dateTo = f.dateTo;
  }
  return where;
}

/**
 * The filters as conditions on a search_docs row (d): each is a set built once per query and probed per match,
 * so the walk over the matches joins nothing. A text outside any review (a case, a still image) fails the
 * review filters.
 */
function docFilterSql(f: SearchFilters | undefined, p: Params): string[] {
  const where: string[] = [];
  if (!f) return where;
  if (f.caseId !== undefined) {
    where.push('d.case_id = @caseId');
    p.caseId = f.caseId;
  }
  if (f.status !== undefined) {
    where.push('d.review_id IN (SELECT id FROM reviews WHERE status = @status)');
    p.status = f.status;
  }
  if (f.phase !== undefined) {
    where.push("d.review_id IN (SELECT review_id FROM tags WHERE kind = 'phase' AND value = @phase UNION SELECT review_id FROM segments WHERE phase = @phase)");
    p.phase = f.phase;
  }
  if (f.instrument !== undefined) {
    where.push("d.review_id IN (SELECT review_id FROM tags WHERE kind = 'instrument' AND value = @instrument)");
    p.instrument = f.instrument;
  }
  if (f.dateFrom !== undefined || f.dateTo !== undefined) {
    // The same expression as the cases_day index (migration 0005).
    const day = 'coalesce(surgery_date, substr(created_at, 1, 10))';
    const range = [f.dateFrom !== undefined ? `${day} >= @dateFrom` : null, f.dateTo !== undefined ? `${day} <= @dateTo` : null].filter(Boolean).join(' AND ');
    where.push(`d.case_id IN (SELECT id FROM cases WHERE ${range})`);
    if (f.dateFrom !== undefined) p.dateFrom = f.dateFrom;
    if (f.dateTo !== undefined) p.dateTo = f.dateTo;
  }
  return where;
}

export function createSearchRepo(db: Database) {
  const cache = new Map<string, Statement>();
  const prepared = (sql: string): Statement => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };

  // The text itself, by rowid (no MATCH: re-running a prefix query per hit would cost a whole search each).
  const bodyOf = db.prepare<[number], { body: string }>('SELECT body FROM search_fts WHERE rowid = ?');
  const context = db.prepare<[number | null, number | null, number], Context>(
    `SELECT c.code, c.surgery_date, r.status, coalesce(r.updated_at, c.updated_at) AS updated_at, fr.frame_index, fr.media_time
     FROM cases c LEFT JOIN reviews r ON r.id = ? LEFT JOIN frames fr ON fr.id = ? WHERE c.id = ?`,
  );
  const caseCode = db.prepare<[number], { code: string }>('SELECT code FROM cases WHERE id = ?');
  const tagKind = db.prepare<[number], { kind: string }>('SELECT kind FROM tags WHERE id = ?');
  const annotationKind = db.prepare<[number], { kind: string }>('SELECT kind FROM annotations WHERE id = ?');
  const turnAnalysis = db.prepare<[number], { analysisId: number }>('SELECT analysis_id AS analysisId FROM analysis_turns WHERE id = ?');

  function title(kind: SourceKind, id: number): string {
    switch (kind) {
      case 'case':
        return 'Case';
      case 'note':
        return 'Note';
      case 'analysis':
        return 'AI analysis';
      case 'annotation':
        return `Annotation (${annotationKind.get(id)?.kind ?? 'shape'})`;
      case 'tag':
        return `Tag (${tagKind.get(id)?.kind ?? 'tag'})`;
      case 'segment':
        return 'Segment';
      case 'frame':
        return 'Still image';
    }
  }

  /**
   * The matches, newest written first, at most RANK_WINDOW of them (with the filters applied), then ordered as
   * asked: by relevance (bm25, computed for the window only), newest/oldest, or case code. A word found in
   * nearly every text (say "phaco" in 40,000 analyses) costs the window, not the whole library.
   */
  function textSearch(text: string, match: string, q: SearchQuery, limit: number, offset: number): { hits: SearchHit[]; total: number } {
    const p: Params = { match };
    const where = ['search_fts MATCH @match', ...docFilterSql(q.filters, p)];
    const sort = q.sort ?? 'relevance';
    type Row = { rowid: number; source: number; refId: number; caseId: number; reviewId: number | null; frameId: number | null; score?: number };
    // The window, newest first (oldest first for 'oldest'): FTS5 walks its index in rowid order and stops there.
    const window = prepared(
      `SELECT search_fts.rowid AS rowid, d.source, d.ref_id AS refId, d.case_id AS caseId, d.review_id AS reviewId, d.frame_id AS frameId
              ${sort === 'relevance' ? ', search_fts.rank AS score' : ''}
       FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
       WHERE ${where.join(' AND ')} ORDER BY search_fts.rowid ${sort === 'oldest' ? 'ASC' : 'DESC'} LIMIT ${RANK_WINDOW}`,
    ).all(p) as Row[];
    if (sort === 'relevance') window.sort((a, b) => a.score! - b.score! || b.rowid - a.rowid);
    else if (sort === 'case') {
      const codes = new Map<number, string>();
      for (const r of window) if (!codes.has(r.caseId)) codes.set(r.caseId, caseCode.get(r.caseId)?.code ?? '');
      window.sort((a, b) => codes.get(a.caseId)!.localeCompare(codes.get(b.caseId)!) || b.rowid - a.rowid);
    }
    const rows = window.slice(offset, offset + limit);
    const total = window.length;

    const terms = queryTerms(text);
    const hits: SearchHit[] = [];
    for (const row of rows) {
      const kind = sourceKind(row.source);
      if (!kind) continue;
      const ctx = context.get(row.reviewId, row.frameId, row.caseId);
      if (!ctx) continue;
      const { snippet, highlights } = makeSnippet(bodyOf.get(row.rowid)?.body ?? '', terms);
      // A follow-up turn is shown as its analysis (the conversation lives there).
      const turn = row.source === TURN_SOURCE ? turnAnalysis.get(row.refId) : undefined;
      if (row.source === TURN_SOURCE && !turn) continue;
      hits.push({
        kind,
        id: turn ? turn.analysisId : row.refId,
        caseId: row.caseId,
        caseCode: ctx.code,
        reviewId: row.reviewId,
        frameId: row.frameId,
        frameIndex: ctx.frame_index,
        mediaTime: ctx.media_time,
        status: ctx.status,
        title: turn ? 'AI follow-up' : title(kind, row.refId),
        snippet,
        highlights,
        date: ctx.surgery_date ?? ctx.updated_at,
      });
    }
    return { hits, total };
  }

  function browse(q: SearchQuery, limit: number, offset: number): { hits: SearchHit[]; total: number } {
    const p: Params = {};
    const where = filterSql(q.filters, 'r.id', p);
    const order =
      q.sort === 'oldest' ? 'r.updated_at ASC, r.id ASC' : q.sort === 'case' ? 'c.code, r.updated_at DESC' : 'r.updated_at DESC, r.id DESC';
    const from = 'reviews r JOIN cases c ON c.id = r.case_id';
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = prepared(
      `SELECT r.id, r.case_id AS caseId, c.code, c.surgery_date AS surgeryDate, r.status, r.updated_at AS updatedAt, r.reviewer,
              (SELECT file_name FROM videos WHERE id = r.video_id) AS videoName
       FROM ${from} ${cond} ORDER BY ${order} LIMIT @limit OFFSET @offset`,
    ).all({ ...p, limit, offset }) as Array<{
      id: number;
      caseId: number;
      code: string;
      surgeryDate: string | null;
      status: 'draft' | 'final';
      updatedAt: string;
      reviewer: string;
      videoName: string | null;
    }>;
    const total = rows.length < limit && offset === 0
      ? rows.length
      : (prepared(`SELECT count(*) AS n FROM (SELECT 1 FROM ${from} ${cond} LIMIT ${TOTAL_CAP})`).get(p) as { n: number }).n;
    return {
      total,
      hits: rows.map((r) => ({
        kind: 'review' as const,
        id: r.id,
        caseId: r.caseId,
        caseCode: r.code,
        reviewId: r.id,
        frameId: null,
        frameIndex: null,
        mediaTime: null,
        status: r.status,
        title: r.videoName ?? 'Review',
        snippet: [r.videoName, r.reviewer ? `reviewed by ${r.reviewer}` : null, r.status].filter(Boolean).join(' · '),
        highlights: [],
        date: r.surgeryDate ?? r.updatedAt,
      })),
    };
  }

  return {
    query(q: SearchQuery): SearchResult {
      const started = performance.now();
      const limit = q.limit ?? 50;
      const offset = q.offset ?? 0;
      const match = toMatchQuery(q.text);
      const result = match === null ? browse(q, limit, offset) : textSearch(q.text, match, q, limit, offset);
      return { ...result, tookMs: Math.round((performance.now() - started) * 100) / 100 };
    },
  };
}
export type SearchRepo = ReturnType<typeof createSearchRepo>;
