// The reviews themselves and their sign-off, the same suite on the workstation's library on SQLite and on a real
// PostgreSQL server: one review per reviewer of a case's video, read, listed and moved on; the finalise checklist;
// finalise under the reviewer's name and role (one transaction with its audit row; the review then refuses changes),
// refused without a name or role, writing nothing; reopen only with a reason; the library's "Recent" list.
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { ReviewerRole } from '../../electron/api/schemas';
import { createAnnotationsStore } from '../../electron/core/annotations/annotations-store';
import { spannedTurns } from '../../electron/core/db/kysely-dialects';
import type { WorkstationDb } from '../../electron/core/db/workstation-db';
import { createRecentReviewsStore } from '../../electron/core/library/recent-reviews-store';
import { createNotesStore } from '../../electron/core/reviews/notes-store';
import { createReviewLockStore, type ReviewerIdentity } from '../../electron/core/reviews/review-lock-store';
import { createReviewsStore, type ReviewsStore } from '../../electron/core/reviews/reviews-store';
import { createTagsStore } from '../../electron/core/reviews/tags-store';
import { auditRows, countRows, eachFreshLibrary, STORE_BACKENDS, testAt, type SeededRows } from '../fixtures/store-backends';

const SEEDED_AT = '2026-01-01T00:00:00.000Z';

