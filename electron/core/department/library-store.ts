// The department library behind one async interface, the same on SQLite and PostgreSQL: reviews, annotations and
// the audit trail. Every call that writes takes the signed-in user (accounts.ts turns a session token into one),
// runs as one transaction and adds an audit row naming that user; what it changed goes to the ChangeSink, if any
// (changes.ts: the department server's live updates).
import type { AuditEntry, AuditFilter } from './audit';
import { readAudit } from './audit';
import { createAnnotationStore, type AnnotationStore } from './annotations-store';
import type { ChangeSink } from './changes';
import type { Clock, LibraryDbHandle, LibraryDialect } from './db';
import { createPublishedStore, type PublishedStore } from './published-store';
import { createReviewStore, type ReviewStore } from './reviews-store';
import { searchAnnotations, searchLibrary, type AnnotationHit, type LibraryHit, type LibrarySearchOptions, type SearchOptions } from './search';
import { createNoteStore, type NoteStore } from './notes-store';
import { createTagStore, type TagStore } from './tags-store';

export type { LibraryAnnotation, NewAnnotation, AnnotationStore } from './annotations-store';
export type { LibraryReview, ReviewStore } from './reviews-store';
export type { AuditEntry, AuditFilter } from './audit';
export type { ChangeSink, LibraryChange } from './changes';
export type { AnnotationHit, LibraryHit, LibrarySearchOptions, SearchKind, SearchOptions } from './search';
export type { LibraryNote, NoteStore } from './notes-store';
export type { LibraryTag, NewTag, TagStore } from './tags-store';

export interface LibraryStore {
  readonly dialect: LibraryDialect;
  readonly reviews: ReviewStore;
  readonly annotations: AnnotationStore;
  /** Reviews published from workstations (published-store.ts): their source, video, frames, analyses. */
  readonly published: PublishedStore;
  readonly notes: NoteStore;
  readonly tags: TagStore;
  /** The audit trail, newest first. */
  audit(filter?: AuditFilter): Promise<AuditEntry[]>;
  /** Annotations whose label or text matches `query` (search.ts: full-text, else a substring), best first. */
  search(query: string, options?: SearchOptions): Promise<AnnotationHit[]>;
  /** Annotations, notes and tags that match `query` (search.ts), best first. */
  searchLibrary(query: string, options?: LibrarySearchOptions): Promise<LibraryHit[]>;
}

export interface LibraryStoreOptions {
  now?: Clock;
  /** Where each write's change goes (changes.ts). */
  changes?: ChangeSink;
}

/** The store over an open, migrated library (openLibraryDb + migrateLibrary). */
export function createLibraryStore(handle: LibraryDbHandle, options: LibraryStoreOptions = {}): LibraryStore {
  const now = options.now ?? (() => new Date());
  return {
    dialect: handle.dialect,
    reviews: createReviewStore(handle.db, now, options.changes),
    annotations: createAnnotationStore(handle.db, now, options.changes),
    published: createPublishedStore(handle.db, now, options.changes),
    notes: createNoteStore(handle.db, now, options.changes),
    tags: createTagStore(handle.db, now, options.changes),
    audit: (filter) => readAudit(handle.db, filter),
    search: (query, searchOptions) => searchAnnotations(handle.db, handle.dialect, query, searchOptions),
    searchLibrary: (query, searchOptions) => searchLibrary(handle.db, handle.dialect, query, searchOptions),
  };
}
