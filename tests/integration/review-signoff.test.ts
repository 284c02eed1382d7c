// Finishing a review on an in-memory library: the check list (what blocks, what only warns), finalise under the
// reviewer's name and role, every change to a locked review refused with who locked it, reopen only with a reason,
// both in the audit log; tags on phase segments; the phase timeline's samples told apart from the reviewer's captures;
// and migration 0010 on a library written before it.
import BetterSqlite3 from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ReviewerRole } from '../../electron/api/schemas';
import { migrate } from '../../electron/core/db/migrate';
import { MIGRATIONS } from '../../electron/core/db/migrations/index';
import { createFrameStore } from '../../electron/core/frames/frame-store';
import { createFramesRepo } from '../../electron/core/frames/frames-repo';
import { createReviewServices, type ReviewServices } from '../../electron/core/reviews/review-services';
import { seedReview, type SeededReview } from '../fixtures/review-library';

describe('finishing a review', () => {
  let db: BetterSqlite3.Database;
  let s: ReviewServices;
  let r: SeededReview;
  let who: { name: string; role: ReviewerRole | null };
  let running: number[];
  const events: Array<{ name: string; payload: unknown }> = [];

  beforeEach(() => {
    db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db);
    events.length = 0;
    who = { name: '', role: null };
    running = [];
    s = createReviewServices({
      db,
      actor: () => who.name || 'Reviewer',
      identity: () => who,
      activeAnalysisFrames: () => running,
      emit: (name, payload) => events.push({ name, payload }),
    });
    r = seedReview(db, { code: 'SIGN-1', frames: 3 });
  });
  const h = () => s.handlers;

  it('lists what blocks finalising and what only warns', async () => {
    await h()['segments.create']({ reviewId: r.reviewId, startFrame: 0, endFrame: 10, startTime: 0, endTime: 0.33, phase: null, label: '' });
    const labelled = await h()['segments.create']({ reviewId: r.reviewId, startFrame: 20, endFrame: 30, startTime: 0.66, endTime: 1, phase: 'incision' });
    await h()['tags.add']({ reviewId: r.reviewId, frameId: r.frameIds[0]!, kind: 'phase', value: 'incision' });
    running = [r.frameIds[1]!];
    db.prepare("INSERT INTO timeline_jobs (review_id, state, sampling, every_seconds, method, plan_json, created_at, updated_at) VALUES (?, 'running', 'interval', 5, 'matcher', '[]', 'x', 'x')").run(r.reviewId);

    const list = await h()['reviews.checklist']({ id: r.reviewId });
    expect(list.ready).toBe(false);
    expect(list.items.map((i) => [i.id, i.severity])).toEqual([
      ['identity', 'block'],
      ['analyses-running', 'block'],
      ['timeline-running', 'block'],
      ['untagged-frames', 'warn'],
      ['empty-segments', 'warn'],
    ]);
    expect(list.items.find((i) => i.id === 'untagged-frames')).toMatchObject({ message: '2 captured frames have no tags.', frameIndices: [30, 60] });
    expect(list.items.find((i) => i.id === 'analyses-running')).toMatchObject({ frameIndices: [30] });
    expect(list.items.find((i) => i.id === 'empty-segments')!.segmentIds).not.toContain(labelled.id);
    await expect(async () => h()['reviews.finalise']({ id: r.reviewId })).rejects.toThrow(/The review was not finalised: Set your name and role/);

    who = { name: 'Dr. Okafor', role: 'attending' };
    running = [];
    db.prepare("UPDATE timeline_jobs SET state = 'paused'").run();
    const ready = await h()['reviews.checklist']({ id: r.reviewId });
    expect(ready).toMatchObject({ ready: true, reviewer: 'Dr. Okafor', role: 'attending' });
    expect(ready.items.every((i) => i.severity === 'warn')).toBe(true);
  });

  it('finalises under the name and role, refuses every change with who locked it, and reopens only with a reason', async () => {
    const a = await h()['annotations.create']({ frameId: r.frameIds[0]!, kind: 'box', geometry: { x: 0, y: 0, w: 0.5, h: 0.5 } });
    const seg = await h()['segments.create']({ reviewId: r.reviewId, startFrame: 0, endFrame: 10, startTime: 0, endTime: 0.33, phase: 'incision' });
    const note = await h()['notes.create']({ reviewId: r.reviewId, text: 'Clear corneal incision.' });
    who = { name: 'Dr. Okafor', role: 'educator' };
    const final = await h()['reviews.finalise']({ id: r.reviewId });
    expect(final).toMatchObject({ status: 'final', finalisedBy: 'Dr. Okafor', finalisedRole: 'educator' });
    expect(events.at(-1)).toEqual({ name: 'library.changed', payload: { entity: 'review', action: 'finalise', reviewId: r.reviewId, frameId: null, id: r.reviewId } });
    await expect(async () => h()['reviews.finalise']({ id: r.reviewId })).rejects.toThrow(/already finalised \(by Dr\. Okafor\)/);

    const locked = /^This review was finalised by Dr\. Okafor \(Educator\) on \d{4}-\d\d-\d\d \d\d:\d\d UTC and is locked\. Reopen it \(with a reason\) to change it\.$/;
    const refused = [
      () => h()['annotations.create']({ frameId: r.frameIds[0]!, kind: 'box', geometry: { x: 0, y: 0, w: 1, h: 1 } }),
      () => h()['annotations.update']({ id: a.id, patch: { label: 'pupil' } }),
      () => h()['annotations.delete']({ id: a.id }),
      () => h()['tags.add']({ reviewId: r.reviewId, frameId: r.frameIds[0]!, kind: 'free', value: 'late' }),
      () => h()['tags.add']({ reviewId: r.reviewId, segmentId: seg.id, kind: 'free', value: 'late' }),
      () => h()['segments.update']({ id: seg.id, patch: { label: 'late' } }),
      () => h()['notes.update']({ id: note.id, text: 'late' }),
      () => h()['notes.create']({ reviewId: r.reviewId, text: 'late' }),
    ];
    for (const change of refused) await expect(async () => change()).rejects.toThrow(locked);
    const rows = (t: string) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get();
    expect([rows('annotations'), rows('tags'), rows('notes'), rows('segments')]).toEqual([1, 0, 1, 1]);

    await expect(async () => h()['reviews.reopen']({ id: r.reviewId, reason: '  ' })).rejects.toThrow(/Give a reason/);
    who = { name: 'Dr. Vance', role: 'attending' };
    const open = await h()['reviews.reopen']({ id: r.reviewId, reason: 'The incision label was on the wrong frame.' });
    expect(open).toMatchObject({ status: 'draft', finalisedAt: null, finalisedBy: null, finalisedRole: null });
    await expect(async () => h()['reviews.reopen']({ id: r.reviewId, reason: 'again' })).rejects.toThrow(/draft: there is nothing to reopen/);
    await h()['annotations.update']({ id: a.id, patch: { label: 'pupil' } });

    const log = await h()['audit.list']({ reviewId: r.reviewId, entity: 'review' });
    expect(log.map((e) => [e.action, e.actor])).toEqual([
      ['reopen', 'Dr. Vance'],
      ['finalise', 'Dr. Okafor'],
    ]);
    expect(log[0]).toMatchObject({ entity: 'review', entityId: r.reviewId, before: { status: 'final', finalisedBy: 'Dr. Okafor', finalisedRole: 'educator' }, after: { status: 'draft', reason: 'The incision label was on the wrong frame.' } });
    expect(log[1]!.after).toMatchObject({ status: 'final', finalisedBy: 'Dr. Okafor', finalisedRole: 'educator', warnings: ['3 captured frames have no tags.'] });
  });

  it('tags a phase segment: listed with its segment, once, only in its own review, gone with the segment', async () => {
    const other = seedReview(db, { code: 'SIGN-2', frames: 1 });
    const seg = await h()['segments.create']({ reviewId: r.reviewId, startFrame: 0, endFrame: 10, startTime: 0, endTime: 0.33, phase: 'capsulorhexis', label: 'Rhexis, first pass' });
    const t = await h()['tags.add']({ reviewId: r.reviewId, segmentId: seg.id, kind: 'instrument', value: 'capsulorhexis-forceps' });
    expect(t).toMatchObject({ segmentId: seg.id, frameId: null, label: 'Capsulorhexis forceps' });
    expect(await h()['tags.add']({ reviewId: r.reviewId, segmentId: seg.id, kind: 'instrument', value: 'Capsulorhexis forceps' })).toEqual(t);
    // The same tag on the review itself is another tag; the review-level list does not show the segment's.
    const whole = await h()['tags.add']({ reviewId: r.reviewId, kind: 'instrument', value: 'capsulorhexis-forceps' });
    expect(whole.id).not.toBe(t.id);
    expect((await h()['tags.list']({ reviewId: r.reviewId, frameId: null })).map((x) => x.id)).toEqual([whole.id]);
    expect((await h()['tags.list']({ reviewId: r.reviewId })).map((x) => x.id).sort()).toEqual([t.id, whole.id].sort());
    await expect(async () => h()['tags.add']({ reviewId: other.reviewId, segmentId: seg.id, kind: 'free', value: 'x' })).rejects.toThrow(/does not belong to review/);
    // Search finds the segment's tag.
    const hits = await h()['search.query']({ text: 'forceps' });
    expect(hits.hits.filter((x) => x.kind === 'tag').length).toBe(2);
    await h()['segments.delete']({ id: seg.id });
    expect((await h()['tags.list']({ reviewId: r.reviewId })).map((x) => x.id)).toEqual([whole.id]);
  });
});

