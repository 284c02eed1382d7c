import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import { LATEST_VERSION, MIGRATIONS } from './migrations/index';
import type { Migration } from './migrations/types';

export class FutureDatabaseError extends WorkstationError {
  constructor(readonly found: number, readonly supported: number) {
    super(
      'unsupported-input',
      `This library was written by a newer version of the app (schema ${found}; this app understands up to ${supported}). ` +
        'Update the app to open it. The file has not been changed.',
    );
  }
}

export function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Bring the schema up to date, one transaction per migration. `beforeMigrate` runs once, before the first
 * pending step, only when the database already holds data (used to take a backup).
 */
export function migrate(
  db: Database,
  options: { migrations?: readonly Migration[]; beforeMigrate?: (fromVersion: number) => void } = {},
): { from: number; to: number } {
  const migrations = options.migrations ?? MIGRATIONS;
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  const from = userVersion(db);
  if (from > latest) throw new FutureDatabaseError(from, latest);
  const pending = migrations.filter((m) => m.version > from);
  if (pending.length && from > 0) options.beforeMigrate?.(from);
  for (const m of pending) {
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return { from, to: Math.max(from, latest) };
}

export { LATEST_VERSION };