describe.each(STORE_BACKENDS)('reviews and their sign-off on $name', (backend) => {
  let db: Kysely<WorkstationDb>;
  let r: SeededRows;
  let now: () => string;
  let reviews: ReviewsStore;
  let who: ReviewerIdentity;
  let active: number[];
  let timelineRunning: boolean;
  const lock = () => createReviewLockStore(db, { identity: () => who, activeAnalysisFrames: () => active, timelineRunning: () => timelineRunning, now });
  eachFreshLibrary(backend, (fresh) => {
    ({ db, r, now } = fresh);
    reviews = createReviewsStore(db, now);
    who = { name: 'Dr A', role: 'attending' };
    active = [];
    timelineRunning = false;
  });

  const seeded = () => ({
    id: r.reviewId,
    caseId: r.caseId,
    videoId: r.videoId,
    reviewer: 'Dr A',
    status: 'draft' as const,
    lastFrameIndex: 0,
    createdAt: SEEDED_AT,
    updatedAt: SEEDED_AT,
    finalisedAt: null,
    finalisedBy: null,
    finalisedRole: null,
  });

  it('opens one review per reviewer of a video: the same one again, another reviewer their own', async () => {
    expect(await reviews.open(r.caseId, r.videoId, 'Dr A')).toEqual(seeded());
    const theirs = await reviews.open(r.caseId, r.videoId, 'Dr B');
    expect(theirs).toEqual({ ...seeded(), id: theirs.id, reviewer: 'Dr B', createdAt: testAt(0), updatedAt: testAt(0) });
    expect(theirs.id).not.toBe(r.reviewId);
    expect(await reviews.open(r.caseId, r.videoId, 'Dr B')).toEqual(theirs);
    // Two opens at once still give one review.
    const [x, y] = await Promise.all([reviews.open(r.caseId, r.videoId, 'Dr C'), reviews.open(r.caseId, r.videoId, 'Dr C')]);
    expect(x.id).toBe(y.id);
    expect(await countRows(db, 'reviews')).toBe(3);
    expect(await countRows(db, 'audit_log')).toBe(0);
  });

  it('gets, lists (the one worked on last first) and moves on where the reviewer left off, in the same words', async () => {
    expect(await reviews.get(r.reviewId)).toEqual(seeded());
    await expect(reviews.get(9999)).rejects.toThrow('Review 9999 does not exist (it may have been deleted with its video or case).');
    await expect(reviews.update(9999, { lastFrameIndex: 3 })).rejects.toThrow('Review 9999 does not exist (it may have been deleted with its video or case).');
    const other = await reviews.open(r.caseId, r.videoId, 'Dr B');
    expect((await reviews.list(r.caseId)).map((x) => x.id)).toEqual([other.id, r.reviewId]);
    expect(await reviews.update(r.reviewId, { lastFrameIndex: 42 })).toEqual({ ...seeded(), lastFrameIndex: 42, updatedAt: testAt(1) });
    expect(await reviews.update(r.reviewId, {})).toEqual({ ...seeded(), lastFrameIndex: 42, updatedAt: testAt(2) });
    expect((await reviews.list(r.caseId)).map((x) => x.id)).toEqual([r.reviewId, other.id]);
    expect(await reviews.list(9999)).toEqual([]);
  });

  it('lists what blocks finalising and what only warns', async () => {
    const l = lock();
    await expect(l.checklist(9999)).rejects.toThrow('Review 9999 does not exist (it may have been deleted with its video or case).');
    let list = await l.checklist(r.reviewId);
    expect(list).toEqual({
      reviewId: r.reviewId,
      ready: true,
      reviewer: 'Dr A',
      role: 'attending',
      items: [{ id: 'untagged-frames', severity: 'warn', message: '3 captured frames have no tags.', frameIndices: [0, 10, 20], segmentIds: [] }],
    });

    await createTagsStore(db, now).add({ reviewId: r.reviewId, frameId: r.frameIds[1]!, kind: 'phase', value: 'incision' }, 'Dr A');
    const seg = await sql<{ id: number }>`
      insert into segments (review_id, start_frame, end_frame, start_time, end_time, phase, label, note, author, created_at, updated_at)
      values (${r.reviewId}, 0, 5, 0, 0.2, null, '  ', '', 'Dr A', ${SEEDED_AT}, ${SEEDED_AT}) returning id`.execute(db);
    who = { name: '  ', role: null };
    active = [r.frameIds[2]!, r.otherFrameId];
    timelineRunning = true;
    list = await l.checklist(r.reviewId);
    expect(list.ready).toBe(false);
    expect(list.reviewer).toBe('');
    expect(list.items).toEqual([
      { id: 'identity', severity: 'block', message: 'Set your name and role (resident, attending or educator) in Settings → Reviewer first: the sign-off records them.', frameIndices: [], segmentIds: [] },
      { id: 'analyses-running', severity: 'block', message: '1 analysis is still running or queued. Wait for it or cancel it: a locked review cannot take new results.', frameIndices: [20], segmentIds: [] },
      { id: 'timeline-running', severity: 'block', message: 'The phase timeline (Analyse video) is still running. Let it finish, or pause or cancel it.', frameIndices: [], segmentIds: [] },
      { id: 'untagged-frames', severity: 'warn', message: '2 captured frames have no tags.', frameIndices: [0, 20], segmentIds: [] },
      { id: 'empty-segments', severity: 'warn', message: '1 phase segment has neither a phase nor a label.', frameIndices: [], segmentIds: [seg.rows[0]!.id] },
    ]);
  });

  it('finalises under the name and role with its audit row; the locked review then refuses changes and a second sign-off', async () => {
    const final = await lock().finalise(r.reviewId);
    expect(final).toEqual({ ...seeded(), status: 'final', updatedAt: testAt(0), finalisedAt: testAt(0), finalisedBy: 'Dr A', finalisedRole: 'attending' });
    expect(await reviews.get(r.reviewId)).toEqual(final);
    expect(await auditRows(db)).toEqual([
      {
        entity: 'review',
        entityId: r.reviewId,
        reviewId: r.reviewId,
        action: 'finalise',
        before: { status: 'draft' },
        after: { status: 'final', finalisedAt: testAt(0), finalisedBy: 'Dr A', finalisedRole: 'attending', warnings: ['3 captured frames have no tags.'] },
        actor: 'Dr A',
        at: testAt(0),
      },
    ]);
    await expect(createNotesStore(db, now).create({ reviewId: r.reviewId, text: 'late' }, 'Dr A')).rejects.toThrow(
      'This review was finalised by Dr A (Attending surgeon) on 2026-02-01 10:00 UTC and is locked. Reopen it (with a reason) to change it.',
    );
    await expect(lock().finalise(r.reviewId)).rejects.toThrow('This review is already finalised (by Dr A).');
    expect(await countRows(db, 'notes')).toBe(0);
    expect(await countRows(db, 'audit_log')).toBe(1);
  });

  it.each<[string, ReviewerIdentity]>([
    ['no name', { name: ' ', role: 'resident' }],
    ['no role', { name: 'Dr A', role: null }],
    ['a role that may not sign off', { name: 'Dr A', role: 'nurse' as ReviewerRole }],
  ])('refuses a sign-off with %s and writes nothing', async (_, identity) => {
    who = identity;
    if (identity.role === ('nurse' as ReviewerRole)) {
      // The schema keeps roles to the three that may sign off: such a sign-off cannot be stored.
      await expect(lock().finalise(r.reviewId)).rejects.toThrow(/check constraint/i);
    } else {
      await expect(lock().finalise(r.reviewId)).rejects.toThrow(
        'The review was not finalised: Set your name and role (resident, attending or educator) in Settings → Reviewer first: the sign-off records them.',
      );
    }
    expect(await reviews.get(r.reviewId)).toEqual(seeded());
    expect(await countRows(db, 'audit_log')).toBe(0);
  });

  it('refuses a sign-off while an analysis of its frames runs', async () => {
    active = [r.frameIds[0]!, r.frameIds[1]!];
    await expect(lock().finalise(r.reviewId)).rejects.toThrow(
      'The review was not finalised: 2 analyses are still running or queued. Wait for them or cancel them: a locked review cannot take new results.',
    );
    expect(await reviews.get(r.reviewId)).toEqual(seeded());
    expect(await countRows(db, 'audit_log')).toBe(0);
  });

  it('reopens only a finalised review and only with a reason, kept in the audit log', async () => {
    await expect(lock().reopen(r.reviewId, 'typo')).rejects.toThrow('This review is a draft: there is nothing to reopen.');
    const final = await lock().finalise(r.reviewId);
    await expect(lock().reopen(r.reviewId, '   ')).rejects.toThrow('Give a reason for reopening the review (it is kept in the audit log).');
    await expect(lock().reopen(9999, 'x')).rejects.toThrow('Review 9999 does not exist (it may have been deleted with its video or case).');
    expect(await countRows(db, 'audit_log')).toBe(1);
    who = { name: 'Dr E', role: 'educator' };
    expect(await lock().reopen(r.reviewId, '  Wrong phase on frame 10. ')).toEqual({ ...seeded(), updatedAt: testAt(1) });
    expect((await auditRows(db))[1]).toEqual({
      entity: 'review',
      entityId: r.reviewId,
      reviewId: r.reviewId,
      action: 'reopen',
      before: { status: 'final', finalisedAt: final.finalisedAt, finalisedBy: 'Dr A', finalisedRole: 'attending' },
      after: { status: 'draft', reason: 'Wrong phase on frame 10.', reopenedRole: 'educator' },
      actor: 'Dr E',
      at: testAt(1),
    });
    expect((await createNotesStore(db, now).create({ reviewId: r.reviewId, text: 'fixed' }, 'Dr A')).text).toBe('fixed');
  });

  it('lists the recent reviews, the one worked on last first, with their captures, annotations and notes', async () => {
    const other = await reviews.open(r.caseId, r.videoId, 'Dr B'); // testAt(0)
    await createNotesStore(db, now).create({ reviewId: r.reviewId, text: 'n1' }, 'Dr A'); // touches it: testAt(1)
    await createNotesStore(db, now).create({ reviewId: r.reviewId, frameId: r.frameIds[0]!, text: 'n2' }, 'Dr A');
    await createAnnotationsStore(db, now).create({ frameId: r.frameIds[0]!, kind: 'box', geometry: { x: 0, y: 0, w: 1, h: 1 }, label: 'lens' }, 'Dr A');
    await sql`update frames set origin = 'sample' where id = ${r.frameIds[2]!}`.execute(db);
    const recent = createRecentReviewsStore(db);
    const summary = {
      caseId: r.caseId,
      caseCode: 'CAT-1',
      surgeryDate: null,
      eye: null,
      videoId: r.videoId,
      videoName: 'op.mp4',
      status: 'draft',
      lastFrameIndex: 0,
      finalisedAt: null,
    };
    expect(await recent.list()).toEqual([
      { ...summary, id: r.reviewId, reviewer: 'Dr A', createdAt: SEEDED_AT, updatedAt: testAt(3), frameCount: 2, annotationCount: 1, noteCount: 2 },
      { ...summary, id: other.id, reviewer: 'Dr B', createdAt: testAt(0), updatedAt: testAt(0), frameCount: 0, annotationCount: 0, noteCount: 0 },
    ]);
    expect((await recent.list(1)).map((x) => x.id)).toEqual([r.reviewId]);
  });

  it('kept every transaction within one turn of the event loop', () => {
    expect(spannedTurns.count).toBe(0);
  });
});
