// Teaching mode's store, the same suite on the workstation's library on SQLite and on a real PostgreSQL server: the
// mode turned on and off by an attending or educator, residents' responses on frames and segments (one per author and
// target, edited in place), what each viewer reads, the reveal (the latest completed analysis and the notes, only
// after a gated reviewer answered), each write one transaction with its audit row (nothing written when the audit
// row cannot be), the same refusals word for word, and the rows going with their review, frame, segment and case.
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { spannedTurns } from '../../electron/core/db/kysely-dialects';
import type { WorkstationDb } from '../../electron/core/db/workstation-db';
import { createTeachingStore, type TeachingStore, type TeachingViewer } from '../../electron/core/teaching/teaching-store';
import { auditRows, countRows, seedReviewRows, STORE_BACKENDS, type SeededRows, eachFreshLibrary, testAt } from '../fixtures/store-backends';

const ATTENDING: TeachingViewer = { name: 'Dr Bo', role: 'attending' };
const RESIDENT: TeachingViewer = { name: 'Dr Lee', role: 'resident' };
const PARK: TeachingViewer = { name: 'Dr Park', role: 'resident' };

describe.each(STORE_BACKENDS)('teaching mode on $name', (backend) => {
  let db: Kysely<WorkstationDb>;
  let r: SeededRows;
  let teaching: TeachingStore;
  eachFreshLibrary(backend, (fresh) => {
    ({ db, r } = fresh);
    const { now } = fresh;
    teaching = createTeachingStore(db, now);
  });

  const audit = () => auditRows(db);
  const count = (table: 'teaching_modes' | 'teaching_responses' | 'audit_log') => countRows(db, table);
  const reviewUpdatedAt = async () => (await db.selectFrom('reviews').select('updated_at').where('id', '=', r.reviewId).executeTakeFirstOrThrow()).updated_at;
  const segment = async (start: number, end: number, note: string) =>
    (
      await db
        .insertInto('segments')
        .values({ review_id: r.reviewId, start_frame: start, end_frame: end, start_time: start / 25, end_time: end / 25, phase: 'capsulorhexis', label: '', note, author: 'Dr Bo', created_at: testAt(50), updated_at: testAt(51) })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const analysis = async (frameId: number, answer: string, completedAt: string, status: 'completed' | 'failed' = 'completed') =>
    (
      await db
        .insertInto('analyses')
        .values({
          frame_id: frameId,
          status,
          prompt: 'Describe.',
          params_json: '{}',
          provenance_json: JSON.stringify({ modelName: 'MedGemma (test)' }),
          model_sha256: 'abc',
          raw_text: answer,
          thinking: null,
          answer,
          structured: 0,
          suggested_tags_json: '[]',
          timings_json: '{}',
          error: null,
          created_at: completedAt,
          completed_at: completedAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const lock = () => sql`update reviews set status = 'final', finalised_at = ${'2026-02-02T09:30:00.000Z'}, finalised_by = 'Dr Bo', finalised_role = 'attending' where id = ${r.reviewId}`.execute(db);

  it('turns teaching mode on and off (an attending or educator), each change audited; turning it on twice changes nothing', async () => {
    expect(await teaching.state(r.reviewId, ATTENDING)).toEqual({ reviewId: r.reviewId, mode: null, name: 'Dr Bo', role: 'attending', gated: false, responses: [] });
    const on = await teaching.setMode(r.reviewId, true, { name: '  Dr Bo ', role: 'attending' });
    const mode = { reviewId: r.reviewId, setBy: 'Dr Bo', setRole: 'attending', setAt: testAt(0) };
    expect(on).toEqual({ reviewId: r.reviewId, mode, name: 'Dr Bo', role: 'attending', gated: false, responses: [] });
    expect(await teaching.mode(r.reviewId)).toEqual(mode);
    expect(await teaching.setMode(r.reviewId, true, { name: 'Dr Ed', role: 'educator' })).toMatchObject({ mode });
    expect(await reviewUpdatedAt()).toBe(testAt(0));
    // A resident, or a reviewer without a role, answers first.
    expect((await teaching.state(r.reviewId, RESIDENT)).gated).toBe(true);
    expect((await teaching.state(r.reviewId, { name: 'Someone', role: null })).gated).toBe(true);
    expect((await teaching.state(r.reviewId, { name: 'Dr Ed', role: 'educator' })).gated).toBe(false);

    const off = await teaching.setMode(r.reviewId, false, { name: 'Dr Ed', role: 'educator' });
    expect(off).toMatchObject({ mode: null, gated: false });
    expect(await teaching.mode(r.reviewId)).toBeNull();
    expect((await teaching.state(r.reviewId, RESIDENT)).gated).toBe(false);
    expect(await audit()).toEqual([
      { entity: 'teaching', entityId: r.reviewId, reviewId: r.reviewId, action: 'create', before: null, after: mode, actor: 'Dr Bo', at: testAt(0) },
      { entity: 'teaching', entityId: r.reviewId, reviewId: r.reviewId, action: 'delete', before: mode, after: null, actor: 'Dr Ed', at: testAt(1) },
    ]);
    expect(await reviewUpdatedAt()).toBe(testAt(1));
  });

  it('keeps one response per author on a frame or segment, edited in place; a resident reads their own, an attending everyone’s, oldest first', async () => {
    const segId = await segment(5, 25, '');
    await teaching.setMode(r.reviewId, true, ATTENDING);
    const first = await teaching.respond({ reviewId: r.reviewId, target: { frameId: r.frameIds[1]! }, seen: 'A small rhexis.', nextStep: 'Enlarge it.' }, RESIDENT);
    const created = { id: first.response.id, reviewId: r.reviewId, frameId: r.frameIds[1]!, segmentId: null, seen: 'A small rhexis.', nextStep: 'Enlarge it.', author: 'Dr Lee', authorRole: 'resident', createdAt: testAt(1), updatedAt: testAt(1) };
    expect(first).toEqual({ state: { reviewId: r.reviewId, mode: expect.objectContaining({ setBy: 'Dr Bo' }) as unknown, name: 'Dr Lee', role: 'resident', gated: true, responses: [created] }, response: created });
    const park = (await teaching.respond({ reviewId: r.reviewId, target: { segmentId: segId }, seen: 'A tear.', nextStep: 'Little manoeuvre.' }, PARK)).response;
    expect(park).toMatchObject({ frameId: null, segmentId: segId, author: 'Dr Park', createdAt: testAt(2) });
    const edited = await teaching.respond({ reviewId: r.reviewId, target: { frameId: r.frameIds[1]! }, seen: 'A 4 mm rhexis.', nextStep: 'Enlarge it before phaco.' }, { name: 'Dr Lee', role: 'attending' });
    const updated = { ...created, seen: 'A 4 mm rhexis.', nextStep: 'Enlarge it before phaco.', authorRole: 'attending', updatedAt: testAt(3) };
    expect(edited.response).toEqual(updated);
    // The attending's view: every response, in the order first written.
    expect(edited.state.responses).toEqual([updated, park]);
    expect(await teaching.allResponses(r.reviewId)).toEqual([updated, park]);
    expect((await teaching.state(r.reviewId, RESIDENT)).responses).toEqual([updated]);
    expect((await teaching.state(r.reviewId, PARK)).responses).toEqual([park]);
    expect((await teaching.state(r.reviewId, { name: '  ', role: 'resident' })).responses).toEqual([]);
    expect(await count('teaching_responses')).toBe(2);

    expect((await audit()).slice(1)).toEqual([
      { entity: 'response', entityId: created.id, reviewId: r.reviewId, action: 'create', before: null, after: created, actor: 'Dr Lee', at: testAt(1) },
      { entity: 'response', entityId: park.id, reviewId: r.reviewId, action: 'create', before: null, after: park, actor: 'Dr Park', at: testAt(2) },
      { entity: 'response', entityId: created.id, reviewId: r.reviewId, action: 'update', before: created, after: updated, actor: 'Dr Lee', at: testAt(3) },
    ]);
    expect(await reviewUpdatedAt()).toBe(testAt(3));
  });

  it('reveals the latest completed analysis and the notes on a frame, or a segment’s note and an analysis within it, only after a gated reviewer answered', async () => {
    const frameId = r.frameIds[1]!; // frame index 10
    await analysis(frameId, 'Older answer.', '2026-01-05T10:00:00.000Z');
    const latest = await analysis(frameId, 'Enlarge the rhexis.', '2026-01-06T10:00:00.000Z');
    await analysis(frameId, 'Failed.', '2026-01-07T10:00:00.000Z', 'failed');
    const inRange = await analysis(r.frameIds[2]!, 'Inside the segment.', '2026-01-04T10:00:00.000Z'); // frame index 20
    for (const [text, created] of [['Second note.', testAt(41)], ['First note.', testAt(40)]] as const) {
      await db.insertInto('notes').values({ review_id: r.reviewId, frame_id: frameId, text, author: 'Dr Bo', created_at: created, updated_at: created }).execute();
    }
    await db.insertInto('notes').values({ review_id: r.reviewId, frame_id: null, text: 'On the review.', author: 'Dr Bo', created_at: testAt(42), updated_at: testAt(42) }).execute();
    const segId = await segment(15, 25, 'Tear at 9 o’clock.');
    const emptySeg = await segment(0, 5, '   ');
    await teaching.setMode(r.reviewId, true, ATTENDING);

    await expect(teaching.reveal(r.reviewId, { frameId }, RESIDENT)).rejects.toThrow(
      "Teaching mode: write what you see and what you would do next on this frame first; the model's analysis and the attending's notes are shown after you save.",
    );
    await expect(teaching.reveal(r.reviewId, { segmentId: segId }, RESIDENT)).rejects.toThrow('on this segment first;');
    await expect(teaching.reveal(r.reviewId, { frameId }, { name: '', role: null })).rejects.toThrow('on this frame first;');
    const mine = (await teaching.respond({ reviewId: r.reviewId, target: { frameId }, seen: 'Small.', nextStep: 'Enlarge.' }, RESIDENT)).response;
    const shown = await teaching.reveal(r.reviewId, { frameId }, RESIDENT);
    expect(shown).toEqual({
      reviewId: r.reviewId,
      frameId,
      segmentId: null,
      responses: [mine],
      analysis: { id: latest, frameId, frameIndex: 10, thinking: null, answer: 'Enlarge the rhexis.', model: 'MedGemma (test)', createdAt: '2026-01-06T10:00:00.000Z' },
      notes: [
        { id: expect.any(Number) as unknown, kind: 'note', text: 'First note.', author: 'Dr Bo', updatedAt: testAt(40) },
        { id: expect.any(Number) as unknown, kind: 'note', text: 'Second note.', author: 'Dr Bo', updatedAt: testAt(41) },
      ],
    });
    // Another resident who has not answered is still gated; the attending reads any time.
    await expect(teaching.reveal(r.reviewId, { frameId }, PARK)).rejects.toThrow('first;');
    expect((await teaching.reveal(r.reviewId, { segmentId: segId }, ATTENDING)).analysis).toMatchObject({ id: inRange, frameIndex: 20, answer: 'Inside the segment.' });
    expect((await teaching.reveal(r.reviewId, { segmentId: segId }, ATTENDING)).notes).toEqual([{ id: segId, kind: 'segment', text: 'Tear at 9 o’clock.', author: 'Dr Bo', updatedAt: testAt(51) }]);
    expect(await teaching.reveal(r.reviewId, { segmentId: emptySeg }, ATTENDING)).toEqual({ reviewId: r.reviewId, frameId: null, segmentId: emptySeg, responses: [], analysis: null, notes: [] });
  });

  it('refuses, in the same words, and writes nothing', async () => {
    const other = await seedReviewRows(db, { code: 'CAT-2', frames: 1 });
    const otherSeg = await db
      .insertInto('segments')
      .values({ review_id: other.reviewId, start_frame: 0, end_frame: 1, start_time: 0, end_time: 0.04, phase: null, label: '', note: '', author: 'x', created_at: testAt(0), updated_at: testAt(0) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const frame = { frameId: r.frameIds[0]! };
    const answer = { reviewId: r.reviewId, target: frame, seen: 'a', nextStep: 'b' };
    await expect(teaching.setMode(r.reviewId, true, RESIDENT)).rejects.toThrow('Only an attending or an educator can turn teaching mode on or off (your role in Settings → Reviewer is resident).');
    await expect(teaching.setMode(r.reviewId, true, { name: ' ', role: 'attending' })).rejects.toThrow(
      'Set your name and role (resident, attending or educator) in Settings → Reviewer first: teaching mode records who turned it on.',
    );
    await expect(teaching.respond(answer, { name: 'Dr Lee', role: null })).rejects.toThrow('Set your name and role (resident, attending or educator) in Settings → Reviewer first: a response records who wrote it.');
    await expect(teaching.respond(answer, RESIDENT)).rejects.toThrow('This review is not in teaching mode: an attending or educator turns it on in the Analysis tab.');
    await expect(teaching.setMode(999, true, ATTENDING)).rejects.toThrow('Review 999 does not exist (it may have been deleted).');
    await expect(teaching.state(999, ATTENDING)).rejects.toThrow('Review 999 does not exist (it may have been deleted).');
    await expect(teaching.respond({ ...answer, reviewId: 999 }, RESIDENT)).rejects.toThrow('Review 999 does not exist (it may have been deleted).');
    expect([await count('teaching_modes'), await count('teaching_responses'), await count('audit_log')]).toEqual([0, 0, 0]);

    await teaching.setMode(r.reviewId, true, ATTENDING);
    await expect(teaching.respond({ ...answer, target: { frameId: other.frameIds[0]! } }, RESIDENT)).rejects.toThrow(`Frame ${other.frameIds[0]} does not belong to review ${r.reviewId}.`);
    await expect(teaching.respond({ ...answer, target: { frameId: 777 } }, RESIDENT)).rejects.toThrow('Frame 777 does not exist (it may have been deleted).');
    await expect(teaching.respond({ ...answer, target: { segmentId: otherSeg.id } }, RESIDENT)).rejects.toThrow(`Segment ${otherSeg.id} does not belong to review ${r.reviewId}.`);
    await expect(teaching.respond({ ...answer, target: { segmentId: 778 } }, RESIDENT)).rejects.toThrow('Segment 778 does not exist (it may have been deleted).');
    await expect(teaching.reveal(r.reviewId, { segmentId: 778 }, ATTENDING)).rejects.toThrow('Segment 778 does not exist (it may have been deleted).');
    await expect(teaching.reveal(r.reviewId, { frameId: r.otherFrameId }, ATTENDING)).rejects.toThrow(`Frame ${r.otherFrameId} does not belong to review ${r.reviewId}.`);
    expect([await count('teaching_responses'), await count('audit_log')]).toEqual([0, 1]);

    // A finalised review refuses every change, naming who signed it off and when.
    const mine = (await teaching.respond(answer, RESIDENT)).response;
    await lock();
    const locked = 'This review was finalised by Dr Bo (Attending surgeon) on 2026-02-02 09:30 UTC and is locked. Reopen it (with a reason) to';
    await expect(teaching.respond({ ...answer, seen: 'late' }, RESIDENT)).rejects.toThrow(`${locked} write a response.`);
    await expect(teaching.setMode(r.reviewId, false, ATTENDING)).rejects.toThrow(`${locked} turn teaching mode off.`);
    await sql`delete from teaching_modes`.execute(db);
    await expect(teaching.setMode(r.reviewId, true, ATTENDING)).rejects.toThrow(`${locked} turn teaching mode on.`);
    // Reading still works on a finalised review.
    expect(await teaching.allResponses(r.reviewId)).toEqual([mine]);
    expect((await teaching.reveal(r.reviewId, frame, RESIDENT)).responses).toEqual([mine]);
    expect(await count('audit_log')).toBe(2);
  });

  it('writes nothing when its audit row cannot be written (one transaction)', async () => {
    await teaching.setMode(r.reviewId, true, ATTENDING);
    await sql`drop table audit_log`.execute(db);
    await expect(teaching.respond({ reviewId: r.reviewId, target: { frameId: r.frameIds[0]! }, seen: 'lost?', nextStep: 'b' }, RESIDENT)).rejects.toThrow();
    await expect(teaching.setMode(r.reviewId, false, ATTENDING)).rejects.toThrow();
    expect([await count('teaching_modes'), await count('teaching_responses')]).toEqual([1, 0]);
    expect(await reviewUpdatedAt()).toBe(testAt(0));
  });

  it('goes with its frame, its segment, its review and its case', async () => {
    const segId = await segment(0, 5, '');
    await teaching.setMode(r.reviewId, true, ATTENDING);
    await teaching.respond({ reviewId: r.reviewId, target: { frameId: r.frameIds[0]! }, seen: 'a', nextStep: 'b' }, RESIDENT);
    await teaching.respond({ reviewId: r.reviewId, target: { frameId: r.frameIds[1]! }, seen: 'a', nextStep: 'b' }, RESIDENT);
    await teaching.respond({ reviewId: r.reviewId, target: { segmentId: segId }, seen: 'a', nextStep: 'b' }, RESIDENT);
    await db.deleteFrom('frames').where('id', '=', r.frameIds[0]!).execute();
    await db.deleteFrom('segments').where('id', '=', segId).execute();
    expect((await teaching.allResponses(r.reviewId)).map((x) => x.frameId)).toEqual([r.frameIds[1]!]);
    await sql`delete from cases where id = ${r.caseId}`.execute(db);
    expect([await count('teaching_modes'), await count('teaching_responses')]).toEqual([0, 0]);
  });

  it('kept every transaction within one turn of the event loop', () => {
    expect(spannedTurns.count).toBe(0);
  });
});
