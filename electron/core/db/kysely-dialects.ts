// The Kysely dialects every async store opens with, so SQLite and PostgreSQL read and write alike:
//   - SQLite (better-sqlite3): write transactions start with BEGIN IMMEDIATE (the write lock up front, so a second
//     process waits for it instead of failing half-way), and DDL runs inside the migration's transaction;
//   - PostgreSQL (a node-postgres pool): timestamptz comes back as the ISO-8601 UTC string SQLite stores, a date as
//     its 'YYYY-MM-DD' text, bigint counts as numbers; a connection the server drops does not end the process.
import type { Database } from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
} from 'kysely';
import pg from 'pg';

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  // SQLite's DDL is transactional; Kysely's adapter says no only to stay conservative.
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class LibrarySqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * Transactions on the workstation's connection that stayed open past one turn of the event loop (see below): none
 * should ever; tests read this.
 */
export const spannedTurns = { count: 0 };

/**
 * The synchronous repositories share the workstation's connection with the async stores. A transaction of a store
 * that awaits only database work runs within one turn of the event loop (better-sqlite3 answers at once, Kysely's
 * steps are promises), so no other handler's synchronous write can land inside it. One that outlives the turn
 * (it awaited a file, a timer, the network) breaks that: said on stderr and counted.
 */
class TurnCheckedSqliteDriver extends ImmediateSqliteDriver {
  #open = new Set<DatabaseConnection>();
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await super.beginTransaction(connection);
    this.#open.add(connection);
    setImmediate(() => {
      if (!this.#open.has(connection)) return;
      spannedTurns.count++;
      console.error('A transaction on the workstation library stayed open past one turn of the event loop: it must await only database work.');
    });
  }
  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    this.#open.delete(connection);
    await super.commitTransaction(connection);
  }
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    this.#open.delete(connection);
    await super.rollbackTransaction(connection);
  }
}

/**
 * A dialect over a connection someone else owns (the workstation's library, opened and migrated by
 * core/db/connection.ts): Kysely never closes it — its owner does.
 */
export class SharedSqliteDialect extends LibrarySqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(database: Database) {
    const shared: SqliteDatabase = { close: () => undefined, prepare: (sql) => database.prepare(sql) };
    super({ database: shared });
    this.#config = { database: shared };
  }
  override createDriver(): Driver {
    return new TurnCheckedSqliteDriver(this.#config);
  }
}

const PG_INT8 = 20;
const PG_DATE = 1082;
const PG_TIMESTAMP = 1114;
const PG_TIMESTAMPTZ = 1184;

function pgTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === PG_TIMESTAMPTZ || oid === PG_TIMESTAMP) {
    const toDate = pg.types.getTypeParser(oid, 'text') as (value: string) => Date;
    return (value) => toDate(value).toISOString();
  }
  if (oid === PG_INT8) return (value) => Number(value);
  if (oid === PG_DATE) return (value) => value;
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}

/**
 * A node-postgres pool that parses types as above and survives the server dropping its connections; `searchPath`:
 * the schema every connection works in (the workstation's tables live in their own).
 */
export function openPgPool(url: string, poolSize: number, o: { searchPath?: string } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: { getTypeParser: pgTypeParser } as pg.CustomTypesConfig,
    ...(o.searchPath ? { options: `-c search_path=${o.searchPath}` } : {}),
  });
  // An idle connection that the server drops (a restart, a network cut) must not take the process down: the pool
  // discards it and the next query opens a new one.
  pool.on('error', () => undefined);
  // The same for a connection that is checked out (between two queries of a transaction) when the server drops it:
  // the pool does not listen to those, and an 'error' nobody listens to ends the process. With this listener the
  // next query on it fails (the caller sees the error) and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** A unique constraint refused the write, on either backend (SQLite's code or PostgreSQL's SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
