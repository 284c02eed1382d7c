// The workstation library's tables as the async stores see them (Kysely), over the SQLite connection that
// core/db/connection.ts opened and migrated. The same stores run on a department's library (core/department/db.ts:
// LibraryDb includes these tables), which is how their tests run on both SQLite and PostgreSQL.
// The synchronous repositories still in use share this connection; they move here one by one (cases so far).
import type { Database } from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { CasesDb } from '../cases/cases-store';
import { SharedSqliteDialect } from './kysely-dialects';

export type WorkstationDb = CasesDb;

/** Kysely over the open library; closing it is the connection's owner's business (db.close()). */
export function workstationKysely(db: Database): Kysely<WorkstationDb> {
  return new Kysely<WorkstationDb>({ dialect: new SharedSqliteDialect(db) });
}

/**
 * A library whose tables include the workstation's (a department's Kysely<LibraryDb>) seen as the workstation's
 * stores see it. Kysely's database type is invariant, so this narrowing is the one cast: sound because DB has
 * every table of WorkstationDb with the same columns.
 */
export function asWorkstationDb<DB extends WorkstationDb>(db: Kysely<DB>): Kysely<WorkstationDb> {
  return db as unknown as Kysely<WorkstationDb>;
}
