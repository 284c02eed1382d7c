// Cases: the de-identified surgery records everything else hangs from. One set of Kysely queries for the
// workstation's library on SQLite (over the connection core/db/connection.ts opened and migrated) and on PostgreSQL
// (core/db/workstation-postgres.ts).
//
// Each write is one statement (atomic on its own): while the workstation's other repositories still share the
// SQLite connection synchronously, no transaction of this store stays open across an await.
import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import type { Case, CaseInput } from '../../api/schemas';
import { WorkstationError } from '../../api/errors';
import { isUniqueViolation } from '../db/kysely-dialects';
import type { WorkstationDb } from '../db/workstation-db';

/** Timestamps are ISO-8601 UTC strings on both backends (PostgreSQL: timestamptz, read back as that string). */
export interface CasesTable {
  id: Generated<number>;
  code: string;
  surgery_date: string | null;
  eye: 'OD' | 'OS' | 'OU' | null;
  surgeon: string;
  notes: string;
  created_at: string;
  updated_at: string;
}

export interface CasesDb {
  cases: CasesTable;
}

type CaseRow = Selectable<CasesTable>;

function toCase(r: CaseRow): Case {
  return {
    id: r.id,
    code: r.code,
    surgeryDate: r.surgery_date,
    eye: r.eye,
    surgeon: r.surgeon,
    notes: r.notes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** `%text%` for LIKE with the text's own %, _ and \ taken literally (ESCAPE '\'). */
function containing(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface CasesStore {
  get(id: number): Promise<Case>;
  /** Newest first; with `search`, those whose code, surgeon or notes contain it (any case; % and _ literal). */
  list(search?: string): Promise<Case[]>;
  create(input: CaseInput): Promise<Case>;
  update(id: number, patch: Partial<CaseInput>): Promise<Case>;
  delete(id: number): Promise<void>;
}

export function createCasesStore(db: Kysely<WorkstationDb>, now: () => string = () => new Date().toISOString()): CasesStore {
  async function get(id: number): Promise<Case> {
    const row = await db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new WorkstationError('not-found', `Case ${id} does not exist (it may have been deleted).`);
    return toCase(row);
  }

  function duplicate(code: string): WorkstationError {
    return new WorkstationError('conflict', `A case with the code "${code}" already exists. Case codes must be unique.`);
  }

  return {
    get,
    async list(search) {
      const q = search?.trim();
      let query = db.selectFrom('cases').selectAll();
      if (q) {
        const like = containing(q);
        const matches = (column: 'code' | 'surgeon' | 'notes') => sql<boolean>`lower(${sql.ref(column)}) like ${like} escape '\\'`;
        query = query.where((eb) => eb.or([matches('code'), matches('surgeon'), matches('notes')]));
      }
      return (await query.orderBy('updated_at', 'desc').orderBy('id', 'desc').execute()).map(toCase);
    },
    async create(input) {
      const t = now();
      try {
        const row = await db
          .insertInto('cases')
          .values({ code: input.code, surgery_date: input.surgeryDate, eye: input.eye, surgeon: input.surgeon, notes: input.notes, created_at: t, updated_at: t })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toCase(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicate(input.code);
        throw err;
      }
    },
    async update(id, patch) {
      const next = { ...(await get(id)), ...patch };
      try {
        const row = await db
          .updateTable('cases')
          .set({ code: next.code, surgery_date: next.surgeryDate, eye: next.eye, surgeon: next.surgeon, notes: next.notes, updated_at: now() })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (!row) throw new WorkstationError('not-found', `Case ${id} does not exist (it may have been deleted).`);
        return toCase(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicate(next.code);
        throw err;
      }
    },
    async delete(id) {
      const { numDeletedRows } = await db.deleteFrom('cases').where('id', '=', id).executeTakeFirst();
      if (!numDeletedRows) throw new WorkstationError('not-found', `Case ${id} does not exist (it may have been deleted already).`);
    },
  };
}
