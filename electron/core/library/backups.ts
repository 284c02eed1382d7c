// The library's backups folder: what is there, and the daily online backup (better-sqlite3's backup API,
// which copies page by page between event-loop turns, so the app keeps answering while it runs).
import type { Database } from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { BackupInfo } from '../../api/schemas-review';
import { syncFile } from '../fs/sync-file';

const NAME = /^library-(.+)-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.sqlite$/;
export const DAILY_LABEL = 'daily';
export const DEFAULT_BACKUPS_TO_KEEP = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Every backup in the folder, newest first. */
export function listBackups(dir: string): BackupInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: BackupInfo[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      continue;
    }
    out.push({ name, path: file, label: m[1]!, createdAt: `${m[2]}T${m[3]}:${m[4]}:${m[5]}.${m[6]}Z`, sizeBytes: size });
  }
  return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

export function backupFileName(label: string, at = new Date()): string {
  return `library-${label}-${at.toISOString().replace(/[:.]/g, '-')}.sqlite`;
}

/** How many daily backups to keep: the 'backupsToKeep' setting (Settings) when there is a valid one. */
export function backupsToKeep(db: Database): number {
  try {
    const row = db.prepare<[], { value: string }>("SELECT value FROM settings WHERE key = 'backupsToKeep'").get();
    const n = row ? (JSON.parse(row.value) as unknown) : null;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 365) return n;
  } catch {
    // fall through to the default
  }
  return DEFAULT_BACKUPS_TO_KEEP;
}

export function dailyBackupDue(dir: string, now = Date.now()): boolean {
  const newest = listBackups(dir).find((b) => b.label === DAILY_LABEL);
  return !newest || now - Date.parse(newest.createdAt) >= DAY_MS;
}

/**
 * Takes the daily backup when the newest one is older than a day (or there is none) and the library holds
 * anything; keeps the newest `keep` daily backups (pre-migration backups are kept by their own rule).
 * Written to a temp name and renamed, so a backup in the folder is always complete.
 */
export async function dailyBackup(db: Database, dir: string, options: { keep?: number; force?: boolean } = {}): Promise<string | null> {
  if (!options.force && !dailyBackupDue(dir)) return null;
  const hasData = db.prepare('SELECT EXISTS (SELECT 1 FROM cases) AS x').pluck().get() === 1;
  if (!hasData && !options.force) return null;
  fs.mkdirSync(dir, { recursive: true });
  const final = path.join(dir, backupFileName(DAILY_LABEL));
  const temp = `${final}.partial`;
  fs.rmSync(temp, { force: true });
  try {
    await db.backup(temp);
    syncFile(temp, 'r+');
    fs.renameSync(temp, final);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
  const keep = options.keep ?? backupsToKeep(db);
  const daily = listBackups(dir).filter((b) => b.label === DAILY_LABEL);
  for (const old of daily.slice(keep)) fs.rmSync(old.path, { force: true });
  return final;
}
