// The workstation library's tables as the async stores see them (Kysely): over the SQLite connection that
// core/db/connection.ts opened and migrated, or on PostgreSQL (workstation-postgres.ts), which is how their tests run
// on both. The synchronous repositories still in use share the SQLite connection; they move here one by one.
import type { Database } from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { CasesDb } from '../cases/cases-store';
import { SharedSqliteDialect } from './kysely-dialects';

export type WorkstationDb = CasesDb;

/** Kysely over the open library; closing it is the connection's owner's business (db.close()). */
export function workstationKysely(db: Database): Kysely<WorkstationDb> {
  return new Kysely<WorkstationDb>({ dialect: new SharedSqliteDialect(db) });
}

