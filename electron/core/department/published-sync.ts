// Bringing one kind of published row (frames, annotations, analyses, notes, tags) up to date with what a workstation
// sent, by the local row's id (its source key): the rows the workstation no longer has go first (so a tag removed and
// added again locally is not refused as a duplicate of itself), then each wanted row is inserted, updated when
// different, or left alone. Used by published-store.ts and published-notes-tags.ts inside the publish transaction.
import type { ChangeCounts } from './publish-payload';

export const counts = (): ChangeCounts => ({ created: 0, updated: 0, deleted: 0, unchanged: 0 });
export const total = (c: ChangeCounts) => c.created + c.updated + c.deleted;

export interface RowWriter<Row, Wanted> {
  /** false: nothing was inserted after all (counted unchanged). */
  insert(w: Wanted): Promise<boolean | void>;
  update(row: Row, w: Wanted): Promise<void>;
  /** false: the row is kept after all (counted unchanged). */
  remove(row: Row): Promise<boolean | void>;
}

/** Inserts, updates (when different) and deletes rows keyed by source id; returns what it did. */
export async function syncRows<Row extends { source: number }, Wanted extends { sourceId: number }>(
  existing: Row[],
  wanted: Wanted[],
  same: (row: Row, want: Wanted) => boolean,
  write: RowWriter<Row, Wanted>,
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
      if ((await write.insert(w)) === false) c.unchanged++;
      else c.created++;
    } else if (same(row, w)) c.unchanged++;
    else {
      await write.update(row, w);
      c.updated++;
    }
  }
  return c;
}
