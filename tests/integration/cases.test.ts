// Cases, the same suite on the workstation's library on SQLite and on a real PostgreSQL server: the data layer
// answers alike on both, and the PostgreSQL schema keeps the SQLite migrations' columns for every table it has.
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCasesStore, type CasesStore } from '../../electron/core/cases/cases-store';
import { migrate } from '../../electron/core/db/migrate';
import type { WorkstationDb } from '../../electron/core/db/workstation-db';
import { createSettingsRepo } from '../../electron/core/settings/settings-repo';
import { columnsOf, STORE_BACKENDS } from '../fixtures/store-backends';
import type { Kysely } from 'kysely';

const input = { code: 'CAT-1', surgeryDate: '2026-03-04', eye: 'OS' as const, surgeon: 'Dr A', notes: 'note' };

describe.each(STORE_BACKENDS)('cases on $name', (backend) => {
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  let repo: CasesStore;
  let db: Kysely<WorkstationDb>;
  beforeEach(async () => {
    db = await backend.fresh();
    let tick = 0;
    repo = createCasesStore(db, () => `2026-01-01T00:00:${String(tick++).padStart(2, '0')}.000Z`);
  });

  it('creates, lists newest first, updates and deletes', async () => {
    const a = await repo.create(input);
    expect(a).toEqual({ id: a.id, ...input, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
    const b = await repo.create({ ...input, code: 'CAT-2' });
    expect((await repo.list()).map((c) => c.code)).toEqual(['CAT-2', 'CAT-1']);
    const updated = await repo.update(a.id, { notes: 'changed', eye: null });
    expect(updated).toMatchObject({ code: 'CAT-1', notes: 'changed', eye: null, surgeon: 'Dr A', surgeryDate: '2026-03-04' });
    expect(updated.updatedAt > a.updatedAt).toBe(true);
    expect((await repo.list()).map((c) => c.code)).toEqual(['CAT-1', 'CAT-2']);
    await repo.delete(b.id);
    expect((await repo.list()).map((c) => c.code)).toEqual(['CAT-1']);
  });

  it('refuses a duplicate code (case-insensitive) with a clear message and writes nothing', async () => {
    await repo.create(input);
    await expect(repo.create({ ...input, code: 'cat-1' })).rejects.toThrow(/A case with the code "cat-1" already exists/);
    expect(await repo.list()).toHaveLength(1);
    const other = await repo.create({ ...input, code: 'CAT-9' });
    await expect(repo.update(other.id, { code: 'CAT-1' })).rejects.toThrow(/already exists/);
    expect((await repo.get(other.id)).code).toBe('CAT-9');
  });

  it('searches code, surgeon and notes in any letter case, treating %, _ and \\ literally', async () => {
    await repo.create(input);
    await repo.create({ ...input, code: 'X_2', surgeon: 'Dr B', notes: 'posterior capsule 100%' });
    await repo.create({ ...input, code: 'Y\\3', surgeon: 'Dr C', notes: '' });
    expect((await repo.list('dr b')).map((c) => c.code)).toEqual(['X_2']);
    expect((await repo.list('POSTERIOR')).map((c) => c.code)).toEqual(['X_2']);
    expect((await repo.list('100%')).map((c) => c.code)).toEqual(['X_2']);
    expect((await repo.list('_')).map((c) => c.code)).toEqual(['X_2']);
    expect((await repo.list('\\')).map((c) => c.code)).toEqual(['Y\\3']);
    expect(await repo.list('  ')).toHaveLength(3);
  });

  it('refuses an eye that is not OD, OS or OU at the schema, whatever writes it', async () => {
    await expect(db.insertInto('cases').values({ code: 'Z', surgery_date: null, eye: 'XX' as 'OD', surgeon: '', notes: '', created_at: input.surgeryDate, updated_at: input.surgeryDate }).execute()).rejects.toThrow();
    expect(await repo.list()).toEqual([]);
  });

  it('says which case is missing', async () => {
    await expect(repo.get(99)).rejects.toThrow(/Case 99 does not exist/);
    await expect(repo.update(99, { notes: 'x' })).rejects.toThrow(/Case 99 does not exist/);
    await expect(repo.delete(99)).rejects.toThrow(/does not exist/);
  });

  it.each(['cases', 'videos', 'reviews', 'frames', 'notes', 'segments', 'annotations', 'tags', 'analyses', 'analysis_turns', 'rubrics', 'assessments', 'assessment_scores', 'teaching_modes', 'teaching_responses', 'audit_log'])("has the SQLite library's columns in %s", async (table) => {
    const workstation = await STORE_BACKENDS[0]!.fresh();
    expect(await columnsOf(db, table)).toEqual(await columnsOf(workstation, table));
  });
});

describe('settings', () => {
  it('fall back to defaults and keep what was saved', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db);
    const settings = createSettingsRepo(db);
    expect(settings.get().theme).toBe('system');
    expect(settings.update({ theme: 'dark', reviewerName: 'R1' })).toMatchObject({ theme: 'dark', reviewerName: 'R1', contextSize: 4096 });
    db.prepare("UPDATE settings SET value = '\"neon\"' WHERE key = 'theme'").run();
    expect(settings.get().theme).toBe('system');
  });
});
