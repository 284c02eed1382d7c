// Every query the review data layer prepares (lists, search with each filter and sort, recent reviews, audit)
// is planned with EXPLAIN QUERY PLAN on the migrated in-memory schema: none may scan a big table without an
// index, and the library's main lists must use the indices made for them.
import BetterSqlite3 from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../electron/core/db/migrate';
import { createReviewServices } from '../../electron/core/reviews/review-services';
import { seedReview } from '../fixtures/review-library';

const BIG_TABLES = ['annotations', 'tags', 'segments', 'notes', 'audit_log', 'frames', 'analyses', 'reviews', 'cases', 'videos', 'search_docs'];
/** The aliases the data layer gives those tables (w, the bounded window of search matches, may be scanned). */
const ALIASES = ['r', 'c', 'v', 'fr', 'd'];

function planOf(db: BetterSqlite3.Database, sql: string): string {
  const named = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1]!))];
  const positional = (sql.replace(/'[^']*'/g, '').match(/\?/g) ?? []).length;
  const stmt = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (named.length ? stmt.all(Object.fromEntries(named.map((n) => [n, 1]))) : stmt.all(...Array(positional).fill(1))) as Array<{ detail: string }>;
  return rows.map((r) => r.detail).join('\n');
}

/** A full scan of one of the big tables, not walking an index. */
function badScans(plan: string): string[] {
  return plan
    .split('\n')
    .filter((line) => /^SCAN /.test(line) && !/USING (COVERING )?INDEX|VIRTUAL TABLE/.test(line))
    .filter((line) => [...BIG_TABLES, ...ALIASES].some((t) => new RegExp(`^SCAN ${t}\\b`).test(line)));
}

