// The department library behind one async interface, the same on SQLite and PostgreSQL: reviews, annotations and
// the audit trail. Every call that writes takes the signed-in user (accounts.ts turns a session token into one),
// runs as one transaction and adds an audit row naming that user.
import type { AuditEntry, AuditFilter } from './audit';
import { readAudit } from './audit';
import { createAnnotationStore, type AnnotationStore } from './annotations-store';
import type { Clock, LibraryDbHandle, LibraryDialect } from './db';
import { createReviewStore, type ReviewStore } from './reviews-store';

export type { LibraryAnnotation, NewAnnotation, AnnotationStore } from './annotations-store';
export type { LibraryReview, ReviewStore } from './reviews-store';
export type { AuditEntry, AuditFilter } from './audit';

export interface LibraryStore {
  readonly dialect: LibraryDialect;
  readonly reviews: ReviewStore;
  readonly annotations: AnnotationStore;
  /** The audit trail, newest first. */
  audit(filter?: AuditFilter): Promise<AuditEntry[]>;
}

export interface LibraryStoreOptions {
  now?: Clock;
}

/** The store over an open, migrated library (openLibraryDb + migrateLibrary). */
export function createLibraryStore(handle: LibraryDbHandle, options: LibraryStoreOptions = {}): LibraryStore {
  const now = options.now ?? (() => new Date());
  return {
    dialect: handle.dialect,
    reviews: createReviewStore(handle.db, now),
    annotations: createAnnotationStore(handle.db, now),
    audit: (filter) => readAudit(handle.db, filter),
  };
}
