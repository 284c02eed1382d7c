// The department library's schema, as Kysely migrations kept in code (NNNN-name, applied in order, each once,
// each in one transaction on both dialects). One schema-builder migration serves SQLite and PostgreSQL; it
// branches only for the identity column, the timestamp type and the boolean type.
//
// A library that has run a migration this build does not know (written by a newer app or server) is refused
// before anything changes.
import { Migrator, sql, type ColumnDefinitionBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { WorkstationError } from '../../api/errors';
import { AnnotationKind } from '../../api/schemas-review';
import type { LibraryDbHandle, LibraryDialect } from './db';
import { ROLES } from './roles';
import { publishedDeletionsMigration, publishedMigration, publishedNotesTagsMigration } from './published-schema';
import { notesTagsFts } from './migration-notes-tags';
import { analysesMigration } from './analyses-store';

/** `column in ('a', 'b', …)` for a check constraint. */
function oneOf(column: string, values: readonly string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
}

function foundation(dialect: LibraryDialect): Migration {
  const pg = dialect === 'postgres';
  const id = (c: ColumnDefinitionBuilder) => (pg ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement());
  const ts = pg ? 'timestamptz' : 'text';
  const flag = pg ? 'boolean' : 'integer';
  const no = pg ? sql`false` : 0;

  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'integer', id)
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', ts)
        .addColumn('disabled', flag, (c) => c.notNull().defaultTo(no))
        .addColumn('created_at', ts, (c) => c.notNull())
        .addCheckConstraint('users_role_check', oneOf('role', ROLES))
        .execute();
      // Usernames are ASCII (accounts.ts checks), so lower() means the same on both dialects.
      await db.schema.createIndex('users_username_unique').on('users').unique().expression(sql`lower(username)`).execute();

      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('expires_at', ts, (c) => c.notNull())
        .addColumn('last_seen_at', ts, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

      await db.schema
        .createTable('reviews')
        .addColumn('id', 'integer', id)
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('draft'))
        .addColumn('signed_off_by', 'integer', (c) => c.references('users.id'))
        .addColumn('signed_off_at', ts)
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('updated_by', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addCheckConstraint('reviews_status_check', oneOf('status', ['draft', 'final']))
        .execute();

      await db.schema
        .createTable('annotations')
        .addColumn('id', 'integer', id)
        .addColumn('review_id', 'integer', (c) => c.notNull().references('reviews.id').onDelete('cascade'))
        .addColumn('frame_index', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('geometry_json', 'text', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('color', 'text', (c) => c.notNull())
        .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addColumn('updated_by', 'integer', (c) => c.notNull().references('users.id'))
        .addCheckConstraint('annotations_kind_check', oneOf('kind', AnnotationKind.options))
        .addCheckConstraint('annotations_frame_check', sql`frame_index >= 0`)
        .execute();
      await db.schema.createIndex('annotations_review_frame').on('annotations').columns(['review_id', 'frame_index']).execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'integer', id)
        .addColumn('at', ts, (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'integer')
        .addColumn('detail_json', 'text')
        .execute();
      await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['entity', 'entity_id']).execute();
      await db.schema.createIndex('audit_log_user').on('audit_log').column('user_id').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['audit_log', 'annotations', 'reviews', 'sessions', 'users']) await db.schema.dropTable(table).execute();
    },
  };
}

/**
 * Search without scanning (PostgreSQL): trigram indexes make the substring search (search.ts: ILIKE '%words%') an
 * index lookup. bench:department measured the scans as most of the server's CPU at 50,000 annotations (write p99
 * 96 ms with them). pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it. SQLite: a
 * department's embedded library stays small, nothing to do.
 */
function searchIndexes(dialect: LibraryDialect): Migration {
  return {
    async up(db) {
      if (dialect !== 'postgres') return;
      await sql`create extension if not exists pg_trgm`.execute(db);
      await sql`create index annotations_label_trgm on annotations using gin (label gin_trgm_ops)`.execute(db);
      await sql`create index annotations_text_trgm on annotations using gin (geometry_json gin_trgm_ops) where kind = 'text'`.execute(db);
    },
  };
}

/** The migrations this build knows, by name (applied in name order). */
export function libraryMigrations(dialect: LibraryDialect): Record<string, Migration> {
  return {
    '0001-foundation': foundation(dialect),
    '0002-search-indexes': searchIndexes(dialect),
    '0003-notes-tags-fts': notesTagsFts(dialect),
    '0004-published': publishedMigration(dialect),
    '0005-analyses': analysesMigration(dialect),
    '0006-published-notes-tags': publishedNotesTagsMigration(),
    '0007-published-deletions': publishedDeletionsMigration(dialect),
  };
}

export interface MigrateOptions {
  /** Defaults to libraryMigrations(dialect); tests pass others. */
  migrations?: Record<string, Migration>;
}

function migratorFor(handle: LibraryDbHandle, options: MigrateOptions): Migrator {
  const migrations = options.migrations ?? libraryMigrations(handle.dialect);
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  return new Migrator({ db: handle.db, provider });
}

/** Brings the library to this build's schema; returns the names of the migrations it applied (none when current). */
export async function migrateLibrary(handle: LibraryDbHandle, options: MigrateOptions = {}): Promise<string[]> {
  const migrator = migratorFor(handle, options);
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/previously executed migration .* is missing/i.test(message)) {
      throw new WorkstationError(
        'unsupported-input',
        'This library was updated by a newer version of the app or the department server. Update this app to open it; nothing was changed.',
        [message],
      );
    }
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new WorkstationError('internal', `The library could not be updated${failed ? ` (migration ${failed})` : ''}: ${message}. Nothing was changed.`, [message]);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The names of the migrations applied to this library, oldest first. */
export async function appliedMigrations(handle: LibraryDbHandle, options: MigrateOptions = {}): Promise<string[]> {
  const infos = await migratorFor(handle, options).getMigrations();
  return infos.filter((m) => m.executedAt !== undefined).map((m) => m.name);
}
