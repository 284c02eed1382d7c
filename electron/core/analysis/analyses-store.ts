// Stored analyses, on the workstation's library (SQLite or PostgreSQL): one row per finished analysis of a frame
// (completed, cancelled or failed), with its prompt, params, provenance, text (thinking and answer), suggested tags and
// timings, written in one statement. No audit rows (an analysis is never edited). A row goes with its frame (the
// schema's ON DELETE CASCADE). On SQLite its triggers index it for search (search_docs, search_fts); PostgreSQL has
// no search yet.
import type { Generated, Kysely, Selectable } from 'kysely';
import type { Analysis } from '../../api/schemas';
import type { WorkstationDb } from '../db/workstation-db';

export interface AnalysesTable {
  id: Generated<number>;
  frame_id: number;
  status: Analysis['status'];
  prompt: string;
  params_json: string;
  provenance_json: string;
  /** The provenance's model hash, a column of its own for the queries that group by model (expected times). */
  model_sha256: string;
  raw_text: string;
  thinking: string | null;
  answer: string;
  /** 0 or 1. */
  structured: number;
  suggested_tags_json: string;
  timings_json: string;
  error: string | null;
  created_at: string;
  completed_at: string;
}

export interface AnalysesDb {
  analyses: AnalysesTable;
}

export const toAnalysis = (r: Selectable<AnalysesTable>): Analysis => ({
  id: r.id,
  frameId: r.frame_id,
  status: r.status,
  prompt: r.prompt,
  params: JSON.parse(r.params_json) as Analysis['params'],
  provenance: JSON.parse(r.provenance_json) as Analysis['provenance'],
  rawText: r.raw_text,
  thinking: r.thinking,
  answer: r.answer,
  structured: r.structured === 1,
  suggestedTags: JSON.parse(r.suggested_tags_json) as Analysis['suggestedTags'],
  timings: JSON.parse(r.timings_json) as Analysis['timings'],
  error: r.error,
  createdAt: r.created_at,
  completedAt: r.completed_at,
});

export interface AnalysesStore {
  /** Stores a finished analysis and returns it as stored. */
  insert(a: Omit<Analysis, 'id'>): Promise<Analysis>;
  get(id: number): Promise<Analysis | null>;
  /** The frame's analyses, newest first (by completion, then id). */
  listForFrame(frameId: number): Promise<Analysis[]>;
}

export function createAnalysesStore(db: Kysely<WorkstationDb>): AnalysesStore {
  return {
    async insert(a) {
      const row = await db
        .insertInto('analyses')
        .values({
          frame_id: a.frameId,
          status: a.status,
          prompt: a.prompt,
          params_json: JSON.stringify(a.params),
          provenance_json: JSON.stringify(a.provenance),
          model_sha256: a.provenance.modelSha256,
          raw_text: a.rawText,
          thinking: a.thinking,
          answer: a.answer,
          structured: a.structured ? 1 : 0,
          suggested_tags_json: JSON.stringify(a.suggestedTags),
          timings_json: JSON.stringify(a.timings),
          error: a.error,
          created_at: a.createdAt,
          completed_at: a.completedAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAnalysis(row);
    },
    async get(id) {
      const row = await db.selectFrom('analyses').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toAnalysis(row) : null;
    },
    async listForFrame(frameId) {
      const rows = await db.selectFrom('analyses').selectAll().where('frame_id', '=', frameId).orderBy('completed_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map(toAnalysis);
    },
  };
}
