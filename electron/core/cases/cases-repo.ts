// Cases: the de-identified surgery records everything else hangs from.
import type { Database } from 'better-sqlite3';
import type { Case, CaseInput } from '../../api/schemas';
import { WorkstationError } from '../../api/errors';

interface CaseRow {
  id: number;
  code: string;
  surgery_date: string | null;
  eye: 'OD' | 'OS' | 'OU' | null;
  surgeon: string;
  notes: string;
  created_at: string;
  updated_at: string;
}

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

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function createCasesRepo(db: Database, now: () => string = () => new Date().toISOString()) {
  const byId = db.prepare<[number], CaseRow>('SELECT * FROM cases WHERE id = ?');

  function get(id: number): Case {
    const row = byId.get(id);
    if (!row) throw new WorkstationError('not-found', `Case ${id} does not exist (it may have been deleted).`);
    return toCase(row);
  }

  function duplicate(code: string): WorkstationError {
    return new WorkstationError('conflict', `A case with the code "${code}" already exists. Case codes must be unique.`);
  }

  return {
    get,
    list(search?: string): Case[] {
      const q = search?.trim();
      if (!q) return db.prepare<[], CaseRow>('SELECT * FROM cases ORDER BY updated_at DESC, id DESC').all().map(toCase);
      const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      return db
        .prepare<[string, string, string], CaseRow>(
          `SELECT * FROM cases WHERE code LIKE ? ESCAPE '\\' OR surgeon LIKE ? ESCAPE '\\' OR notes LIKE ? ESCAPE '\\'
           ORDER BY updated_at DESC, id DESC`,
        )
        .all(like, like, like)
        .map(toCase);
    },
    create(input: CaseInput): Case {
      const t = now();
      try {
        const id = db.transaction(() =>
          db
            .prepare(
              `INSERT INTO cases (code, surgery_date, eye, surgeon, notes, created_at, updated_at)
               VALUES (@code, @surgeryDate, @eye, @surgeon, @notes, @t, @t)`,
            )
            .run({ ...input, t }).lastInsertRowid,
        )();
        return get(Number(id));
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicate(input.code);
        throw err;
      }
    },
    update(id: number, patch: Partial<CaseInput>): Case {
      const current = get(id);
      const next = { ...current, ...patch };
      try {
        db.transaction(() =>
          db
            .prepare(
              `UPDATE cases SET code = @code, surgery_date = @surgeryDate, eye = @eye, surgeon = @surgeon,
               notes = @notes, updated_at = @t WHERE id = @id`,
            )
            .run({ id, code: next.code, surgeryDate: next.surgeryDate, eye: next.eye, surgeon: next.surgeon, notes: next.notes, t: now() }),
        )();
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicate(next.code);
        throw err;
      }
      return get(id);
    },
    delete(id: number): void {
      const changes = db.transaction(() => db.prepare('DELETE FROM cases WHERE id = ?').run(id).changes)();
      if (!changes) throw new WorkstationError('not-found', `Case ${id} does not exist (it may have been deleted already).`);
    },
  };
}
export type CasesRepo = ReturnType<typeof createCasesRepo>;
