// Stored follow-up turns, on the workstation's library (SQLite or PostgreSQL): one row per finished question about an
// analysed frame (completed, cancelled or failed), numbered 1, 2, … within its analysis. No audit rows. A turn goes
// with its analysis, and so with its frame (the schema's ON DELETE CASCADE). On SQLite its triggers index it for
// search; PostgreSQL has no search yet.
import { PostgresAdapter, type Generated, type Kysely, type Selectable } from 'kysely';
import type { AnalysisTurn } from '../../api/schemas';
import type { WorkstationDb } from '../db/workstation-db';

export interface AnalysisTurnsTable {
  id: Generated<number>;
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

export interface TurnsDb {
  analysis_turns: AnalysisTurnsTable;
}

const toTurn = (r: Selectable<AnalysisTurnsTable>): AnalysisTurn => ({
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

export interface TurnsStore {
  /** Inserts at the next position of its analysis (one transaction: two concurrent asks cannot share one). */
  insert(t: Omit<AnalysisTurn, 'id' | 'position'>): Promise<AnalysisTurn>;
  get(id: number): Promise<AnalysisTurn | null>;
  /** The analysis's turns in the order asked (by position, then id). */
  listForAnalysis(analysisId: number): Promise<AnalysisTurn[]>;
  /** The turns of several analyses at once (reports), keyed by analysis id; analyses without turns are left out. */
  listForAnalyses(ids: readonly number[]): Promise<Map<number, AnalysisTurn[]>>;
  /** Deletes a turn and every later turn of its conversation (they were asked with its answer in context); returns how many. */
  deleteFrom(turnId: number): Promise<number>;
}

export function createTurnsStore(db: Kysely<WorkstationDb>): TurnsStore {
  const list = async (analysisId: number, from: Kysely<WorkstationDb> = db) =>
    (await from.selectFrom('analysis_turns').selectAll().where('analysis_id', '=', analysisId).orderBy('position').orderBy('id').execute()).map(toTurn);

  return {
    insert(t) {
      return db.transaction().execute(async (trx) => {
        // SQLite's transaction holds the write lock from its start (BEGIN IMMEDIATE); on PostgreSQL two asks about one
        // analysis could read the same last position, so the analysis's row is locked first.
        if (trx.getExecutor().adapter instanceof PostgresAdapter) await trx.selectFrom('analyses').select('id').where('id', '=', t.analysisId).forUpdate().execute();
        const last = await trx
          .selectFrom('analysis_turns')
          .select((eb) => eb.fn.max<number | null>('position').as('p'))
          .where('analysis_id', '=', t.analysisId)
          .executeTakeFirst();
        const row = await trx
          .insertInto('analysis_turns')
          .values({
            analysis_id: t.analysisId,
            position: (last?.p ?? 0) + 1,
            question: t.question,
            status: t.status,
            answer: t.answer,
            params_json: JSON.stringify(t.params),
            provenance_json: JSON.stringify(t.provenance),
            timings_json: JSON.stringify(t.timings),
            error: t.error,
            created_at: t.createdAt,
            completed_at: t.completedAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toTurn(row);
      });
    },
    async get(id) {
      const row = await db.selectFrom('analysis_turns').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toTurn(row) : null;
    },
    listForAnalysis: (analysisId) => list(analysisId),
    async listForAnalyses(ids) {
      const out = new Map<number, AnalysisTurn[]>();
      for (const id of ids) {
        const turns = await list(id);
        if (turns.length) out.set(id, turns);
      }
      return out;
    },
    deleteFrom(turnId) {
      return db.transaction().execute(async (trx) => {
        const t = await trx.selectFrom('analysis_turns').select(['analysis_id', 'position']).where('id', '=', turnId).executeTakeFirst();
        if (!t) return 0;
        const { numDeletedRows } = await trx.deleteFrom('analysis_turns').where('analysis_id', '=', t.analysis_id).where('position', '>=', t.position).executeTakeFirst();
        return Number(numDeletedRows);
      });
    },
  };
}