describe('frame kinds', () => {
  it('keeps the timeline samples apart from the captures and the stills; a reviewer capture of a sample makes it theirs', async () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db);
    const store = { put: () => 'a'.repeat(64), read: () => new Uint8Array(), remove: () => {}, root: '/', relativePath: () => '' } as unknown as ReturnType<typeof createFrameStore>;
    const frames = createFramesRepo(db, store);
    const r = seedReview(db, { code: 'KIND-1', frames: 1 });
    const still = frames.add({ caseId: r.caseId, sourceName: 'slit-lamp.png', data: new Uint8Array(8), mime: 'image/png', width: 4, height: 4 });
    const sample = frames.add({ caseId: r.caseId, sourceName: 'v frame 90', data: new Uint8Array(8), mime: 'image/png', width: 4, height: 4, capture: { reviewId: r.reviewId, videoId: r.videoId, frameIndex: 90, mediaTime: 3, origin: 'sample' } });
    expect([still.kind, frames.get(r.frameIds[0]!).kind, sample.kind]).toEqual(['still', 'capture', 'sample']);
    expect(frames.listForReview(r.reviewId, 'capture').map((f) => f.id)).toEqual([r.frameIds[0]]);
    expect(frames.listForReview(r.reviewId, 'sample').map((f) => f.id)).toEqual([sample.id]);
    expect(frames.listForReview(r.reviewId).map((f) => f.id)).toEqual([r.frameIds[0], sample.id]);
    expect(frames.list(r.caseId).map((f) => f.id)).toEqual([r.frameIds[0], still.id]);
    expect(frames.list(r.caseId, true)).toHaveLength(3);
    // The library's recent reviews count the reviewer's captures only.
    expect((await createReviewServices({ db, actor: () => 'x' }).recent.list(5)).find((x) => x.id === r.reviewId)?.frameCount).toBe(1);
    expect(frames.markCaptured(sample.id).kind).toBe('capture');
  });
});

