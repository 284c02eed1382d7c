import type { Database } from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A consistent copy of the live database (VACUUM INTO: one statement, no partial file left behind on
 * failure because it is written to a temp name and renamed). Keeps the newest `keep` backups per label.
 */
export function backupDatabase(db: Database, dir: string, label: string, keep = 10): string {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const final = path.join(dir, `library-${label}-${stamp}.sqlite`);
  const temp = `${final}.partial`;
  fs.rmSync(temp, { force: true });
  db.prepare('VACUUM INTO ?').run(temp);
  fs.renameSync(temp, final);
  const mine = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`library-${label}-`) && f.endsWith('.sqlite'))
    .sort();
  for (const old of mine.slice(0, Math.max(0, mine.length - keep))) fs.rmSync(path.join(dir, old), { force: true });
  return final;
}
