// The review data layer on an in-memory library: annotations, tags, segments, notes, each write with its audit
// row in one transaction, undo of a delete under the same id, the final-review lock, search and recent reviews.
import BetterSqlite3 from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Taxonomy } from '../../electron/api/schemas-review';
import { migrate } from '../../electron/core/db/migrate';
import { MIGRATIONS } from '../../electron/core/db/migrations/index';
import { createReviewServices, type ReviewServices } from '../../electron/core/reviews/review-services';
import { seedAnalysis, seedReview, type SeededReview } from '../fixtures/review-library';

const ALICE = 'Dr Alice';

describe('review data layer', () => {
  let db: BetterSqlite3.Database;
  let s: ReviewServices;
  let r: SeededReview;
  const events: unknown[] = [];

  beforeEach(() => {
    db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db);
    events.length = 0;
    s = createReviewServices({ db, actor: () => ALICE, emit: (name, payload) => events.push({ name, payload }) });
    r = seedReview(db, { code: 'CAT-100', frames: 3 });
  });

  const h = () => s.handlers;

  it('creates each annotation kind and reads back the exact geometry', async () => {
    const frameId = r.frameIds[0]!;
    const shapes = [
      { kind: 'box', geometry: { x: 0.1234567891234, y: 0.2, w: 0.3, h: 0.1 / 3 } },
      { kind: 'ellipse', geometry: { x: 0.5, y: 0.5, w: 0.25, h: 0.125 } },
      { kind: 'arrow', geometry: { x1: 0, y1: 1, x2: 1 / 7, y2: 0.9 } },
      { kind: 'freehand', geometry: { points: [0.1, 0.1, 0.2, 0.25, 0.3, 0.333333333333] } },
      { kind: 'text', geometry: { x: 0.4, y: 0.6, text: 'Rhexis edge' } },
    ] as const;
    const created = [];
    for (const shape of shapes) created.push(await h()['annotations.create']({ frameId, ...shape, label: null, color: '#FF0000' } as never));
    const listed = await h()['annotations.listForFrame']({ frameId });
    expect(listed.map((a) => [a.kind, a.geometry])).toEqual(shapes.map((x) => [x.kind, x.geometry]));
    expect(listed.every((a) => a.author === ALICE && a.color === '#ff0000' && a.reviewId === r.reviewId)).toBe(true);
    expect(await h()['annotations.listForReview']({ reviewId: r.reviewId })).toEqual(listed);
    expect(created.map((a) => a.id)).toEqual(listed.map((a) => a.id));
  });

  it('updates, deletes and restores under the same id, each change in the audit log with before and after', async () => {
    const a = await h()['annotations.create']({ frameId: r.frameIds[0]!, kind: 'box', geometry: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 } });
    const moved = await h()['annotations.update']({ id: a.id, patch: { geometry: { x: 0.3, y: 0.4, w: 0.2, h: 0.2 }, label: 'capsulorhexis' } });
    expect(moved).toMatchObject({ id: a.id, geometry: { x: 0.3, y: 0.4, w: 0.2, h: 0.2 }, label: 'capsulorhexis' });
    await h()['annotations.delete']({ id: a.id });
    expect(await h()['annotations.listForFrame']({ frameId: r.frameIds[0]! })).toEqual([]);
    // A new annotation never takes the deleted one's id.
    const other = await h()['annotations.create']({ frameId: r.frameIds[0]!, kind: 'arrow', geometry: { x1: 0, y1: 0, x2: 1, y2: 1 } });
    expect(other.id).toBeGreaterThan(a.id);
    const back = await h()['annotations.restore']({ id: a.id });
    expect(back).toMatchObject({ id: a.id, geometry: moved.geometry, label: 'capsulorhexis', createdAt: a.createdAt });
    expect(await h()['annotations.restore']({ id: a.id })).toEqual(back); // a second undo is harmless

    const log = await h()['audit.list']({ entity: 'annotation', entityId: a.id });
    expect(log.map((e) => e.action)).toEqual(['restore', 'delete', 'update', 'create']);
    expect(log.every((e) => e.actor === ALICE && e.reviewId === r.reviewId)).toBe(true);
    expect(log[3]).toMatchObject({ before: null, after: { id: a.id, geometry: a.geometry } });
    expect(log[2]).toMatchObject({ before: { geometry: a.geometry, label: null }, after: { geometry: moved.geometry, label: 'capsulorhexis' } });
    expect(log[1]).toMatchObject({ before: { id: a.id }, after: null });
    expect((await h()['audit.list']({ reviewId: r.reviewId })).length).toBe(5);
    expect(events.filter((e) => (e as { name: string }).name === 'library.changed')).toHaveLength(6);
  });

  it('refuses a geometry of another kind, and a restore of something never deleted, changing nothing', async () => {
    const a = await h()['annotations.create']({ frameId: r.frameIds[0]!, kind: 'arrow', geometry: { x1: 0, y1: 0, x2: 1, y2: 1 } });
    await expect(h()['annotations.update']({ id: a.id, patch: { geometry: { x: 0, y: 0, w: 1, h: 1 } } })).rejects.toThrow(/does not fit a arrow annotation/);
    await expect(h()['annotations.restore']({ id: 999 })).rejects.toThrow(/nothing to restore/);
    await expect(h()['annotations.create']({ frameId: 9999, kind: 'box', geometry: { x: 0, y: 0, w: 1, h: 1 } })).rejects.toThrow(/Frame 9999 does not exist/);
    expect((await h()['audit.list']({})).length).toBe(1);
  });

  it('writes nothing when the audit row cannot be written (one transaction)', async () => {
    db.exec('DROP TABLE audit_log');
    await expect(h()['annotations.create']({ frameId: r.frameIds[0]!, kind: 'box', geometry: { x: 0, y: 0, w: 1, h: 1 } })).rejects.toThrow();
    expect(db.prepare('SELECT count(*) FROM annotations').pluck().get()).toBe(0);
  });

  it('locks a final review against changes', async () => {
    const a = await h()['annotations.create']({ frameId: r.frameIds[0]!, kind: 'box', geometry: { x: 0, y: 0, w: 1, h: 1 } });
    db.prepare("UPDATE reviews SET status = 'final' WHERE id = ?").run(r.reviewId);
    await expect(h()['annotations.update']({ id: a.id, patch: { label: 'x' } })).rejects.toThrow('This review was finalised and is locked. Reopen it (with a reason) to change it.');
    await expect(h()['notes.create']({ reviewId: r.reviewId, text: 'late' })).rejects.toThrow(/final/);
    await expect(h()['tags.add']({ reviewId: r.reviewId, kind: 'free', value: 'late' })).rejects.toThrow(/final/);
    expect(await h()['annotations.listForReview']({ reviewId: r.reviewId })).toHaveLength(1);
  });

  it('tags: vocabulary ids or labels, free text, added once, per review or per frame', async () => {
    const phase = await h()['tags.add']({ reviewId: r.reviewId, kind: 'phase', value: 'Capsulorhexis' });
    expect(phase).toMatchObject({ kind: 'phase', value: 'capsulorhexis', label: 'Capsulorhexis', frameId: null, author: ALICE });
    expect(await h()['tags.add']({ reviewId: r.reviewId, kind: 'phase', value: 'capsulorhexis' })).toEqual(phase);
    const finding = await h()['tags.add']({ reviewId: r.reviewId, frameId: r.frameIds[1]!, kind: 'finding', value: 'posterior-capsule-rupture' });
    await h()['tags.add']({ reviewId: r.reviewId, frameId: r.frameIds[1]!, kind: 'free', value: 'teaching case' });
    await expect(h()['tags.add']({ reviewId: r.reviewId, kind: 'instrument', value: 'hammer' })).rejects.toThrow(/not in the instrument vocabulary/);
    const other = seedReview(db);
    await expect(h()['tags.add']({ reviewId: r.reviewId, frameId: other.frameIds[0]!, kind: 'free', value: 'x' })).rejects.toThrow(/does not belong/);
    expect((await h()['tags.list']({ reviewId: r.reviewId })).map((t) => t.value)).toEqual(['capsulorhexis', 'posterior-capsule-rupture', 'teaching case']);
    expect((await h()['tags.list']({ reviewId: r.reviewId, frameId: null })).map((t) => t.value)).toEqual(['capsulorhexis']);
    expect((await h()['tags.list']({ reviewId: r.reviewId, frameId: r.frameIds[1]! })).map((t) => t.value)).toEqual(['posterior-capsule-rupture', 'teaching case']);
    await h()['tags.remove']({ id: finding.id });
    expect((await h()['tags.list']({ reviewId: r.reviewId })).map((t) => t.value)).toEqual(['capsulorhexis', 'teaching case']);
  });

  it('segments: create, edit, list in time order, delete; phases from the taxonomy', async () => {
    const late = await h()['segments.create']({ reviewId: r.reviewId, startFrame: 300, endFrame: 420, startTime: 10, endTime: 14, phase: 'phacoemulsification' });
    const early = await h()['segments.create']({ reviewId: r.reviewId, startFrame: 30, endFrame: 90, startTime: 1, endTime: 3, phase: 'capsulorhexis', label: 'rhexis' });
    expect((await h()['segments.list']({ reviewId: r.reviewId })).map((x) => x.id)).toEqual([early.id, late.id]);
    const edited = await h()['segments.update']({ id: early.id, patch: { endFrame: 120, endTime: 4, note: 'slow' } });
    expect(edited).toMatchObject({ startFrame: 30, endFrame: 120, endTime: 4, note: 'slow', phase: 'capsulorhexis', label: 'rhexis' });
    await expect(h()['segments.update']({ id: early.id, patch: { endFrame: 10 } })).rejects.toThrow(/ends at or after/);
    await expect(h()['segments.create']({ reviewId: r.reviewId, startFrame: 0, endFrame: 1, startTime: 0, endTime: 1, phase: 'lunch' })).rejects.toThrow(/not a Cataract-1K phase/);
    await h()['segments.delete']({ id: late.id });
    expect((await h()['segments.list']({ reviewId: r.reviewId })).map((x) => x.id)).toEqual([early.id]);
    expect((await h()['audit.list']({ reviewId: r.reviewId, entity: 'segment' })).map((e) => e.action)).toEqual(['delete', 'update', 'create', 'create']);
  });

  it('notes: on the review or a frame, edited and deleted', async () => {
    const general = await h()['notes.create']({ reviewId: r.reviewId, text: 'Smooth case overall.' });
    const onFrame = await h()['notes.create']({ reviewId: r.reviewId, frameId: r.frameIds[2]!, text: 'Watch the rhexis edge here.' });
    expect((await h()['notes.list']({ reviewId: r.reviewId, frameId: null })).map((n) => n.id)).toEqual([general.id]);
    expect((await h()['notes.list']({ reviewId: r.reviewId, frameId: r.frameIds[2]! })).map((n) => n.id)).toEqual([onFrame.id]);
    const edited = await h()['notes.update']({ id: general.id, text: 'Smooth case.' });
    expect(edited.text).toBe('Smooth case.');
    await h()['notes.delete']({ id: onFrame.id });
    expect((await h()['notes.list']({ reviewId: r.reviewId })).map((n) => n.text)).toEqual(['Smooth case.']);
  });

  it('search finds notes, analysis answers, labels, tags and case codes, with snippets and highlights', async () => {
    await h()['notes.create']({ reviewId: r.reviewId, frameId: r.frameIds[1]!, text: 'The rhexis ran out towards the periphery at six o’clock.' });
    seedAnalysis(db, r.frameIds[0]!, 'Stabilise the chamber before continuing the capsulorhexis.', 'The cystotome is visible.');
    await h()['annotations.create']({ frameId: r.frameIds[2]!, kind: 'box', geometry: { x: 0, y: 0, w: 0.5, h: 0.5 }, label: 'Zonular weakness' });
    await h()['annotations.create']({ frameId: r.frameIds[2]!, kind: 'text', geometry: { x: 0.1, y: 0.1, text: 'iris hooks' } });
    await h()['tags.add']({ reviewId: r.reviewId, kind: 'finding', value: 'vitreous-loss' });

    const find = async (text: string) => (await h()['search.query']({ text })).hits;
    const note = (await find('periphery'))[0]!;
    expect(note).toMatchObject({ kind: 'note', caseCode: 'CAT-100', reviewId: r.reviewId, frameId: r.frameIds[1], frameIndex: 30, status: 'draft', title: 'Note' });
    expect(note.highlights.map(([a, b]) => note.snippet.slice(a, b))).toEqual(['periphery']);
    expect((await find('stabilise chamber'))[0]).toMatchObject({ kind: 'analysis', frameId: r.frameIds[0], frameIndex: 0 });
    expect((await find('cystotome'))[0]).toMatchObject({ kind: 'analysis' });
    expect((await find('zonular'))[0]).toMatchObject({ kind: 'annotation', title: 'Annotation (box)', frameIndex: 60 });
    expect((await find('iris hoo'))[0]).toMatchObject({ kind: 'annotation', title: 'Annotation (text)' });
    expect((await find('vitreous'))[0]).toMatchObject({ kind: 'tag', title: 'Tag (finding)' });
    expect((await find('CAT-100'))[0]).toMatchObject({ kind: 'case', caseId: r.caseId });
    expect(await find('capsulo')).toHaveLength(1); // prefix on the last word
    expect(await find('"unbalanced NEAR(')).toEqual([]); // FTS operators are plain words
    expect(await find('nothing-like-this')).toEqual([]);
  });

  it('search filters by phase, instrument, status and date, and sorts; no text lists reviews', async () => {
    const a = r;
    const b = seedReview(db, { code: 'CAT-200', surgeryDate: '2026-03-01' });
    const c = seedReview(db, { code: 'CAT-300', surgeryDate: null, at: '2025-12-24T10:00:00.000Z' });
    for (const x of [a, b, c]) await h()['notes.create']({ reviewId: x.reviewId, text: 'posterior capsule looked intact' });
    await h()['tags.add']({ reviewId: a.reviewId, kind: 'phase', value: 'phacoemulsification' });
    await h()['segments.create']({ reviewId: b.reviewId, startFrame: 0, endFrame: 10, startTime: 0, endTime: 0.3, phase: 'phacoemulsification' });
    await h()['tags.add']({ reviewId: b.reviewId, kind: 'instrument', value: 'katena-forceps' });
    db.prepare("UPDATE reviews SET status = 'final' WHERE id = ?").run(c.reviewId);

    const codes = async (q: Parameters<ReviewServices['handlers']['search.query']>[0]) =>
      ((await h()['search.query'](q)) as { hits: Array<{ caseCode: string }> }).hits.map((x) => x.caseCode);
    expect((await codes({ text: 'capsule' })).sort()).toEqual(['CAT-100', 'CAT-200', 'CAT-300']);
    expect((await codes({ text: 'capsule', filters: { phase: 'phacoemulsification' } })).sort()).toEqual(['CAT-100', 'CAT-200']);
    expect(await codes({ text: 'capsule', filters: { instrument: 'katena-forceps' } })).toEqual(['CAT-200']);
    expect(await codes({ text: 'capsule', filters: { status: 'final' } })).toEqual(['CAT-300']);
    expect(await codes({ text: 'capsule', filters: { dateFrom: '2026-02-01' } })).toEqual(['CAT-200']);
    expect(await codes({ text: 'capsule', filters: { dateTo: '2025-12-31' } })).toEqual(['CAT-300']);
    expect(await codes({ text: 'capsule', sort: 'case' })).toEqual(['CAT-100', 'CAT-200', 'CAT-300']);
    const browse = await h()['search.query']({ text: '', filters: { status: 'draft' }, sort: 'case' });
    expect(browse.hits.map((x) => [x.kind, x.caseCode])).toEqual([
      ['review', 'CAT-100'],
      ['review', 'CAT-200'],
    ]);
    expect(browse.total).toBe(2);
    const page = await h()['search.query']({ text: 'capsule', limit: 2 });
    expect(page.hits).toHaveLength(2);
    expect(page.total).toBe(3);
  });

  it('search forgets what was deleted, including everything under a deleted case', async () => {
    const n = await h()['notes.create']({ reviewId: r.reviewId, text: 'hydrodissection wave seen' });
    await h()['annotations.create']({ frameId: r.frameIds[0]!, kind: 'box', geometry: { x: 0, y: 0, w: 1, h: 1 }, label: 'hydrodissection' });
    expect((await h()['search.query']({ text: 'hydrodissection' })).hits).toHaveLength(2);
    await h()['notes.delete']({ id: n.id });
    expect((await h()['search.query']({ text: 'hydrodissection' })).hits.map((x) => x.kind)).toEqual(['annotation']);
    db.prepare('DELETE FROM cases WHERE id = ?').run(r.caseId);
    expect((await h()['search.query']({ text: 'hydrodissection' })).hits).toEqual([]);
    expect(db.prepare('SELECT count(*) FROM search_fts').pluck().get()).toBe(0);
  });

  it('recent reviews: the last worked on first, with counts', async () => {
    const older = seedReview(db, { code: 'OLD-1', at: '2025-01-01T00:00:00.000Z' });
    seedReview(db, { code: 'NEW-1', at: '2025-06-01T00:00:00.000Z' });
    db.prepare("UPDATE reviews SET updated_at = '2024-01-01T00:00:00.000Z' WHERE id = ?").run(r.reviewId);
    expect((await h()['reviews.recent']({})).map((x) => x.caseCode)).toEqual(['NEW-1', 'OLD-1', 'CAT-100']);
    await h()['annotations.create']({ frameId: older.frameIds[0]!, kind: 'box', geometry: { x: 0, y: 0, w: 1, h: 1 } });
    await h()['notes.create']({ reviewId: older.reviewId, text: 'x' });
    const list = await h()['reviews.recent']({ limit: 2 });
    expect(list.map((x) => x.caseCode)).toEqual(['OLD-1', 'NEW-1']);
    expect(list[0]).toMatchObject({ id: older.reviewId, frameCount: 2, annotationCount: 1, noteCount: 1, videoName: 'OLD-1.mp4', status: 'draft' });
  });

  it('taxonomy: the Cataract-1K vocabularies plus findings and severity, with phase colours', () => {
    const t = h()['taxonomy.get']({}) as Taxonomy;
    expect(t.phases.map((p) => p.id)).toContain('capsulorhexis');
    expect(t.phases.every((p) => /^#[0-9a-f]{6}$/.test(p.color ?? ''))).toBe(true);
    expect(t.findings.length).toBeGreaterThan(10);
    expect(t.severity.map((x) => x.id)).toEqual(['none', 'mild', 'moderate', 'severe']);
  });

  it('migrating a library from before 0005 indexes the cases and analyses it already holds', async () => {
    const old = new BetterSqlite3(':memory:');
    migrate(old, { migrations: MIGRATIONS.filter((m) => m.version < 5) });
    const seeded = seedReview(old, { code: 'OLD-42', notes: 'legacy hyphema case' });
    seedAnalysis(old, seeded.frameIds[0]!, 'Irrigate the chamber before proceeding.');
    migrate(old);
    const s2 = createReviewServices({ db: old, actor: () => ALICE });
    const kinds = (text: string) => (s2.handlers['search.query']({ text }) as { hits: Array<{ kind: string; caseCode: string }> }).hits.map((h) => `${h.kind}:${h.caseCode}`);
    expect(kinds('hyphema')).toEqual(['case:OLD-42']);
    expect(kinds('irrigate')).toEqual(['analysis:OLD-42']);
    await s2.handlers['notes.create']({ reviewId: seeded.reviewId, text: 'irrigate again later' });
    expect((s2.handlers['search.query']({ text: 'irrigate', sort: 'newest' }) as { hits: Array<{ kind: string }> }).hits.map((h) => h.kind)).toEqual(['note', 'analysis']);
  });
});
