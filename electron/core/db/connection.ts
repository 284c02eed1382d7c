// Opening the library database: refuse what we must not touch, back up before changing the schema.
import BetterSqlite3, { type Database } from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { WorkstationError } from '../../api/errors';
import { backupDatabase } from './backup';
import { FutureDatabaseError, migrate } from './migrate';
import { MIGRATIONS } from './migrations/index';
import type { Migration } from './migrations/types';

export class CorruptDatabaseError extends WorkstationError {
  constructor(readonly file: string, reason: string) {
    super('unsupported-input', `The library database could not be opened safely (${reason}). It has not been changed.`);
  }
}

const SQLITE_MAGIC = 'SQLite format 3\0';

export interface OpenOptions {
  migrations?: readonly Migration[];
  backupDir?: string;
  readonly?: boolean;
  /**
   * The structural check before anything may write: 'quick' (PRAGMA quick_check, here and now) or 'none' when the
   * caller has just checked the file itself (the app runs the full integrity_check on a worker thread first).
   */
  check?: 'quick' | 'none';
}

/** Opens (creating if missing) the database at `file`, checks it, and migrates it. */
export function openDatabase(file: string, options: OpenOptions = {}): Database {
  const exists = fs.existsSync(file) && fs.statSync(file).size > 0;
  if (exists) {
    const fd = fs.openSync(file, 'r');
    try {
      const header = Buffer.alloc(16);
      fs.readSync(fd, header, 0, 16, 0);
      if (header.toString('latin1') !== SQLITE_MAGIC) throw new CorruptDatabaseError(file, 'the file is not an SQLite database');
    } finally {
      fs.closeSync(fd);
    }
  } else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  if (exists) preflight(file, options.migrations ?? MIGRATIONS, options.check ?? 'quick');

  let db: Database;
  try {
    db = new BetterSqlite3(file, { fileMustExist: exists });
  } catch (err) {
    throw new CorruptDatabaseError(file, (err as Error).message);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    migrate(db, {
      ...(options.migrations ? { migrations: options.migrations } : {}),
      beforeMigrate: (from) => {
        if (options.backupDir) backupDatabase(db, options.backupDir, `pre-migration-v${from}`);
      },
    });
    return db;
  } catch (err) {
    db.close();
    if (err instanceof WorkstationError) throw err;
    throw new CorruptDatabaseError(file, (err as Error).message);
  }
}

/**
 * Checks an existing file read-only before anything may write to it: it opens, passes quick_check, and is not
 * from a newer app. Setting WAL or migrating would change the file, so they wait until this passes.
 */
function preflight(file: string, migrations: readonly Migration[], check: 'quick' | 'none'): void {
  let ro: Database;
  try {
    ro = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new CorruptDatabaseError(file, (err as Error).message);
  }
  try {
    const version = ro.pragma('user_version', { simple: true }) as number;
    const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
    if (version > latest) throw new FutureDatabaseError(version, latest);
    if (check === 'quick') {
      const rows = ro.pragma('quick_check', { simple: false }) as Array<{ quick_check: string }>;
      const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
      if (problems.length) throw new CorruptDatabaseError(file, `integrity check failed: ${problems.slice(0, 3).join('; ')}`);
    } else {
      ro.prepare('SELECT count(*) FROM sqlite_master').get(); // the schema at least must read
    }
  } catch (err) {
    if (err instanceof WorkstationError) throw err;
    throw new CorruptDatabaseError(file, (err as Error).message);
  } finally {
    ro.close();
  }
}
