// A review's notes, the same suite on the workstation's library on SQLite and on a real PostgreSQL server: on the
// review or one of its frames, edited and deleted, each write one transaction with its audit row (nothing written
// when the audit row cannot be), refused on a finalised review and for a frame of another review, in the same words.
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { spannedTurns } from '../../electron/core/db/kysely-dialects';
import type { WorkstationDb } from '../../electron/core/db/workstation-db';
import { createNotesStore, type NotesStore } from '../../electron/core/reviews/notes-store';
import { auditRows, countRows, STORE_BACKENDS, type SeededRows, eachFreshLibrary, testAt } from '../fixtures/store-backends';

describe.each(STORE_BACKENDS)('notes on $name', (backend) => {
  let db: Kysely<WorkstationDb>;
  let r: SeededRows;
  let notes: NotesStore;
  eachFreshLibrary(backend, (fresh) => {
    ({ db, r } = fresh);
    const { now } = fresh;
    notes = createNotesStore(db, now);
  });

  const audit = () => auditRows(db);
  const count = (table: 'notes' | 'audit_log') => countRows(db, table);

  it('writes a note on the review and on a frame, lists them (the review’s own first), edits and deletes, each change audited', async () => {
    const onFrame = await notes.create({ reviewId: r.reviewId, frameId: r.frameIds[1]!, text: 'Watch the rhexis edge here.' }, 'Dr A');
    const general = await notes.create({ reviewId: r.reviewId, text: 'Smooth case overall.' }, 'Dr A');
    expect(general).toEqual({ id: general.id, reviewId: r.reviewId, frameId: null, text: 'Smooth case overall.', author: 'Dr A', createdAt: testAt(1), updatedAt: testAt(1) });
    expect((await notes.list(r.reviewId)).map((n) => n.text)).toEqual(['Smooth case overall.', 'Watch the rhexis edge here.']);
    expect((await notes.list(r.reviewId, null)).map((n) => n.id)).toEqual([general.id]);
    expect((await notes.list(r.reviewId, r.frameIds[1]!)).map((n) => n.id)).toEqual([onFrame.id]);
    expect(await notes.list(r.reviewId, r.frameIds[0]!)).toEqual([]);

    const edited = await notes.update(general.id, 'Smooth case.', 'Dr B');
    expect(edited).toEqual({ ...general, text: 'Smooth case.', updatedAt: testAt(2) });
    expect(await notes.delete(onFrame.id, 'Dr B')).toEqual(onFrame);
    expect((await notes.list(r.reviewId)).map((n) => n.text)).toEqual(['Smooth case.']);
    await expect(notes.get(onFrame.id)).rejects.toThrow(`Note ${onFrame.id} does not exist (it may have been deleted).`);

    expect(await audit()).toEqual([
      { entity: 'note', entityId: onFrame.id, reviewId: r.reviewId, action: 'create', before: null, after: onFrame, actor: 'Dr A', at: testAt(0) },
      { entity: 'note', entityId: general.id, reviewId: r.reviewId, action: 'create', before: null, after: general, actor: 'Dr A', at: testAt(1) },
      { entity: 'note', entityId: general.id, reviewId: r.reviewId, action: 'update', before: general, after: edited, actor: 'Dr B', at: testAt(2) },
      { entity: 'note', entityId: onFrame.id, reviewId: r.reviewId, action: 'delete', before: onFrame, after: null, actor: 'Dr B', at: testAt(3) },
    ]);
    // The review was worked on last when the last note changed ("Recent").
    expect((await db.selectFrom('reviews').select('updated_at').where('id', '=', r.reviewId).executeTakeFirstOrThrow()).updated_at).toBe(testAt(3));
  });

  it('refuses a frame of another review, a missing review and a missing note, writing nothing', async () => {
    await expect(notes.create({ reviewId: r.reviewId, frameId: r.otherFrameId, text: 'x' }, 'Dr A')).rejects.toThrow(`Frame ${r.otherFrameId} does not belong to review ${r.reviewId}.`);
    await expect(notes.create({ reviewId: 999, text: 'x' }, 'Dr A')).rejects.toThrow('Review 999 does not exist (it may have been deleted).');
    await expect(notes.list(999)).rejects.toThrow('Review 999 does not exist');
    await expect(notes.update(77, 'x', 'Dr A')).rejects.toThrow('Note 77 does not exist (it may have been deleted).');
    await expect(notes.delete(77, 'Dr A')).rejects.toThrow('Note 77 does not exist');
    expect([await count('notes'), await count('audit_log')]).toEqual([0, 0]);
  });

  it('refuses every change to a finalised review, naming who signed it off and when', async () => {
    const n = await notes.create({ reviewId: r.reviewId, text: 'Before sign-off.' }, 'Dr A');
    await sql`update reviews set status = 'final', finalised_at = ${'2026-02-02T09:30:00.000Z'}, finalised_by = 'Dr Bo', finalised_role = 'attending' where id = ${r.reviewId}`.execute(db);
    const locked = 'This review was finalised by Dr Bo (Attending surgeon) on 2026-02-02 09:30 UTC and is locked. Reopen it (with a reason) to change it.';
    await expect(notes.create({ reviewId: r.reviewId, text: 'late' }, 'Dr A')).rejects.toThrow(locked);
    await expect(notes.update(n.id, 'late', 'Dr A')).rejects.toThrow(locked);
    await expect(notes.delete(n.id, 'Dr A')).rejects.toThrow(locked);
    expect(await notes.list(r.reviewId)).toEqual([n]);
    expect(await count('audit_log')).toBe(1);
  });

  it('writes nothing when its audit row cannot be written (one transaction)', async () => {
    await sql`drop table audit_log`.execute(db);
    await expect(notes.create({ reviewId: r.reviewId, text: 'lost?' }, 'Dr A')).rejects.toThrow();
    expect(await count('notes')).toBe(0);
  });

  it('goes with its review’s case', async () => {
    await notes.create({ reviewId: r.reviewId, frameId: r.frameIds[0]!, text: 'x' }, 'Dr A');
    await sql`delete from cases where id = ${r.caseId}`.execute(db);
    expect(await count('notes')).toBe(0);
  });

  it('kept every transaction within one turn of the event loop', () => {
    expect(spannedTurns.count).toBe(0);
  });
});

describe('the one-turn rule on the workstation’s shared SQLite connection', () => {
  it('reports a transaction that awaits anything but the database', async () => {
    const sqlite = STORE_BACKENDS.find((b) => b.name === 'SQLite')!;
    const db = await sqlite.fresh();
    const before = spannedTurns.count;
    await db.transaction().execute(async (trx) => {
      await new Promise((resolve) => setTimeout(resolve, 5)); // a file read, a timer, the network: another handler may run here
      await trx.selectFrom('cases').selectAll().execute();
    });
    expect(spannedTurns.count).toBe(before + 1);
    await sqlite.stop();
  });
});
