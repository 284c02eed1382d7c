import BetterSqlite3 from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/db/connection';
import { FutureDatabaseError, migrate, userVersion } from '../../electron/core/db/migrate';
import { LATEST_VERSION, MIGRATIONS } from '../../electron/core/db/migrations/index';

const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

describe('migrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('are numbered NNNN-name, in order, one version each', () => {
    // Ascending (numbers are handed out per piece of work, so one may land before the numbers below it).
    MIGRATIONS.forEach((m, i) => {
      expect(m.version).toBeGreaterThan(i === 0 ? 0 : MIGRATIONS[i - 1]!.version);
      expect(m.name).toMatch(new RegExp(`^${String(m.version).padStart(4, '0')}-[a-z0-9-]+$`));
    });
    const files = fs.readdirSync(path.join(__dirname, '../../electron/core/db/migrations')).filter((f) => /^\d{4}-/.test(f));
    expect(files.map((f) => f.replace(/\.ts$/, ''))).toEqual(MIGRATIONS.map((m) => m.name));
  });

  it('run on an empty in-memory database and set user_version', () => {
    const db = new BetterSqlite3(':memory:');
    expect(migrate(db)).toEqual({ from: 0, to: LATEST_VERSION });
    expect(userVersion(db)).toBe(LATEST_VERSION);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['cases', 'settings', 'frames', 'analyses']));
  });

  it('are idempotent', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db);
    const schema = db.prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all();
    expect(migrate(db)).toEqual({ from: LATEST_VERSION, to: LATEST_VERSION });
    expect(db.prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all()).toEqual(schema);
  });

  it('roll back a failing step completely', () => {
    const db = new BetterSqlite3(':memory:');
    const broken = [...MIGRATIONS, { version: LATEST_VERSION + 1, name: 'broken', up: (d: BetterSqlite3.Database) => d.exec('CREATE TABLE half (x); SELECT * FROM nope;') }];
    expect(() => migrate(db, { migrations: broken })).toThrow(/nope/);
    expect(userVersion(db)).toBe(LATEST_VERSION);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(0);
  });

  it('refuse a database from a newer app and leave the file untouched', () => {
    const file = path.join(dir, 'library.sqlite');
    const db = new BetterSqlite3(file);
    db.exec('CREATE TABLE future_table (x)');
    db.pragma(`user_version = ${LATEST_VERSION + 5}`);
    db.close();
    const before = sha(file);
    expect(() => openDatabase(file, { backupDir: path.join(dir, 'backups') })).toThrow(FutureDatabaseError);
    expect(() => openDatabase(file)).toThrow(/newer version of the app/);
    expect(sha(file)).toBe(before);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('back up the database before migrating an existing library', () => {
    const file = path.join(dir, 'library.sqlite');
    const v1 = openDatabase(file, { migrations: MIGRATIONS.slice(0, 1) });
    v1.prepare("INSERT INTO cases (code, surgeon, notes, created_at, updated_at) VALUES ('OLD-1', '', '', 'x', 'x')").run();
    v1.close();
    const db = openDatabase(file, { backupDir: path.join(dir, 'backups') });
    expect(userVersion(db)).toBe(LATEST_VERSION);
    db.close();
    const backups = fs.readdirSync(path.join(dir, 'backups'));
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatch(/^library-pre-migration-v1-.*\.sqlite$/);
    const copy = new BetterSqlite3(path.join(dir, 'backups', backups[0]!), { readonly: true });
    expect(copy.pragma('user_version', { simple: true })).toBe(1);
    expect(copy.prepare('SELECT code FROM cases').pluck().all()).toEqual(['OLD-1']);
    copy.close();
  });

  it('refuse a file that is not a database, unchanged', () => {
    const file = path.join(dir, 'library.sqlite');
    fs.writeFileSync(file, 'this is not sqlite at all, just text that someone saved here');
    const before = sha(file);
    expect(() => openDatabase(file)).toThrow(/not an SQLite database/);
    expect(sha(file)).toBe(before);
  });

  it('open with WAL and foreign keys', () => {
    const db = openDatabase(path.join(dir, 'library.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });
});
