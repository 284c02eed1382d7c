// The workstation library's tables as the async stores see them (Kysely): over the SQLite connection that
// core/db/connection.ts opened and migrated, or on PostgreSQL (workstation-postgres.ts), which is how their tests run
// on both. The synchronous repositories still in use share the SQLite connection; they move here one by one.
import type { Database } from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { AnalysesDb } from '../analysis/analyses-store';
import type { TurnsDb } from '../analysis/turns-store';
import type { AnnotationsDb } from '../annotations/annotations-store';
import type { AssessmentsDb } from '../assessment/assessments-store';
import type { RubricsDb } from '../assessment/rubrics-store';
import type { AuditDb } from '../audit/audit-store';
import type { CasesDb } from '../cases/cases-store';
import type { RecentDb } from '../library/recent-reviews-store';
import type { NotesDb } from '../reviews/notes-store';
import type { GuardDb } from '../reviews/review-guard-store';
import type { ReviewsDb } from '../reviews/reviews-store';
import type { SegmentsDb } from '../reviews/segments-store';
import type { TagsDb } from '../reviews/tags-store';
import type { TeachingDb } from '../teaching/teaching-store';
import { SharedSqliteDialect } from './kysely-dialects';

/** Every table an async store uses (a table some store reads only in part, like reviews, has those columns only). */
export interface WorkstationDb extends CasesDb, NotesDb, SegmentsDb, TagsDb, AnnotationsDb, AnalysesDb, TurnsDb, AssessmentsDb, RubricsDb, AuditDb, ReviewsDb, GuardDb, TeachingDb, RecentDb {}

const shared = new WeakMap<Database, Kysely<WorkstationDb>>();

/**
 * Kysely over the open library, one per connection (its one queue keeps the stores' transactions and queries in
 * turn); closing it is the connection's owner's business (db.close()).
 */
export function workstationKysely(db: Database): Kysely<WorkstationDb> {
  let k = shared.get(db);
  if (!k) {
    k = new Kysely<WorkstationDb>({ dialect: new SharedSqliteDialect(db) });
    shared.set(db, k);
  }
  return k;
}

