// What a write changed, for whoever watches the review (the department server's live updates). Every write of the
// store hands its change to the ChangeSink twice:
//   - inside the transaction, before the commit: PostgreSQL's NOTIFY is queued there, so it is delivered only if the
//     transaction commits, and in commit order, to every server process that LISTENs on the database;
//   - after the commit: where there is no such channel (SQLite, one process), the server's own hub delivers it.
// A sink that fails inside the transaction fails the write (nothing is written); one that fails after the commit
// is the sink's problem (the write stands).
import type { Kysely, Transaction } from 'kysely';
import type { AnalysisCreatedEvent } from '../../api/department-wire';
import type { LibraryAnnotation } from './annotations-store';
import type { LibraryDb } from './db';
import type { LibraryReview } from './reviews-store';
import type { LibraryNote } from './notes-store';
import type { LibraryTag } from './tags-store';

export type LibraryChange =
  | { type: 'review.created' | 'review.updated'; reviewId: number; review: LibraryReview }
  | { type: 'annotation.created' | 'annotation.updated'; reviewId: number; annotation: LibraryAnnotation }
  | { type: 'annotation.deleted'; reviewId: number; annotationId: number; version: number; by: string; at: string }
  | { type: 'note.created' | 'note.updated'; reviewId: number; note: LibraryNote }
  | { type: 'note.deleted'; reviewId: number; noteId: number; version: number; by: string; at: string }
  | { type: 'tag.created'; reviewId: number; tag: LibraryTag }
  | { type: 'tag.deleted'; reviewId: number; tagId: number; by: string; at: string }
  | Extract<AnalysisCreatedEvent, { analysis: unknown }>;

export type LibraryChangeType = LibraryChange['type'];

export interface ChangeSink {
  /** In the write's transaction, after its rows and audit row are written. */
  inTransaction?(trx: Transaction<LibraryDb>, change: LibraryChange): Promise<void>;
  /** After the commit. */
  committed?(change: LibraryChange): void;
}

export type EmitChange = (change: LibraryChange) => Promise<void>;

/** One write transaction whose changes go to `sink` (inside, then after the commit). */
export async function writeTransaction<T>(
  db: Kysely<LibraryDb>,
  sink: ChangeSink | undefined,
  work: (trx: Transaction<LibraryDb>, emit: EmitChange) => Promise<T>,
): Promise<T> {
  const emitted: LibraryChange[] = [];
  const result = await db.transaction().execute((trx) =>
    work(trx, async (change) => {
      emitted.push(change);
      await sink?.inTransaction?.(trx, change);
    }),
  );
  for (const change of emitted) sink?.committed?.(change);
  return result;
}
