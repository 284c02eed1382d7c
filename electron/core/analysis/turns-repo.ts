// Stored follow-up turns: one row per finished question about an analysed frame (completed, cancelled or failed).
import type { Database } from 'better-sqlite3';
import type { AnalysisTurn } from '../../api/schemas';

interface Row {
  id: number;
  analysis_id: number;
  position: number;
  question: string;
  status: AnalysisTurn['status'];
  answer: string;
  params_json: string;
  provenance_json: string;
  timings_json: string;
  error: string | null;
  created_at: string;
  completed_at: string;
}

const toTurn = (r: Row): AnalysisTurn => ({
  id: r.id,
  analysisId: r.analysis_id,
  position: r.position,
  question: r.question,
  status: r.status,
  answer: r.answer,
  params: JSON.parse(r.params_json) as AnalysisTurn['params'],
  provenance: JSON.parse(r.provenance_json) as AnalysisTurn['provenance'],
  timings: JSON.parse(r.timings_json) as AnalysisTurn['timings'],
  error: r.error,
  createdAt: r.created_at,
  completedAt: r.completed_at,
});

export function createTurnsRepo(db: Database) {
  const byId = db.prepare<[number], Row>('SELECT * FROM analysis_turns WHERE id = ?');
  const list = db.prepare<[number], Row>('SELECT * FROM analysis_turns WHERE analysis_id = ? ORDER BY position, id');
  return {
    /** Inserts at the next position of its analysis (one transaction: two concurrent asks cannot share one). */
    insert(t: Omit<AnalysisTurn, 'id' | 'position'>): AnalysisTurn {
      const id = db.transaction(() => {
        const next = (db.prepare<[number], { p: number | null }>('SELECT max(position) AS p FROM analysis_turns WHERE analysis_id = ?').get(t.analysisId)?.p ?? 0) + 1;
        return db
          .prepare(
            `INSERT INTO analysis_turns (analysis_id, position, question, status, answer, params_json, provenance_json, timings_json, error, created_at, completed_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(t.analysisId, next, t.question, t.status, t.answer, JSON.stringify(t.params), JSON.stringify(t.provenance), JSON.stringify(t.timings), t.error, t.createdAt, t.completedAt)
          .lastInsertRowid;
      })();
      return toTurn(byId.get(Number(id))!);
    },
    get(id: number): AnalysisTurn | null {
      const r = byId.get(id);
      return r ? toTurn(r) : null;
    },
    listForAnalysis(analysisId: number): AnalysisTurn[] {
      return list.all(analysisId).map(toTurn);
    },
    /** The turns of several analyses at once (reports), keyed by analysis id. */
    listForAnalyses(ids: readonly number[]): Map<number, AnalysisTurn[]> {
      const out = new Map<number, AnalysisTurn[]>();
      for (const id of ids) {
        const turns = list.all(id).map(toTurn);
        if (turns.length) out.set(id, turns);
      }
      return out;
    },
    /** Deletes a turn and every later turn of its conversation (they were asked with its answer in context). */
    deleteFrom(turnId: number): number {
      return db.transaction(() => {
        const t = byId.get(turnId);
        if (!t) return 0;
        return db.prepare('DELETE FROM analysis_turns WHERE analysis_id = ? AND position >= ?').run(t.analysis_id, t.position).changes;
      })();
    },
  };
}
export type TurnsRepo = ReturnType<typeof createTurnsRepo>;
