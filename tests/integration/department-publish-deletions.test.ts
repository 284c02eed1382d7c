// A deletion in the department wins over the next publish, as an edit there does (migration 0007-published-deletions),
// on a real department server over SQLite and over a real PostgreSQL: a department user deletes a published annotation,
// note and tag; the workstation still has them (one even edited since) and publishes again: they stay deleted, nothing
// else changes, nothing is written or announced; a later real change is carried and the deleted rows stay gone; the
// audit log names each deletion's source and the republish's counts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishReview } from '../../electron/core/department-publish/publish';
import { DepartmentClient } from '../../electron/core/department/client';
import { createLibraryStore, type LibraryStore } from '../../electron/core/department/library-store';
import { createReviewServices } from '../../electron/core/reviews/review-services';
import { inProcessReviewEvents, type ReviewEvent, type ReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { BACKENDS, openDepartment, PASSWORDS, testClock, type Department } from '../fixtures/department-library';
import { addLocalReview, openLocalFixture, uniqueVideo, type LocalFixture } from '../fixtures/local-review';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-publish-deletions-'));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(BACKENDS)('a deletion in the department survives a republish on $name', (backend) => {
  let dept: Department;
  let store: LibraryStore;
  let server: DepartmentServer;
  let events: ReviewEvents;
  let local: LocalFixture;

  beforeAll(async () => {
    await backend.start();
    dept = await openDepartment(backend, testClock(new Date().toISOString()));
    events = inProcessReviewEvents();
    store = createLibraryStore(dept.handle, { now: dept.clock.now, changes: events.sink });
    server = await startDepartmentServer({ accounts: dept.accounts, store, events, mediaDir: path.join(dir, `media-${backend.name}`) });
    local = openLocalFixture(path.join(dir, backend.name));
  });
  afterAll(async () => {
    local?.close();
    await server?.close();
    await backend.stop();
  });

  /** What a reviewer sees of the department review: its annotations, notes and tags. */
  async function seen(reviewId: number) {
    return {
      annotations: (await store.annotations.listByReview(reviewId)).map((a) => ({ id: a.id, kind: a.kind, label: a.label, version: a.version })),
      notes: (await store.notes.listByReview(reviewId)).map((n) => ({ id: n.id, text: n.text, version: n.version })),
      tags: (await store.tags.listByReview(reviewId)).map((t) => ({ id: t.id, kind: t.kind, value: t.value })),
    };
  }

  it('keeps a published annotation, note and tag a department user deleted deleted, even edited on the workstation since', async () => {
    const seeded = await addLocalReview(local, await uniqueVideo(path.join(dir, 'videos')), { frames: 3, code: 'DEL-1' });
    const rhea = new DepartmentClient({ baseUrl: server.url });
    await rhea.login('rhea', PASSWORDS.resident);
    const first = await publishReview(local.library, rhea, seeded.reviewId);
    const id = first.reviewId;
    expect(first).toMatchObject({ created: true, annotations: { created: 4 }, notes: { created: 2 }, tags: { created: 3 } });

    // The attending deletes one published annotation, note and tag in the department, and a note of the department's own.
    const db = dept.handle.db;
    const annotationOf = async (sourceId: number) =>
      (await db.selectFrom('published_annotations').select('annotation_id').where('review_id', '=', id).where('source_annotation_id', '=', sourceId).executeTakeFirstOrThrow()).annotation_id;
    const published = await rhea.published(id);
    const noteOf = (sourceId: number) => published.notes.find((n) => n.sourceId === sourceId)!.noteId;
    const tagOf = (sourceId: number) => published.tags.find((t) => t.sourceId === sourceId)!.tagId;
    const gone = { annotation: await annotationOf(seeded.annotationIds[1]!), note: noteOf(seeded.noteIds[0]!), tag: tagOf(seeded.tagIds[1]!) };
    await store.annotations.delete(dept.attending, gone.annotation, 1);
    await store.notes.delete(dept.attending, gone.note, 1);
    await store.tags.remove(dept.attending, gone.tag);
    const own = await store.notes.create(dept.attending, id, { text: 'Case conference on Friday.' });
    await store.notes.delete(dept.attending, own.id, own.version);

    const deletions = await store.audit({ entity: 'annotation', entityId: gone.annotation });
    expect(deletions.map((a) => [a.action, a.user, a.detail?.publishedSource])).toEqual([['annotation.delete', 'Dr Amir Attending', seeded.annotationIds[1]]]);
    expect((await store.audit({ entity: 'note', entityId: gone.note }))[0]).toMatchObject({ action: 'note.delete', user: 'Dr Amir Attending', detail: { publishedSource: seeded.noteIds[0] } });
    expect((await store.audit({ entity: 'tag', entityId: gone.tag }))[0]).toMatchObject({ action: 'tag.delete', user: 'Dr Amir Attending', detail: { publishedSource: seeded.tagIds[1] } });
    expect((await store.audit({ entity: 'note', entityId: own.id }))[0]?.detail).not.toHaveProperty('publishedSource'); // the department's own note

    // The workstation still has all three and edits the deleted note; publishing again brings none of them back.
    const app = createReviewServices({ db: local.db, actor: () => 'Dr Rhea Resident', emit: () => undefined });
    await (app.handlers['notes.update'] as (input: unknown) => unknown)({ id: seeded.noteIds[0], text: 'Edited on the workstation after the department deleted it.' });
    const before = await seen(id);
    expect(before.annotations.map((a) => a.id)).not.toContain(gone.annotation);
    expect(before.notes.map((n) => n.id)).toEqual([noteOf(seeded.noteIds[1]!)]);
    expect(before.tags.map((t) => t.value)).toEqual(['capsulorhexis', 'anterior-capsule-tear']);
    const reviewAudit = (await store.audit({ entity: 'review', entityId: id })).length;
    const live: ReviewEvent[] = [];
    const stop = events.subscribe(id, (e) => live.push(e));
    try {
      const again = await publishReview(local.library, rhea, seeded.reviewId);
      expect(again).toMatchObject({
        reviewId: id,
        created: false,
        changed: false,
        sentBytes: 0,
        annotations: { created: 0, updated: 0, deleted: 0, unchanged: 3, keptDeleted: 1 },
        notes: { created: 0, updated: 0, deleted: 0, unchanged: 1, keptDeleted: 1 },
        tags: { created: 0, updated: 0, deleted: 0, unchanged: 2, keptDeleted: 1 },
      });
      expect(await seen(id)).toEqual(before);
      expect(await store.audit({ entity: 'review', entityId: id })).toHaveLength(reviewAudit); // nothing written
      expect(live).toEqual([]);

      // A real change on the workstation is carried; the deleted rows stay gone, and the audit row counts them.
      local.db.prepare("UPDATE annotations SET label = 'capsulorhexis edge' WHERE id = ?").run(seeded.annotationIds[0]);
      const third = await publishReview(local.library, rhea, seeded.reviewId);
      expect(third).toMatchObject({ changed: true, annotations: { updated: 1, unchanged: 2, keptDeleted: 1 }, notes: { keptDeleted: 1 }, tags: { keptDeleted: 1 } });
      const after = await seen(id);
      expect(after.annotations.map((a) => a.label)).toContain('capsulorhexis edge');
      expect(after.annotations.map((a) => a.id)).toEqual(before.annotations.map((a) => a.id));
      expect({ notes: after.notes, tags: after.tags }).toEqual({ notes: before.notes, tags: before.tags });
      expect(live.map((e) => e.type)).toEqual(['annotation.updated', 'review.updated']);
      const [republish] = await store.audit({ entity: 'review', entityId: id });
      expect(republish).toMatchObject({
        action: 'review.republish',
        user: 'Dr Rhea Resident',
        detail: { annotations: { updated: 1, keptDeleted: 1 }, notes: { created: 0, keptDeleted: 1 }, tags: { created: 0, keptDeleted: 1 } },
      });
    } finally {
      stop();
    }

    // Deleted on the workstation too: nothing to do, and the department's rows are as they were.
    await (app.handlers['notes.delete'] as (input: unknown) => unknown)({ id: seeded.noteIds[0] });
    expect(await publishReview(local.library, rhea, seeded.reviewId)).toMatchObject({ changed: false, notes: { deleted: 0, unchanged: 1, keptDeleted: 0 } });
    expect((await seen(id)).notes.map((n) => n.id)).toEqual([noteOf(seeded.noteIds[1]!)]);
  });
});