describe('query plans of the review data layer', () => {
  const seen = new Set<string>();
  let db: BetterSqlite3.Database;

  beforeAll(async () => {
    db = new BetterSqlite3(':memory:');
    migrate(db);
    // Record every statement the data layer prepares.
    const recording = new Proxy(db, {
      get(target, prop) {
        if (prop === 'prepare') {
          return (sql: string) => {
            seen.add(sql.replace(/\s+/g, ' ').trim());
            return target.prepare(sql);
          };
        }
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const s = createReviewServices({ db: recording, actor: () => 'planner' });
    const r = seedReview(db, { frames: 2 });
    const h = s.handlers;
    const a = await h['annotations.create']({ frameId: r.frameIds[0]!, kind: 'box', geometry: { x: 0, y: 0, w: 1, h: 1 }, label: 'lens' });
    await h['annotations.update']({ id: a.id, patch: { label: 'cornea' } });
    await h['annotations.delete']({ id: a.id });
    await h['annotations.restore']({ id: a.id });
    await h['annotations.listForFrame']({ frameId: r.frameIds[0]! });
    await h['annotations.listForReview']({ reviewId: r.reviewId });
    const t = await h['tags.add']({ reviewId: r.reviewId, kind: 'phase', value: 'incision' });
    await h['tags.add']({ reviewId: r.reviewId, kind: 'phase', value: 'incision' });
    await h['tags.list']({ reviewId: r.reviewId });
    await h['tags.list']({ reviewId: r.reviewId, frameId: null });
    await h['tags.list']({ reviewId: r.reviewId, frameId: r.frameIds[0]! });
    await h['tags.remove']({ id: t.id });
    const n = await h['notes.create']({ reviewId: r.reviewId, frameId: r.frameIds[0]!, text: 'lens' });
    await h['notes.update']({ id: n.id, text: 'lens capsule' });
    await h['notes.list']({ reviewId: r.reviewId });
    await h['notes.list']({ reviewId: r.reviewId, frameId: null });
    await h['notes.list']({ reviewId: r.reviewId, frameId: r.frameIds[0]! });
    await h['notes.delete']({ id: n.id });
    const g = await h['segments.create']({ reviewId: r.reviewId, startFrame: 0, endFrame: 1, startTime: 0, endTime: 1, phase: 'incision' });
    await h['segments.update']({ id: g.id, patch: { label: 'x' } });
    await h['segments.list']({ reviewId: r.reviewId });
    await h['segments.delete']({ id: g.id });
    await h['audit.list']({ reviewId: r.reviewId });
    await h['audit.list']({ reviewId: r.reviewId, entity: 'annotation' });
    await h['audit.list']({ entity: 'annotation', entityId: a.id });
    await h['audit.list']({ reviewId: r.reviewId, beforeId: 1000, limit: 5 });
    await h['reviews.recent']({ limit: 20 });
    for (const text of ['lens', '']) {
      for (const sort of ['relevance', 'newest', 'oldest', 'case'] as const) {
        for (const filters of [
          {},
          { phase: 'incision' },
          { instrument: 'spatula' },
          { status: 'draft' as const },
          { dateFrom: '2026-01-01', dateTo: '2026-12-31' },
          { caseId: r.caseId },
          { phase: 'incision', instrument: 'spatula', status: 'final' as const, dateFrom: '2020-01-01' },
        ]) {
          await h['search.query']({ text, sort, filters, limit: 1 });
        }
      }
    }
  });

  it('records the statements (sanity)', () => {
    expect([...seen].filter((s) => /^SELECT/i.test(s)).length).toBeGreaterThan(20);
  });

  it('no read query scans a big table without an index', () => {
    const failures: string[] = [];
    for (const sql of seen) {
      if (!/^SELECT/i.test(sql)) continue;
      const bad = badScans(planOf(db, sql));
      if (bad.length) failures.push(`${sql}\n  -> ${bad.join('; ')}`);
    }
    expect(failures).toEqual([]);
  });

  const planFor = (pattern: RegExp) => {
    const sql = [...seen].find((s) => pattern.test(s));
    expect(sql, `no statement matching ${pattern}`).toBeDefined();
    return planOf(db, sql!);
  };

  it('the lists use their indices', () => {
    // The async stores' statements (Kysely: lower case, quoted names).
    expect(planFor(/from "annotations" where "frame_id" = \? order by "id"/)).toMatch(/USING INDEX annotations_frame/);
    expect(planFor(/from "annotations" where "frame_id" = \? order by "id"/)).not.toMatch(/TEMP B-TREE/);
    expect(planFor(/from "annotations" where "review_id" = \? order by "frame_id", "id"/)).toMatch(/USING INDEX annotations_review/);
    expect(planFor(/from "annotations" where "review_id" = \? order by "frame_id", "id"/)).not.toMatch(/TEMP B-TREE/);
    expect(planFor(/from "notes" where "review_id" = \? order by "frame_id" asc nulls first/)).toMatch(/USING INDEX notes_review/);
    expect(planFor(/from "notes" where "review_id" = \? order by "frame_id" asc nulls first/)).not.toMatch(/TEMP B-TREE/);
    expect(planFor(/from "notes" where "review_id" = \? and "frame_id" is null/)).toMatch(/USING INDEX notes_review/);
    // The whole review's tags: by frame along the index, each frame's few tags by segment (a sort of the right part only).
    expect(planFor(/from "tags" where "review_id" = \? order by "frame_id" asc nulls first, "segment_id" asc nulls first, "id"/)).toMatch(/USING INDEX tags_review_frame/);
    expect(planFor(/from "tags" where "review_id" = \? order by "frame_id" asc nulls first, "segment_id" asc nulls first, "id"/)).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
    expect(planFor(/from "tags" where "review_id" = \? and "frame_id" is null and "segment_id" is null order by "id"/)).toMatch(/USING INDEX tags_review_frame/);
    expect(planFor(/from "tags" where "review_id" = \? and "frame_id" is null and "segment_id" is null order by "id"/)).not.toMatch(/TEMP B-TREE/);
    expect(planFor(/from "tags" where "review_id" = \? and "frame_id" = \? order by "id"/)).toMatch(/USING INDEX tags_review_frame/);
    expect(planFor(/from "tags" where "review_id" = \? and "frame_id" = \? order by "id"/)).not.toMatch(/TEMP B-TREE/);
    expect(planFor(/from "tags" where "review_id" = \? and coalesce\("frame_id", 0\) = \?/)).toMatch(/USING INDEX tags_(review_frame|unique)/);
    expect(planFor(/from "segments" where "review_id" = \? order by "start_frame", "id"/)).toMatch(/USING INDEX segments_review/);
    expect(planFor(/from "segments" where "review_id" = \? order by "start_frame", "id"/)).not.toMatch(/TEMP B-TREE/);
    expect(planFor(/from "audit_log" where "review_id" = \? order by "id" desc/)).toMatch(/USING INDEX audit_review/);
    expect(planFor(/from "audit_log" where "review_id" = \? order by "id" desc/)).not.toMatch(/TEMP B-TREE/);
    expect(planFor(/from "audit_log" where "entity" = \? and "entity_id" = \? order by/)).toMatch(/USING INDEX audit_entity/);
    expect(planFor(/from "audit_log" where "entity" = \? and "entity_id" = \? and "action" = \? order by "id" desc limit \?/)).toMatch(/USING INDEX audit_entity/);
    expect(planFor(/from "audit_log" where "entity" = \? and "entity_id" = \? and "action" = \? order by "id" desc limit \?/)).not.toMatch(/TEMP B-TREE/);
  });

  it('recent reviews walk the recency index and count through covering indices', () => {
    const plan = planFor(/from "reviews" as "r" inner join "cases" as "c" .* order by "r"\."updated_at" desc, "r"\."id" desc limit \?$/);
    expect(plan).toMatch(/SCAN r USING INDEX reviews_recent/);
    expect(plan).toMatch(/frames USING COVERING INDEX frames_review/);
    expect(plan).toMatch(/annotations USING COVERING INDEX annotations_review/);
    expect(plan).toMatch(/notes USING COVERING INDEX notes_review/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });

  it('text search goes through the FTS5 index and the filters through theirs', () => {
    const plan = planFor(/search_fts MATCH @match AND .*kind = 'phase'.*kind = 'instrument'.*cases WHERE/);
    expect(plan).toMatch(/SCAN search_fts VIRTUAL TABLE INDEX/);
    expect(plan).toMatch(/USING (COVERING )?INDEX tags_kind_value/);
    expect(plan).toMatch(/USING (COVERING )?INDEX segments_phase/);
    expect(plan).toMatch(/USING (COVERING )?INDEX reviews_status_recent/);
    expect(plan).toMatch(/USING (COVERING )?INDEX cases_day/);
    expect(plan).toMatch(/SEARCH d USING INTEGER PRIMARY KEY/);
    expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/); // the window is taken in index order, never sorted whole
  });

  it('browsing by status walks the status index', () => {
    const plan = planFor(/^SELECT r\.id.*WHERE r\.status = @status ORDER BY r\.updated_at DESC/);
    expect(plan).toMatch(/USING INDEX reviews_status_recent/);
  });
});
