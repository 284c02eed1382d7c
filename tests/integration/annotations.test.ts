// Annotations on frames, the same suite on the workstation's library on SQLite and on a real PostgreSQL server: each
// kind's geometry read back exactly, edited, deleted and restored under the same id from the audit log, each write one
// transaction with its audit row (nothing written when the audit row cannot be), refused on a finalised review, for a
// geometry of another kind, a missing frame or annotation and a restore of something never deleted, in the same words.
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { AnnotationCreate } from '../../electron/api/schemas-review';
import { createAnnotationsStore, type AnnotationsStore } from '../../electron/core/annotations/annotations-store';
import { spannedTurns } from '../../electron/core/db/kysely-dialects';
import type { WorkstationDb } from '../../electron/core/db/workstation-db';
import { auditRows, countRows, STORE_BACKENDS, type SeededRows, eachFreshLibrary, testAt } from '../fixtures/store-backends';

describe.each(STORE_BACKENDS)('annotations on $name', (backend) => {
  let db: Kysely<WorkstationDb>;
  let r: SeededRows;
  let annotations: AnnotationsStore;
  eachFreshLibrary(backend, (fresh) => {
    ({ db, r } = fresh);
    const { now } = fresh;
    annotations = createAnnotationsStore(db, now);
  });

  const audit = () => auditRows(db);
  const count = (table: 'annotations' | 'audit_log') => countRows(db, table);
  const reviewUpdatedAt = async () => (await db.selectFrom('reviews').select('updated_at').where('id', '=', r.reviewId).executeTakeFirstOrThrow()).updated_at;
  const box = (frameId: number): AnnotationCreate => ({ frameId, kind: 'box', geometry: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 } });

  it('draws each kind and reads back the exact geometry, listed by frame and by review', async () => {
    const shapes = [
      { kind: 'box', geometry: { x: 0.1234567891234, y: 0.2, w: 0.3, h: 0.1 / 3 } },
      { kind: 'ellipse', geometry: { x: 0.5, y: 0.5, w: 0.25, h: 0.125 } },
      { kind: 'arrow', geometry: { x1: 0, y1: 1, x2: 1 / 7, y2: 0.9 } },
      { kind: 'freehand', geometry: { points: [0.1, 0.1, 0.2, 0.25, 0.3, 0.333333333333, Math.PI / 10, Math.E / 10] } },
      { kind: 'text', geometry: { x: 0.4, y: 0.6, text: 'Rhexis edge “4 o’clock” ✓' } },
    ] as const;
    const later = await annotations.create({ ...box(r.frameIds[1]!), label: 'later frame' }, 'Dr A');
    const created = [];
    for (const shape of shapes) created.push(await annotations.create({ frameId: r.frameIds[0]!, ...shape, label: null, color: '#FF0000' } as AnnotationCreate, 'Dr A'));
    expect(created[0]).toEqual({ id: created[0]!.id, frameId: r.frameIds[0], reviewId: r.reviewId, ...shapes[0], label: null, color: '#ff0000', author: 'Dr A', createdAt: testAt(1), updatedAt: testAt(1) });
    expect(later).toMatchObject({ color: '#ffd400', label: 'later frame' });

    const onFrame = await annotations.listForFrame(r.frameIds[0]!);
    expect(onFrame.map((a) => [a.kind, a.geometry])).toEqual(shapes.map((s) => [s.kind, s.geometry]));
    expect(onFrame).toEqual(created);
    // By frame, then in the order drawn.
    const frameOrder = r.frameIds[0]! < r.frameIds[1]! ? [...created, later] : [later, ...created];
    expect(await annotations.listForReview(r.reviewId)).toEqual(frameOrder);
    expect(await annotations.listForFrame(r.frameIds[2]!)).toEqual([]);
    expect(await annotations.get(created[3]!.id)).toEqual(created[3]);
  });

  it('edits, deletes and restores under the same id, each change audited with before and after', async () => {
    const a = await annotations.create({ ...box(r.frameIds[0]!), label: 'lens' }, 'Dr A');
    const moved = await annotations.update(a.id, { geometry: { x: 0.3, y: 0.4, w: 0.2, h: 1 / 3 }, label: 'capsulorhexis', color: '#00AAFF' }, 'Dr B');
    expect(moved).toEqual({ ...a, geometry: { x: 0.3, y: 0.4, w: 0.2, h: 1 / 3 }, label: 'capsulorhexis', color: '#00aaff', updatedAt: testAt(1) });
    const unlabelled = await annotations.update(a.id, { label: null }, 'Dr B');
    expect(unlabelled).toEqual({ ...moved, label: null, updatedAt: testAt(2) });

    expect(await annotations.delete(a.id, 'Dr B')).toEqual(unlabelled);
    expect(await annotations.listForFrame(r.frameIds[0]!)).toEqual([]);
    await expect(annotations.get(a.id)).rejects.toThrow(`Annotation ${a.id} does not exist (it may have been deleted).`);
    // A new annotation never takes the deleted one's id.
    const other = await annotations.create(box(r.frameIds[0]!), 'Dr A');
    expect(other.id).toBeGreaterThan(a.id);

    const back = await annotations.restore(a.id, 'Dr C');
    expect(back).toEqual({ ...unlabelled, updatedAt: testAt(5) });
    expect(await annotations.restore(a.id, 'Dr C')).toEqual(back); // a second undo is harmless, and writes nothing
    expect(await annotations.listForFrame(r.frameIds[0]!)).toEqual([back, other]);
    const next = await annotations.create(box(r.frameIds[0]!), 'Dr A');
    expect(next.id).toBeGreaterThan(other.id);

    const rows = (await audit()).filter((e) => e.entityId === a.id);
    expect(rows).toEqual([
      { entity: 'annotation', entityId: a.id, reviewId: r.reviewId, action: 'create', before: null, after: a, actor: 'Dr A', at: testAt(0) },
      { entity: 'annotation', entityId: a.id, reviewId: r.reviewId, action: 'update', before: a, after: moved, actor: 'Dr B', at: testAt(1) },
      { entity: 'annotation', entityId: a.id, reviewId: r.reviewId, action: 'update', before: moved, after: unlabelled, actor: 'Dr B', at: testAt(2) },
      { entity: 'annotation', entityId: a.id, reviewId: r.reviewId, action: 'delete', before: unlabelled, after: null, actor: 'Dr B', at: testAt(3) },
      { entity: 'annotation', entityId: a.id, reviewId: r.reviewId, action: 'restore', before: null, after: back, actor: 'Dr C', at: testAt(5) },
    ]);
    expect(await count('audit_log')).toBe(7);
    expect(await reviewUpdatedAt()).toBe(testAt(6));

    // Deleted again after another edit: the restore brings back the state before the last deletion.
    const relabelled = await annotations.update(a.id, { label: 'iris' }, 'Dr A');
    await annotations.delete(a.id, 'Dr A');
    expect(await annotations.restore(a.id, 'Dr A')).toEqual({ ...relabelled, updatedAt: testAt(9) });
  });

  it('draws on a case’s still (no review): audited without a review, no review touched', async () => {
    const a = await annotations.create(box(r.otherFrameId), 'Dr A');
    expect(a).toMatchObject({ frameId: r.otherFrameId, reviewId: null });
    await annotations.delete(a.id, 'Dr A');
    expect(await annotations.restore(a.id, 'Dr A')).toEqual({ ...a, updatedAt: testAt(2) });
    expect((await audit()).map((e) => [e.action, e.reviewId])).toEqual([
      ['create', null],
      ['delete', null],
      ['restore', null],
    ]);
    expect(await reviewUpdatedAt()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('refuses a geometry of another kind, a restore of something never deleted, a missing frame or annotation, writing nothing', async () => {
    const arrow = await annotations.create({ frameId: r.frameIds[0]!, kind: 'arrow', geometry: { x1: 0, y1: 0, x2: 1, y2: 1 } }, 'Dr A');
    await expect(annotations.update(arrow.id, { geometry: { x: 0, y: 0, w: 1, h: 1 } }, 'Dr A')).rejects.toThrow(
      'That geometry does not fit a arrow annotation: ' +
        ['x1', 'y1', 'x2', 'y2'].map((k) => `${k}: Invalid input: expected number, received undefined; `).join('') +
        'geometry: Unrecognized keys: "x", "y", "w", "h"',
    );
    await expect(annotations.restore(999, 'Dr A')).rejects.toThrow('Annotation 999 was never deleted here, so there is nothing to restore.');
    await expect(annotations.create(box(9999), 'Dr A')).rejects.toThrow('Frame 9999 does not exist (it may have been deleted).');
    await expect(annotations.listForFrame(9999)).rejects.toThrow('Frame 9999 does not exist (it may have been deleted).');
    await expect(annotations.listForReview(999)).rejects.toThrow('Review 999 does not exist (it may have been deleted).');
    await expect(annotations.update(77, { label: 'x' }, 'Dr A')).rejects.toThrow('Annotation 77 does not exist (it may have been deleted).');
    await expect(annotations.delete(77, 'Dr A')).rejects.toThrow('Annotation 77 does not exist (it may have been deleted).');
    expect(await annotations.listForReview(r.reviewId)).toEqual([arrow]);
    expect(await count('audit_log')).toBe(1);

    // Its frame gone (and the annotation with it): nothing to restore it onto.
    await annotations.delete(arrow.id, 'Dr A');
    await sql`delete from frames where id = ${r.frameIds[0]!}`.execute(db);
    await expect(annotations.restore(arrow.id, 'Dr A')).rejects.toThrow(`Frame ${r.frameIds[0]!} does not exist (it may have been deleted).`);
    expect([await count('annotations'), await count('audit_log')]).toEqual([0, 2]);
  });

  it('refuses every change to a finalised review, naming who signed it off and when', async () => {
    const a = await annotations.create(box(r.frameIds[0]!), 'Dr A');
    const gone = await annotations.create(box(r.frameIds[1]!), 'Dr A');
    await annotations.delete(gone.id, 'Dr A');
    await sql`update reviews set status = 'final', finalised_at = ${'2026-02-02T09:30:00.000Z'}, finalised_by = 'Dr Bo', finalised_role = 'attending' where id = ${r.reviewId}`.execute(db);
    const locked = 'This review was finalised by Dr Bo (Attending surgeon) on 2026-02-02 09:30 UTC and is locked. Reopen it (with a reason) to change it.';
    await expect(annotations.create(box(r.frameIds[0]!), 'Dr A')).rejects.toThrow(locked);
    await expect(annotations.update(a.id, { label: 'late' }, 'Dr A')).rejects.toThrow(locked);
    await expect(annotations.delete(a.id, 'Dr A')).rejects.toThrow(locked);
    await expect(annotations.restore(gone.id, 'Dr A')).rejects.toThrow(locked);
    expect(await annotations.listForReview(r.reviewId)).toEqual([a]);
    expect(await count('audit_log')).toBe(3);
    // A still of the case has no review to lock.
    expect(await annotations.create(box(r.otherFrameId), 'Dr A')).toMatchObject({ reviewId: null });
  });

  it('writes nothing when its audit row cannot be written (one transaction)', async () => {
    const a = await annotations.create(box(r.frameIds[0]!), 'Dr A');
    const gone = await annotations.create(box(r.frameIds[1]!), 'Dr A');
    await annotations.delete(gone.id, 'Dr A');
    // The restore reads the log before it writes: the audit row of the restore itself fails (a trigger stands in
    // for a log that cannot be written; the log still reads).
    const refuseAuditRows =
      backend.name === 'SQLite'
        ? sql`create trigger no_audit before insert on audit_log begin select raise(abort, 'no audit'); end`
        : sql.raw(`create function no_audit() returns trigger language plpgsql as $$ begin raise exception 'no audit'; end $$;
                   create trigger no_audit before insert on audit_log for each row execute function no_audit();`);
    await refuseAuditRows.execute(db);
    await expect(annotations.restore(gone.id, 'Dr A')).rejects.toThrow('no audit');
    await sql`drop table audit_log`.execute(db);
    await expect(annotations.create({ ...box(r.frameIds[0]!), label: 'lost?' }, 'Dr A')).rejects.toThrow();
    await expect(annotations.update(a.id, { label: 'lost?' }, 'Dr A')).rejects.toThrow();
    await expect(annotations.delete(a.id, 'Dr A')).rejects.toThrow();
    expect(await annotations.listForReview(r.reviewId)).toEqual([a]);
    expect(await reviewUpdatedAt()).toBe(testAt(2));
  });

  it('goes with its frame, and with its frame’s case', async () => {
    await annotations.create(box(r.frameIds[0]!), 'Dr A');
    const kept = await annotations.create(box(r.frameIds[1]!), 'Dr A');
    await annotations.create(box(r.otherFrameId), 'Dr A');
    await sql`delete from frames where id = ${r.frameIds[0]!}`.execute(db);
    expect(await annotations.listForReview(r.reviewId)).toEqual([kept]);
    await sql`delete from cases where id = ${r.caseId}`.execute(db);
    expect(await count('annotations')).toBe(0);
  });

  it('the schema refuses geometry that is not JSON and a kind of its own', async () => {
    const insert = (kind: string, geometry: string) =>
      sql`insert into annotations (frame_id, review_id, kind, geometry_json, color, author, created_at, updated_at)
          values (${r.frameIds[0]!}, ${r.reviewId}, ${kind}, ${geometry}, '#ffd400', 'Dr A', ${testAt(0)}, ${testAt(0)})`.execute(db);
    await expect(insert('box', '{"x": 0.1,')).rejects.toThrow();
    await expect(insert('star', '{}')).rejects.toThrow();
    await insert('box', '{"x":0.1,"y":0.1,"w":0.2,"h":0.2}');
    expect(await count('annotations')).toBe(1);
  });

  it('kept every transaction within one turn of the event loop', () => {
    expect(spannedTurns.count).toBe(0);
  });
});
