// Tags, the same suite on the workstation's library on SQLite and on a real PostgreSQL server: a vocabulary term by id
// or label, or free text, on the review, one of its frames or one of its segments; adding one already there returns it
// (ASCII case aside, as the unique index has it on both) and writes nothing; removed; listed in the same order; each
// write one transaction with its audit row (nothing written when the audit row cannot be); refused on a finalised
// review, for a term outside the vocabulary and for a frame or segment of another review, in the same words; gone with
// its frame, segment or case.
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Tag } from '../../electron/api/schemas-review';
import { spannedTurns } from '../../electron/core/db/kysely-dialects';
import type { WorkstationDb } from '../../electron/core/db/workstation-db';
import { createSegmentsStore, type SegmentsStore } from '../../electron/core/reviews/segments-store';
import { createTagsStore, type TagsStore } from '../../electron/core/reviews/tags-store';
import { TAXONOMY } from '../../electron/core/taxonomy/taxonomy';
import { auditRows, countRows, seedReviewRows, STORE_BACKENDS, type SeededRows, eachFreshLibrary, testAt } from '../fixtures/store-backends';

describe.each(STORE_BACKENDS)('tags on $name', (backend) => {
  let db: Kysely<WorkstationDb>;
  let r: SeededRows;
  let tags: TagsStore;
  let segments: SegmentsStore;
  eachFreshLibrary(backend, (fresh) => {
    ({ db, r } = fresh);
    const { now } = fresh;
    tags = createTagsStore(db, now);
    segments = createSegmentsStore(db, () => '2026-01-15T00:00:00.000Z');
  });

  const audit = () => auditRows(db);
  const count = (table: 'tags' | 'audit_log') => countRows(db, table);
  const reviewUpdatedAt = async () => (await db.selectFrom('reviews').select('updated_at').where('id', '=', r.reviewId).executeTakeFirstOrThrow()).updated_at;
  const segment = (reviewId = r.reviewId) => segments.create({ reviewId, startFrame: 30, endFrame: 90, startTime: 1.2, endTime: 3.6, phase: 'capsulorhexis' }, 'Dr A');
  const ids = (list: Tag[]) => list.map((t) => t.id);

  it('adds a vocabulary term by id or by label and free text, on the review, a frame and a segment, each audited', async () => {
    const seg = await segment();
    const byLabel = await tags.add({ reviewId: r.reviewId, kind: 'phase', value: '  Capsulorhexis ' }, 'Dr A');
    expect(byLabel).toEqual({ id: byLabel.id, reviewId: r.reviewId, frameId: null, segmentId: null, kind: 'phase', value: 'capsulorhexis', label: 'Capsulorhexis', author: 'Dr A', createdAt: testAt(0) });
    const byId = await tags.add({ reviewId: r.reviewId, frameId: r.frameIds[1]!, kind: 'finding', value: 'posterior-capsule-rupture' }, 'Dr B');
    expect(byId).toMatchObject({ frameId: r.frameIds[1], segmentId: null, kind: 'finding', value: 'posterior-capsule-rupture', label: 'Posterior capsule rupture', author: 'Dr B', createdAt: testAt(1) });
    const free = await tags.add({ reviewId: r.reviewId, segmentId: seg.id, kind: 'free', value: ' Teaching case ' }, 'Dr A');
    expect(free).toMatchObject({ frameId: null, segmentId: seg.id, kind: 'free', value: 'Teaching case', label: 'Teaching case', createdAt: testAt(2) });
    const onNull = await tags.add({ reviewId: r.reviewId, frameId: null, segmentId: null, kind: 'severity', value: 'mild' }, 'Dr A');
    expect(onNull).toMatchObject({ frameId: null, segmentId: null, value: 'mild', label: 'Mild' });
    expect(await tags.get(free.id)).toEqual(free);

    expect((await audit()).filter((x) => x.entity === 'tag')).toEqual(
      [byLabel, byId, free, onNull].map((t) => ({ entity: 'tag', entityId: t.id, reviewId: r.reviewId, action: 'create', before: null, after: t, actor: t.author, at: t.createdAt })),
    );
    // The review was worked on last when the last tag was added ("Recent").
    expect(await reviewUpdatedAt()).toBe(testAt(3));
  });

  it('returns the tag already there (by label, id or another ASCII case), writing nothing; elsewhere it is another tag', async () => {
    const seg = await segment();
    const phase = await tags.add({ reviewId: r.reviewId, kind: 'phase', value: 'capsulorhexis' }, 'Dr A');
    const onFrame = await tags.add({ reviewId: r.reviewId, frameId: r.frameIds[0]!, kind: 'free', value: 'Wet lab' }, 'Dr A');
    const onSegment = await tags.add({ reviewId: r.reviewId, segmentId: seg.id, kind: 'instrument', value: 'capsulorhexis-forceps' }, 'Dr A');
    const before = [await count('tags'), await count('audit_log'), await reviewUpdatedAt()];
    expect(await tags.add({ reviewId: r.reviewId, kind: 'phase', value: 'CAPSULORHEXIS' }, 'Dr B')).toEqual(phase);
    expect(await tags.add({ reviewId: r.reviewId, frameId: r.frameIds[0]!, kind: 'free', value: 'WET LAB' }, 'Dr B')).toEqual(onFrame);
    expect(await tags.add({ reviewId: r.reviewId, segmentId: seg.id, kind: 'instrument', value: 'Capsulorhexis forceps' }, 'Dr B')).toEqual(onSegment);
    expect([await count('tags'), await count('audit_log'), await reviewUpdatedAt()]).toEqual(before);

    // Another place, another kind, or a letter that differs beyond ASCII case: another tag.
    const elsewhere = [
      await tags.add({ reviewId: r.reviewId, kind: 'free', value: 'wet lab' }, 'Dr B'),
      await tags.add({ reviewId: r.reviewId, frameId: r.frameIds[1]!, kind: 'free', value: 'wet lab' }, 'Dr B'),
      await tags.add({ reviewId: r.reviewId, segmentId: seg.id, kind: 'free', value: 'wet lab' }, 'Dr B'),
      await tags.add({ reviewId: r.reviewId, frameId: r.frameIds[0]!, kind: 'free', value: 'Ärzte' }, 'Dr B'),
      await tags.add({ reviewId: r.reviewId, frameId: r.frameIds[0]!, kind: 'free', value: 'ärzte' }, 'Dr B'),
    ];
    expect(new Set([...ids(elsewhere), phase.id, onFrame.id, onSegment.id]).size).toBe(8);
    expect(await count('audit_log')).toBe(9); // with the segment's
    // The schema holds the same line whatever writes it.
    await expect(sql`insert into tags (review_id, frame_id, segment_id, kind, value, label, author, created_at) values (${r.reviewId}, ${r.frameIds[0]!}, null, 'free', 'wET lAB', 'x', 'Dr C', ${testAt(50)})`.execute(db)).rejects.toThrow();
  });

  it('lists the review’s own and its segments’ tags first, then by frame, each in the order added; or one place’s', async () => {
    const [f0, f1] = [r.frameIds[0]!, r.frameIds[1]!];
    const s1 = await segment();
    const s2 = await segment();
    const add = (place: { frameId?: number; segmentId?: number }, value: string) => tags.add({ reviewId: r.reviewId, ...place, kind: 'free', value }, 'Dr A');
    const a = await add({ frameId: f1 }, 'a');
    const b = await add({ segmentId: s2.id }, 'b');
    const c = await add({}, 'c');
    const d = await add({ frameId: f0 }, 'd');
    const e = await add({ segmentId: s1.id }, 'e');
    const f = await add({}, 'f');
    const g = await add({ frameId: f1 }, 'g');
    const h = await add({ segmentId: s1.id }, 'h');
    expect(ids(await tags.list(r.reviewId))).toEqual(ids([c, f, e, h, b, d, a, g]));
    expect(ids(await tags.list(r.reviewId, null))).toEqual(ids([c, f]));
    expect(ids(await tags.list(r.reviewId, f1))).toEqual(ids([a, g]));
    expect(await tags.list(r.reviewId, r.frameIds[2]!)).toEqual([]);
    expect(await tags.list(r.reviewId, f0)).toEqual([d]);

    const other = await seedReviewRows(db, { code: 'CAT-2' });
    await tags.add({ reviewId: other.reviewId, kind: 'free', value: 'c' }, 'Dr A');
    expect(ids(await tags.list(r.reviewId, null))).toEqual(ids([c, f]));
    await expect(tags.list(999)).rejects.toThrow('Review 999 does not exist (it may have been deleted).');
  });

  it('removes a tag, audited, and returns it as it was', async () => {
    const t = await tags.add({ reviewId: r.reviewId, frameId: r.frameIds[0]!, kind: 'anatomy', value: TAXONOMY.anatomy[0]!.label }, 'Dr A');
    expect(t).toMatchObject({ value: TAXONOMY.anatomy[0]!.id, label: TAXONOMY.anatomy[0]!.label });
    const kept = await tags.add({ reviewId: r.reviewId, kind: 'free', value: 'kept' }, 'Dr A');
    expect(await tags.remove(t.id, 'Dr B')).toEqual(t);
    expect(await tags.list(r.reviewId)).toEqual([kept]);
    await expect(tags.get(t.id)).rejects.toThrow(`Tag ${t.id} does not exist (it may have been removed).`);
    expect((await audit()).filter((x) => x.entityId === t.id)).toEqual([
      { entity: 'tag', entityId: t.id, reviewId: r.reviewId, action: 'create', before: null, after: t, actor: 'Dr A', at: testAt(0) },
      { entity: 'tag', entityId: t.id, reviewId: r.reviewId, action: 'delete', before: t, after: null, actor: 'Dr B', at: testAt(2) },
    ]);
    expect(await reviewUpdatedAt()).toBe(testAt(2));
    // Added again, it is a new tag.
    const again = await tags.add({ reviewId: r.reviewId, frameId: r.frameIds[0]!, kind: 'anatomy', value: t.value }, 'Dr A');
    expect(again.id).toBeGreaterThan(kept.id);
  });

  it('refuses a term outside the vocabulary, a frame or segment of another review or missing, both at once, a missing review or tag, writing nothing', async () => {
    const other = await seedReviewRows(db, { code: 'CAT-2' });
    const foreign = await segment(other.reviewId);
    const before = await count('audit_log');
    const instruments = TAXONOMY.instruments.map((t) => t.id).join(', ');
    await expect(tags.add({ reviewId: r.reviewId, kind: 'instrument', value: ' hammer ' }, 'Dr A')).rejects.toThrow(`"hammer" is not in the instrument vocabulary (${instruments}). Use a free tag for anything else.`);
    await expect(tags.add({ reviewId: r.reviewId, frameId: r.otherFrameId, kind: 'free', value: 'x' }, 'Dr A')).rejects.toThrow(`Frame ${r.otherFrameId} does not belong to review ${r.reviewId}.`);
    await expect(tags.add({ reviewId: r.reviewId, frameId: other.frameIds[0]!, kind: 'free', value: 'x' }, 'Dr A')).rejects.toThrow(`Frame ${other.frameIds[0]} does not belong to review ${r.reviewId}.`);
    await expect(tags.add({ reviewId: r.reviewId, frameId: 9999, kind: 'free', value: 'x' }, 'Dr A')).rejects.toThrow('Frame 9999 does not exist (it may have been deleted).');
    await expect(tags.add({ reviewId: r.reviewId, segmentId: foreign.id, kind: 'free', value: 'x' }, 'Dr A')).rejects.toThrow(`Segment ${foreign.id} does not belong to review ${r.reviewId}.`);
    await expect(tags.add({ reviewId: r.reviewId, segmentId: 9999, kind: 'free', value: 'x' }, 'Dr A')).rejects.toThrow('Segment 9999 does not exist (it may have been deleted).');
    const seg = await segment();
    await expect(tags.add({ reviewId: r.reviewId, frameId: r.frameIds[0]!, segmentId: seg.id, kind: 'free', value: 'x' }, 'Dr A')).rejects.toThrow('A tag is on a frame or on a segment, not both.');
    await expect(tags.add({ reviewId: 999, kind: 'free', value: 'x' }, 'Dr A')).rejects.toThrow('Review 999 does not exist (it may have been deleted).');
    await expect(tags.remove(77, 'Dr A')).rejects.toThrow('Tag 77 does not exist (it may have been removed).');
    await expect(tags.get(77)).rejects.toThrow('Tag 77 does not exist (it may have been removed).');
    expect(await count('tags')).toBe(0);
    expect(await count('audit_log')).toBe(before + 1); // the segment made here
  });

  it('refuses every change to a finalised review, naming who signed it off and when', async () => {
    const t = await tags.add({ reviewId: r.reviewId, kind: 'free', value: 'before sign-off' }, 'Dr A');
    await sql`update reviews set status = 'final', finalised_at = ${'2026-02-02T09:30:00.000Z'}, finalised_by = 'Dr Bo', finalised_role = 'attending' where id = ${r.reviewId}`.execute(db);
    const locked = 'This review was finalised by Dr Bo (Attending surgeon) on 2026-02-02 09:30 UTC and is locked. Reopen it (with a reason) to change it.';
    await expect(tags.add({ reviewId: r.reviewId, kind: 'free', value: 'late' }, 'Dr A')).rejects.toThrow(locked);
    await expect(tags.add({ reviewId: r.reviewId, frameId: r.frameIds[0]!, kind: 'free', value: 'late' }, 'Dr A')).rejects.toThrow(locked);
    // Even the tag already there: a locked review answers nothing but the refusal.
    await expect(tags.add({ reviewId: r.reviewId, kind: 'free', value: 'before sign-off' }, 'Dr A')).rejects.toThrow(locked);
    await expect(tags.remove(t.id, 'Dr A')).rejects.toThrow(locked);
    expect(await tags.list(r.reviewId)).toEqual([t]);
    expect(await count('audit_log')).toBe(1);
  });

  it('writes nothing when its audit row cannot be written (one transaction)', async () => {
    const t = await tags.add({ reviewId: r.reviewId, kind: 'free', value: 'kept' }, 'Dr A');
    await sql`drop table audit_log`.execute(db);
    await expect(tags.add({ reviewId: r.reviewId, kind: 'free', value: 'lost?' }, 'Dr A')).rejects.toThrow();
    await expect(tags.remove(t.id, 'Dr A')).rejects.toThrow();
    expect(await tags.list(r.reviewId)).toEqual([t]);
    expect(await reviewUpdatedAt()).toBe(testAt(0));
  });

  it('goes with its frame, its segment and its review’s case', async () => {
    const seg = await segment();
    await tags.add({ reviewId: r.reviewId, frameId: r.frameIds[0]!, kind: 'free', value: 'on frame 0' }, 'Dr A');
    await tags.add({ reviewId: r.reviewId, segmentId: seg.id, kind: 'free', value: 'on the segment' }, 'Dr A');
    await tags.add({ reviewId: r.reviewId, kind: 'free', value: 'on the review' }, 'Dr A');
    await sql`delete from frames where id = ${r.frameIds[0]!}`.execute(db);
    await segments.delete(seg.id, 'Dr A');
    expect((await tags.list(r.reviewId)).map((t) => t.value)).toEqual(['on the review']);
    await sql`delete from cases where id = ${r.caseId}`.execute(db);
    expect(await count('tags')).toBe(0);
  });

  it('kept every transaction within one turn of the event loop', () => {
    expect(spannedTurns.count).toBe(0);
  });
});
