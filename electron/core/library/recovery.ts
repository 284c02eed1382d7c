// Recovery from a library that cannot be opened. The damaged file is never written: it is moved aside (with
// its -wal and -shm) to library.damaged-<time>.sqlite, and a checked backup is copied in by temp + rename.
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { WorkstationError } from '../../api/errors';
import type { RecoveryStatus } from '../../api/schemas-review';
import { CorruptDatabaseError } from '../db/connection';
import { FutureDatabaseError } from '../db/migrate';
import { LATEST_VERSION } from '../db/migrations/index';

export type RecoveryProblem = NonNullable<RecoveryStatus['problem']>;

const SQLITE_MAGIC = 'SQLite format 3\0';
const SIDECARS = ['-wal', '-shm', '-journal'];

/** Errors that mean "this library file cannot be used", as opposed to a bug or a missing folder permission elsewhere. */
export function isLibraryOpenError(err: unknown): err is WorkstationError {
  return err instanceof CorruptDatabaseError || err instanceof FutureDatabaseError;
}

export function classifyOpenError(err: unknown): RecoveryProblem {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof FutureDatabaseError) return { kind: 'newer-version', message };
  if (/EACCES|EPERM|permission|unable to open|readonly|locked|busy/i.test(message)) return { kind: 'unreadable', message };
  if (err instanceof CorruptDatabaseError) return { kind: 'corrupt', message };
  return { kind: 'other', message };
}

/** Checks a file is a whole SQLite library this app can open, without writing to it. */
export function checkLibraryFile(file: string): void {
  let header: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      header = Buffer.alloc(16);
      fs.readSync(fd, header, 0, 16, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new WorkstationError('not-found', `Cannot read ${file}: ${(err as Error).message}`);
  }
  if (header.toString('latin1') !== SQLITE_MAGIC) throw new WorkstationError('unsupported-input', `${path.basename(file)} is not a library database.`);
  let db: BetterSqlite3.Database | null = null;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > LATEST_VERSION) throw new FutureDatabaseError(version, LATEST_VERSION);
    const rows = db.pragma('integrity_check', { simple: false }) as Array<{ integrity_check: string }>;
    const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    if (problems.length) throw new WorkstationError('unsupported-input', `${path.basename(file)} is damaged too (${problems.slice(0, 2).join('; ')}).`);
  } catch (err) {
    if (err instanceof WorkstationError) throw err;
    throw new WorkstationError('unsupported-input', `${path.basename(file)} cannot be opened: ${(err as Error).message}`);
  } finally {
    db?.close();
  }
}

/** Files set aside by earlier restores, next to the library. */
export function damagedFiles(libraryFile: string): string[] {
  const dir = path.dirname(libraryFile);
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => /^library\.damaged-.*\.sqlite$/.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Not every platform can fsync a folder (Windows); the rename is still atomic there.
  }
}

/**
 * Moves the library (and its -wal/-shm/-journal) aside to library.damaged-<time>.sqlite and puts a copy of the
 * backup in its place. The backup is checked first; nothing moves if it is not good. Returns the aside name.
 */
export function restoreFromBackup(libraryFile: string, backupFile: string, now = new Date()): string | null {
  checkLibraryFile(backupFile);
  const dir = path.dirname(libraryFile);
  const temp = path.join(dir, `.library-restore-${process.pid}-${now.getTime()}.sqlite.partial`);
  fs.copyFileSync(backupFile, temp);
  try {
    fsyncFile(temp);
    let aside: string | null = null;
    if ([libraryFile, ...SIDECARS.map((s) => libraryFile + s)].some((f) => fs.existsSync(f))) {
      aside = path.join(dir, `library.damaged-${now.toISOString().replace(/[:.]/g, '-')}.sqlite`);
      if (fs.existsSync(libraryFile)) fs.renameSync(libraryFile, aside);
      for (const s of SIDECARS) if (fs.existsSync(libraryFile + s)) fs.renameSync(libraryFile + s, aside + s);
    }
    fs.renameSync(temp, libraryFile);
    fsyncDir(dir);
    return aside;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}