describe('migration 0010 on a library written before it', () => {
  it('keeps every audit row and id, marks stills and timeline samples, and widens the audit log', async () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, { migrations: MIGRATIONS.filter((m) => m.version < 10) });
    const r = seedReview(db, { code: 'OLD-1', frames: 2 });
    db.prepare("INSERT INTO frames (case_id, source_name, sha256, mime, width, height, bytes, created_at) VALUES (?, 'still.png', ?, 'image/png', 4, 4, 8, 'x')").run(r.caseId, 'b'.repeat(64));
    db.prepare("INSERT INTO timeline_jobs (review_id, state, sampling, every_seconds, method, plan_json, created_at, updated_at) VALUES (?, 'done', 'interval', 5, 'matcher', '[]', 'x', 'x')").run(r.reviewId);
    db.prepare("INSERT INTO timeline_samples (review_id, sample_index, time, frame_index, frame_id, method, matched_json, created_at) VALUES (?, 0, 1, 30, ?, 'matcher', '[]', 'x')").run(r.reviewId, r.frameIds[1]);
    const audit = db.prepare("INSERT INTO audit_log (entity, entity_id, review_id, action, before_json, after_json, actor, at) VALUES (?, ?, ?, 'create', NULL, '{}', 'Dr. Old', 'x')");
    audit.run('tag', 7, r.reviewId);
    audit.run('note', 3, r.reviewId);
    db.prepare("DELETE FROM audit_log WHERE entity = 'note'").run(); // ids are never reused, even after a delete
    const before = db.prepare('SELECT * FROM audit_log ORDER BY id').all();

    migrate(db);
    expect(db.prepare('SELECT * FROM audit_log ORDER BY id').all()).toEqual(before);
    expect(db.prepare('SELECT origin FROM frames ORDER BY id').pluck().all()).toEqual(['capture', 'sample', 'still']);
    const s = createReviewServices({ db, actor: () => 'Dr. New', identity: () => ({ name: 'Dr. New', role: 'resident' }) });
    await s.handlers['reviews.finalise']({ id: r.reviewId });
    const ids = db.prepare('SELECT id FROM audit_log ORDER BY id').pluck().all() as number[];
    expect(ids).toEqual([1, 3]);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'audit_log_v10'").pluck().get()).toBe(0);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });
});
