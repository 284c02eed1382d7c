// Stored analyses: one row per finished analysis (completed, cancelled or failed), written in one transaction.
import type { Database } from 'better-sqlite3';
import type { Analysis } from '../../api/schemas';

interface Row {
  id: number;
  frame_id: number;
  status: Analysis['status'];
  prompt: string;
  params_json: string;
  provenance_json: string;
  raw_text: string;
  thinking: string | null;
  answer: string;
  structured: number;
  suggested_tags_json: string;
  timings_json: string;
  error: string | null;
  created_at: string;
  completed_at: string;
}

const toAnalysis = (r: Row): Analysis => ({
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

export function createAnalysesRepo(db: Database) {
  const byId = db.prepare<[number], Row>('SELECT * FROM analyses WHERE id = ?');
  return {
    insert(a: Omit<Analysis, 'id'>): Analysis {
      const id = db.transaction(
        () =>
          db
            .prepare(
              `INSERT INTO analyses (frame_id, status, prompt, params_json, provenance_json, model_sha256, raw_text, thinking,
                 answer, structured, suggested_tags_json, timings_json, error, created_at, completed_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              a.frameId,
              a.status,
              a.prompt,
              JSON.stringify(a.params),
              JSON.stringify(a.provenance),
              a.provenance.modelSha256,
              a.rawText,
              a.thinking,
              a.answer,
              a.structured ? 1 : 0,
              JSON.stringify(a.suggestedTags),
              JSON.stringify(a.timings),
              a.error,
              a.createdAt,
              a.completedAt,
            ).lastInsertRowid,
      )();
      return toAnalysis(byId.get(Number(id))!);
    },
    get(id: number): Analysis | null {
      const r = byId.get(id);
      return r ? toAnalysis(r) : null;
    },
    listForFrame(frameId: number): Analysis[] {
      return db.prepare<[number], Row>('SELECT * FROM analyses WHERE frame_id = ? ORDER BY completed_at DESC, id DESC').all(frameId).map(toAnalysis);
    },
  };
}
export type AnalysesRepo = ReturnType<typeof createAnalysesRepo>;
