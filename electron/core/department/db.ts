// Opening the department library: one Kysely<LibraryDb> over either SQLite (better-sqlite3, embedded) or PostgreSQL
// (a node-postgres pool, for a department). Everything above this file writes one set of queries for both.
//
// What differs by dialect lives here and in migrations.ts only:
//   - timestamps are ISO-8601 UTC strings everywhere above this file: SQLite stores the text, PostgreSQL a
//     timestamptz that the pool's type parser turns back into the same string;
//   - booleans are written as 0/1 (better-sqlite3 cannot bind a JS boolean; PostgreSQL's boolean input accepts
//     '0'/'1') and read as number (SQLite) or boolean (PostgreSQL): compare with Boolean(x);
//   - counts (bigint in PostgreSQL) are parsed to numbers;
//   - SQLite write transactions start with BEGIN IMMEDIATE (the write lock up front, so a second process waits
//     for it instead of failing half-way), and its migrations run in a transaction like PostgreSQL's (both dialects
//     are set up in core/db/kysely-dialects.ts, shared with the workstation's own async stores).
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, type ColumnType, type Generated } from 'kysely';
import { LibrarySqliteDialect, openPgPool } from '../db/kysely-dialects';
import type { AnnotationKind, TagKind } from '../../api/schemas-review';
import type { PublishedTables } from './published-schema';
import type { Role } from './roles';

/** The time as the store sees it; tests pass their own clock. */
export type Clock = () => Date;

/** An ISO-8601 UTC timestamp (what Date.prototype.toISOString writes). */
type Timestamp = string;
/** 0/1 in, number (SQLite) or boolean (PostgreSQL) out. */
type Flag = ColumnType<number | boolean, number | undefined, number>;

export interface UsersTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  role: Role;
  password_hash: string;
  failed_logins: Generated<number>;
  locked_until: Timestamp | null;
  disabled: Flag;
  created_at: Timestamp;
}

export interface SessionsTable {
  /** sha256 (hex) of the token the client holds; the token itself is never stored. */
  token_hash: string;
  user_id: number;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
}

export type ReviewStatus = 'draft' | 'final';

export interface ReviewsTable {
  id: Generated<number>;
  title: string;
  status: Generated<ReviewStatus>;
  signed_off_by: number | null;
  signed_off_at: Timestamp | null;
  version: Generated<number>;
  updated_by: number;
  updated_at: Timestamp;
}

export interface AnnotationsTable {
  id: Generated<number>;
  review_id: number;
  frame_index: number;
  kind: AnnotationKind;
  geometry_json: string;
  label: string | null;
  color: string;
  author_id: number;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  updated_by: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Timestamp;
  user_id: number;
  action: string;
  entity: string;
  entity_id: number | null;
  detail_json: string | null;
}

/** A review's free-text notes (migration 0003), on the review or one of its frames; versioned like annotations. */
export interface NotesTable {
  id: Generated<number>;
  review_id: number;
  frame_index: number | null;
  text: string;
  author_id: number;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  updated_by: number;
}

/** Tags (migration 0003) on a review, one of its frames, or one of its annotations. */
export interface TagsTable {
  id: Generated<number>;
  review_id: number;
  annotation_id: number | null;
  frame_index: number | null;
  kind: TagKind;
  value: string;
  label: string;
  author_id: number;
  created_at: Timestamp;
}

/** Analyses asked of the department server's shared engine (migration 0005-analyses, analyses-store.ts). */
export interface AnalysesTable {
  id: Generated<number>;
  review_id: number;
  frame_index: number;
  image_sha256: string;
  status: 'completed' | 'cancelled' | 'failed';
  prompt: string;
  params_json: string;
  provenance_json: string;
  raw_text: string;
  stop_reason: 'eos' | 'max-tokens' | 'aborted' | 'length';
  timings_json: string;
  asked_by: number;
  asked_at: Timestamp;
  completed_at: Timestamp;
  department_build: string;
}

export interface LibraryDb extends PublishedTables {
  users: UsersTable;
  sessions: SessionsTable;
  reviews: ReviewsTable;
  annotations: AnnotationsTable;
  audit_log: AuditLogTable;
  notes: NotesTable;
  tags: TagsTable;
  analyses: AnalysesTable;
}

export type LibraryDialect = 'sqlite' | 'postgres';
export type LibraryTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize?: number };

export interface LibraryDbHandle {
  readonly db: Kysely<LibraryDb>;
  readonly dialect: LibraryDialect;
  /** Closes the connection (SQLite) or ends the pool (PostgreSQL). */
  close(): Promise<void>;
}

function openSqlite(file: string): LibraryDbHandle {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<LibraryDb>({ dialect: new LibrarySqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

function openPostgres(url: string, poolSize: number): LibraryDbHandle {
  const db = new Kysely<LibraryDb>({ dialect: new PostgresDialect({ pool: openPgPool(url, poolSize) }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** Opens the library database. It is not migrated yet: call migrateLibrary (migrations.ts) before use. */
export function openLibraryDb(target: LibraryTarget): LibraryDbHandle {
  return target.kind === 'sqlite' ? openSqlite(target.file) : openPostgres(target.url, target.poolSize ?? 10);
}
