import BetterSqlite3 from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCasesRepo } from '../../electron/core/cases/cases-repo';
import { migrate } from '../../electron/core/db/migrate';
import { createSettingsRepo } from '../../electron/core/settings/settings-repo';

describe('cases repository', () => {
  let repo: ReturnType<typeof createCasesRepo>;
  let db: BetterSqlite3.Database;
  beforeEach(() => {
    db = new BetterSqlite3(':memory:');
    migrate(db);
    let tick = 0;
    repo = createCasesRepo(db, () => `2026-01-01T00:00:${String(tick++).padStart(2, '0')}.000Z`);
  });
  const input = { code: 'CAT-1', surgeryDate: '2026-03-04', eye: 'OS' as const, surgeon: 'Dr A', notes: 'note' };

  it('creates, lists newest first, updates and deletes', () => {
    const a = repo.create(input);
    const b = repo.create({ ...input, code: 'CAT-2' });
    expect(repo.list().map((c) => c.code)).toEqual(['CAT-2', 'CAT-1']);
    const updated = repo.update(a.id, { notes: 'changed', eye: null });
    expect(updated).toMatchObject({ code: 'CAT-1', notes: 'changed', eye: null, surgeon: 'Dr A' });
    expect(updated.updatedAt > a.updatedAt).toBe(true);
    repo.delete(b.id);
    expect(repo.list().map((c) => c.code)).toEqual(['CAT-1']);
  });

  it('refuses a duplicate code (case-insensitive) with a clear message and writes nothing', () => {
    repo.create(input);
    expect(() => repo.create({ ...input, code: 'cat-1' })).toThrow(/already exists/);
    expect(repo.list()).toHaveLength(1);
    const other = repo.create({ ...input, code: 'CAT-9' });
    expect(() => repo.update(other.id, { code: 'CAT-1' })).toThrow(/already exists/);
    expect(repo.get(other.id).code).toBe('CAT-9');
  });

  it('searches code, surgeon and notes, treating % and _ literally', () => {
    repo.create(input);
    repo.create({ ...input, code: 'X_2', surgeon: 'Dr B', notes: 'posterior capsule 100%' });
    expect(repo.list('dr b').map((c) => c.code)).toEqual(['X_2']);
    expect(repo.list('100%').map((c) => c.code)).toEqual(['X_2']);
    expect(repo.list('_')).toHaveLength(1);
  });

  it('says which case is missing', () => {
    expect(() => repo.get(99)).toThrow(/Case 99 does not exist/);
    expect(() => repo.delete(99)).toThrow(/does not exist/);
  });

  it('settings fall back to defaults and keep what was saved', () => {
    const settings = createSettingsRepo(db);
    expect(settings.get().theme).toBe('system');
    expect(settings.update({ theme: 'dark', reviewerName: 'R1' })).toMatchObject({ theme: 'dark', reviewerName: 'R1', contextSize: 4096 });
    db.prepare("UPDATE settings SET value = '\"neon\"' WHERE key = 'theme'").run();
    expect(settings.get().theme).toBe('system');
  });
});
