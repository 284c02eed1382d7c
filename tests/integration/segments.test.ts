// A review's phase segments, the same suite on the workstation's library on SQLite and on a real PostgreSQL server:
// made, edited, listed in time order and deleted, each write one transaction with its audit row (nothing written when
// the audit row cannot be), refused on a finalised review, for a phase outside the taxonomy and for a segment that
// ends before it starts, in the same words.
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { spannedTurns } from '../../electron/core/db/kysely-dialects';
import type { WorkstationDb } from '../../electron/core/db/workstation-db';
import { createSegmentsStore, type SegmentsStore } from '../../electron/core/reviews/segments-store';
import { auditRows, countRows, STORE_BACKENDS, type SeededRows, eachFreshLibrary, testAt } from '../fixtures/store-backends';

describe.each(STORE_BACKENDS)('segments on $name', (backend) => {
  let db: Kysely<WorkstationDb>;
  let r: SeededRows;
  let segments: SegmentsStore;
  eachFreshLibrary(backend, (fresh) => {
    ({ db, r } = fresh);
    const { now } = fresh;
    segments = createSegmentsStore(db, now);
  });

  const audit = () => auditRows(db);
  const count = (table: 'segments' | 'audit_log') => countRows(db, table);
  const rhexis = { startFrame: 30, endFrame: 90, startTime: 1.2, endTime: 3.6, phase: 'capsulorhexis' };

  it('makes segments, lists them in time order, edits and deletes them, each change audited', async () => {
    const late = await segments.create({ reviewId: r.reviewId, startFrame: 300, endFrame: 420, startTime: 12, endTime: 16.8, phase: 'phacoemulsification' }, 'Dr A');
    const early = await segments.create({ reviewId: r.reviewId, ...rhexis, label: 'rhexis', note: 'slow start' }, 'Dr A');
    const same = await segments.create({ reviewId: r.reviewId, ...rhexis, phase: null }, 'Dr A');
    expect(early).toEqual({ id: early.id, reviewId: r.reviewId, ...rhexis, label: 'rhexis', note: 'slow start', author: 'Dr A', createdAt: testAt(1), updatedAt: testAt(1) });
    expect(late).toMatchObject({ phase: 'phacoemulsification', label: '', note: '', startTime: 12, endTime: 16.8 });
    // By first frame, then in the order made.
    expect((await segments.list(r.reviewId)).map((s) => s.id)).toEqual([early.id, same.id, late.id]);

    const edited = await segments.update(early.id, { endFrame: 120, endTime: 4.8, note: 'steady', phase: 'Capsulorhexis' }, 'Dr B');
    expect(edited).toEqual({ ...early, endFrame: 120, endTime: 4.8, note: 'steady', updatedAt: testAt(3) });
    const cleared = await segments.update(same.id, { phase: null, startFrame: 0, startTime: 0 }, 'Dr B');
    expect(cleared).toEqual({ ...same, startFrame: 0, startTime: 0, updatedAt: testAt(4) });
    expect((await segments.list(r.reviewId)).map((s) => s.id)).toEqual([same.id, early.id, late.id]);

    expect(await segments.delete(late.id, 'Dr B')).toEqual(late);
    expect(await segments.list(r.reviewId)).toEqual([cleared, edited]);
    await expect(segments.get(late.id)).rejects.toThrow(`Segment ${late.id} does not exist (it may have been deleted).`);
    expect(await segments.get(early.id)).toEqual(edited);

    expect(await audit()).toEqual([
      { entity: 'segment', entityId: late.id, reviewId: r.reviewId, action: 'create', before: null, after: late, actor: 'Dr A', at: testAt(0) },
      { entity: 'segment', entityId: early.id, reviewId: r.reviewId, action: 'create', before: null, after: early, actor: 'Dr A', at: testAt(1) },
      { entity: 'segment', entityId: same.id, reviewId: r.reviewId, action: 'create', before: null, after: same, actor: 'Dr A', at: testAt(2) },
      { entity: 'segment', entityId: early.id, reviewId: r.reviewId, action: 'update', before: early, after: edited, actor: 'Dr B', at: testAt(3) },
      { entity: 'segment', entityId: same.id, reviewId: r.reviewId, action: 'update', before: same, after: cleared, actor: 'Dr B', at: testAt(4) },
      { entity: 'segment', entityId: late.id, reviewId: r.reviewId, action: 'delete', before: late, after: null, actor: 'Dr B', at: testAt(5) },
    ]);
    // The review was worked on last when the last segment changed ("Recent").
    expect((await db.selectFrom('reviews').select('updated_at').where('id', '=', r.reviewId).executeTakeFirstOrThrow()).updated_at).toBe(testAt(5));
  });

  it('refuses a phase outside the taxonomy, an end before the start, a missing review and a missing segment, writing nothing', async () => {
    const phases = /^"lunch" is not a Cataract-1K phase \(incision, .*\)\.$/;
    await expect(segments.create({ reviewId: r.reviewId, ...rhexis, phase: 'lunch' }, 'Dr A')).rejects.toThrow(phases);
    const ends = 'A segment ends at or after its start.';
    await expect(segments.create({ reviewId: r.reviewId, ...rhexis, endFrame: 29 }, 'Dr A')).rejects.toThrow(ends);
    await expect(segments.create({ reviewId: r.reviewId, ...rhexis, endTime: 1.1 }, 'Dr A')).rejects.toThrow(ends);
    await expect(segments.create({ reviewId: 999, ...rhexis }, 'Dr A')).rejects.toThrow('Review 999 does not exist (it may have been deleted).');
    await expect(segments.list(999)).rejects.toThrow('Review 999 does not exist');
    await expect(segments.update(77, { label: 'x' }, 'Dr A')).rejects.toThrow('Segment 77 does not exist (it may have been deleted).');
    await expect(segments.delete(77, 'Dr A')).rejects.toThrow('Segment 77 does not exist');
    expect([await count('segments'), await count('audit_log')]).toEqual([0, 0]);

    const s = await segments.create({ reviewId: r.reviewId, ...rhexis }, 'Dr A');
    await expect(segments.update(s.id, { endFrame: 10 }, 'Dr A')).rejects.toThrow(ends);
    await expect(segments.update(s.id, { startTime: 9 }, 'Dr A')).rejects.toThrow(ends);
    await expect(segments.update(s.id, { phase: 'lunch' }, 'Dr A')).rejects.toThrow(phases);
    expect(await segments.list(r.reviewId)).toEqual([s]);
    expect(await count('audit_log')).toBe(1);
  });

  it('refuses every change to a finalised review, naming who signed it off and when', async () => {
    const s = await segments.create({ reviewId: r.reviewId, ...rhexis }, 'Dr A');
    await sql`update reviews set status = 'final', finalised_at = ${'2026-02-02T09:30:00.000Z'}, finalised_by = 'Dr Bo', finalised_role = 'attending' where id = ${r.reviewId}`.execute(db);
    const locked = 'This review was finalised by Dr Bo (Attending surgeon) on 2026-02-02 09:30 UTC and is locked. Reopen it (with a reason) to change it.';
    await expect(segments.create({ reviewId: r.reviewId, ...rhexis }, 'Dr A')).rejects.toThrow(locked);
    await expect(segments.update(s.id, { label: 'late' }, 'Dr A')).rejects.toThrow(locked);
    await expect(segments.delete(s.id, 'Dr A')).rejects.toThrow(locked);
    expect(await segments.list(r.reviewId)).toEqual([s]);
    expect(await count('audit_log')).toBe(1);
  });

  it('writes nothing when its audit row cannot be written (one transaction)', async () => {
    const s = await segments.create({ reviewId: r.reviewId, ...rhexis }, 'Dr A');
    await sql`drop table audit_log`.execute(db);
    await expect(segments.create({ reviewId: r.reviewId, ...rhexis, label: 'lost?' }, 'Dr A')).rejects.toThrow();
    await expect(segments.update(s.id, { label: 'lost?' }, 'Dr A')).rejects.toThrow();
    await expect(segments.delete(s.id, 'Dr A')).rejects.toThrow();
    expect(await segments.list(r.reviewId)).toEqual([s]);
    expect((await db.selectFrom('reviews').select('updated_at').where('id', '=', r.reviewId).executeTakeFirstOrThrow()).updated_at).toBe(testAt(0));
  });

  it('goes with its review’s case', async () => {
    await segments.create({ reviewId: r.reviewId, ...rhexis }, 'Dr A');
    await sql`delete from cases where id = ${r.caseId}`.execute(db);
    expect(await count('segments')).toBe(0);
  });

  it('takes its tags with it', async () => {
    const s = await segments.create({ reviewId: r.reviewId, ...rhexis }, 'Dr A');
    const tag = (segmentId: number | null, value: string) =>
      sql`insert into tags (review_id, frame_id, segment_id, kind, value, label, author, created_at) values (${r.reviewId}, null, ${segmentId}, 'free', ${value}, ${value}, 'Dr A', ${testAt(50)})`.execute(db);
    await tag(s.id, 'on the segment');
    await tag(null, 'on the review');
    await segments.delete(s.id, 'Dr A');
    expect((await db.selectFrom('tags').select('value').execute()).map((t) => t.value)).toEqual(['on the review']);
  });

  it('kept every transaction within one turn of the event loop', () => {
    expect(spannedTurns.count).toBe(0);
  });
});
