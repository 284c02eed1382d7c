// Bringing one kind of published row (frames, annotations, analyses, notes, tags) up to date with what a workstation
// sent, by the local row's id (its source key): the rows the workstation no longer has go first (so a tag removed and
// added again locally is not refused as a duplicate of itself), then each wanted row is inserted, updated when
// different, or left alone; one a department user deleted (its tombstone in published_deletions) is not added again.
// Used by published-store.ts and published-notes-tags.ts inside the publish transaction; the annotation, note and tag
// stores keep the tombstone (rememberDeletion) when they delete a published row.
import type { Transaction } from 'kysely';
import type { LibraryDb } from './db';
import type { ChangeCounts } from './publish-payload';
import type { PublishedKind } from './published-schema';

export const counts = (): ChangeCounts => ({ created: 0, updated: 0, deleted: 0, unchanged: 0, keptDeleted: 0 });
export const total = (c: ChangeCounts) => c.created + c.updated + c.deleted;

export interface RowWriter<Row, Wanted> {
  /** false: nothing was inserted after all (counted unchanged). */
  insert(w: Wanted): Promise<boolean | void>;
  update(row: Row, w: Wanted): Promise<void>;
  /** false: the row is kept after all (counted unchanged). */
  remove(row: Row): Promise<boolean | void>;
}

/**
 * Inserts, updates (when different) and deletes rows keyed by source id; returns what it did. A wanted row whose
 * source id is in `deletedHere` (deleted in the department) and that has no row is left out (counted keptDeleted).
 */
export async function syncRows<Row extends { source: number }, Wanted extends { sourceId: number }>(
  existing: Row[],
  wanted: Wanted[],
  same: (row: Row, want: Wanted) => boolean,
  write: RowWriter<Row, Wanted>,
  deletedHere: ReadonlySet<number> = new Set(),
): Promise<ChangeCounts> {
  const c = counts();
  const wantedIds = new Set(wanted.map((w) => w.sourceId));
  const bySource = new Map<number, Row>();
  for (const row of existing) {
    if (wantedIds.has(row.source)) bySource.set(row.source, row);
    else if ((await write.remove(row)) === false) c.unchanged++;
    else c.deleted++;
  }
  for (const w of wanted) {
    const row = bySource.get(w.sourceId);
    if (!row) {
      if (deletedHere.has(w.sourceId)) c.keptDeleted++;
      else if ((await write.insert(w)) === false) c.unchanged++;
      else c.created++;
    } else if (same(row, w)) c.unchanged++;
    else {
      await write.update(row, w);
      c.updated++;
    }
  }
  return c;
}

/** The department row a published row became, and where it came from (undefined: not a published row). */
async function publishedSource(trx: Transaction<LibraryDb>, kind: PublishedKind, id: number): Promise<{ review_id: number; source: number } | undefined> {
  switch (kind) {
    case 'annotation':
      return trx.selectFrom('published_annotations').select(['review_id', 'source_annotation_id as source']).where('annotation_id', '=', id).executeTakeFirst();
    case 'note':
      return trx.selectFrom('published_notes').select(['review_id', 'source_note_id as source']).where('note_id', '=', id).executeTakeFirst();
    case 'tag':
      return trx.selectFrom('published_tags').select(['review_id', 'source_tag_id as source']).where('tag_id', '=', id).executeTakeFirst();
  }
}

/**
 * A department user is deleting row `id` (in their delete's transaction, before the delete: its published_* link goes
 * with it). If it came from a publish, keeps its source key as a tombstone so that publishing again leaves it deleted;
 * returns that source id (null: the department's own row).
 */
export async function rememberDeletion(trx: Transaction<LibraryDb>, kind: PublishedKind, id: number, by: { id: number }, at: string): Promise<number | null> {
  const link = await publishedSource(trx, kind, id);
  if (!link) return null;
  await trx
    .insertInto('published_deletions')
    .values({ review_id: link.review_id, kind, source_id: link.source, deleted_id: id, deleted_by: by.id, deleted_at: at })
    .onConflict((oc) => oc.columns(['review_id', 'kind', 'source_id']).doNothing())
    .execute();
  return link.source;
}

/** The source ids of the review's published rows of this kind that the department deleted. */
export async function deletedSources(trx: Transaction<LibraryDb>, reviewId: number, kind: PublishedKind): Promise<Set<number>> {
  const rows = await trx.selectFrom('published_deletions').select('source_id').where('review_id', '=', reviewId).where('kind', '=', kind).execute();
  return new Set(rows.map((r) => r.source_id));
}
