// "Publish to department" and "Moving in" (issue #18), on a real department server over SQLite and over a real
// PostgreSQL: a workstation review arrives with its video (hash-equal), frames, annotations (exact geometry and
// labels), analyses, notes and tags (published again: a local edit carried, the department's edits and own rows kept,
// live events for viewers); a video the server has is not sent again; a cancelled upload resumes and sends only the rest;
// bytes that do not match their hash are refused and nothing is kept; importing a library twice changes nothing the
// second time and sends no bytes; a resident can publish; nothing answers without a session.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLibrary } from '../../electron/core/department-publish/import-library';
import { PublishCancelled, publishReview, type PublishProgress } from '../../electron/core/department-publish/publish';
import { DepartmentApiError, DepartmentClient } from '../../electron/core/department/client';
import { createLibraryStore } from '../../electron/core/department/library-store';
import type { LibraryNote } from '../../electron/core/department/notes-store';
import type { LibraryTag } from '../../electron/core/department/tags-store';
import { createReviewServices } from '../../electron/core/reviews/review-services';
import { inProcessReviewEvents, type ReviewEvent, type ReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { BACKENDS, openDepartment, PASSWORDS, testClock, type Department } from '../fixtures/department-library';
import { addLocalReview, DRAWN, openLocalFixture, sha256File, TAGGED, uniqueVideo, WRITTEN, type LocalFixture } from '../fixtures/local-review';
import { REPO_ROOT } from '../fixtures/videos';

const run = promisify(execFile);

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-publish-'));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(BACKENDS)('publishing to the department library on $name', (backend) => {
  let dept: Department;
  let server: DepartmentServer;
  let events: ReviewEvents;
  let mediaDir: string;
  const locals: LocalFixture[] = [];

  beforeAll(async () => {
    await backend.start();
    dept = await openDepartment(backend, testClock(new Date().toISOString())); // sessions expire in real time
    mediaDir = path.join(dir, `media-${backend.name}`);
    events = inProcessReviewEvents();
    const store = createLibraryStore(dept.handle, { now: dept.clock.now, changes: events.sink }); // its writes announced to viewers
    server = await startDepartmentServer({ accounts: dept.accounts, store, events, mediaDir });
  });
  afterAll(async () => {
    for (const l of locals) l.close();
    await server?.close();
    await backend.stop();
  });

  const local = (name: string) => {
    const l = openLocalFixture(path.join(dir, backend.name, name));
    locals.push(l);
    return l;
  };
  async function signedIn(username = 'rhea', password = PASSWORDS.resident): Promise<DepartmentClient> {
    const c = new DepartmentClient({ baseUrl: server.url });
    await c.login(username, password);
    return c;
  }
  async function counts() {
    const n = async (table: 'reviews' | 'annotations' | 'published_frames' | 'published_videos' | 'published_analyses' | 'notes' | 'tags') =>
      Number((await dept.handle.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    return {
      reviews: await n('reviews'),
      annotations: await n('annotations'),
      frames: await n('published_frames'),
      videos: await n('published_videos'),
      analyses: await n('published_analyses'),
      notes: await n('notes'),
      tags: await n('tags'),
    };
  }
  const mediaFiles = () => fs.readdirSync(mediaDir).filter((f) => f !== 'partial');
  const partials = () => fs.readdirSync(path.join(mediaDir, 'partial'));

  it('a resident publishes a review: the department has it, its frames, annotations and analyses, and the video hash-equal', async () => {
    const l = local('first');
    const video = await uniqueVideo(path.join(dir, 'videos'));
    const seeded = await addLocalReview(l, video, { frames: 3, code: 'PUB-1' });
    const rhea = await signedIn();
    const progress: PublishProgress[] = [];
    const result = await publishReview(l.library, rhea, seeded.reviewId, { onProgress: (p) => progress.push(p) });

    const pngBytes = seeded.frameShas.reduce((n, sha) => n + fs.statSync(path.join(l.dataDir, 'frames', sha.slice(0, 2), `${sha}.png`)).size, 0);
    expect(result).toMatchObject({ created: true, changed: true, sentBytes: video.size + pngBytes, skippedBytes: 0, video: { sha256: video.sha256, sentBytes: video.size } });
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['hashing', 'checking', 'uploading', 'publishing', 'done']));
    expect(progress.at(-1)).toMatchObject({ sentBytes: video.size + pngBytes, totalBytes: video.size + pngBytes });

    const review = await rhea.call<{ title: string; status: string }>('GET', `/api/reviews/${result.reviewId}`);
    expect(review).toMatchObject({ title: 'PUB-1 — Dr Rhea Resident', status: 'draft' });
    const annotations = await rhea.call<Array<{ kind: string; geometry: unknown; label: string | null; color: string; frameIndex: number; author: string }>>(
      'GET',
      `/api/reviews/${result.reviewId}/annotations`,
    );
    const frameOf = (i: number) => (i % 3) * 30; // seedReview's frames are at 0, 30, 60
    expect(annotations.map((a) => ({ kind: a.kind, geometry: a.geometry, label: a.label, color: a.color, frameIndex: a.frameIndex })).sort((a, b) => a.kind.localeCompare(b.kind))).toEqual(
      DRAWN.map((d, i) => ({ ...d, frameIndex: frameOf(i) })).sort((a, b) => a.kind.localeCompare(b.kind)),
    );
    expect(new Set(annotations.map((a) => a.author))).toEqual(new Set(['Dr Rhea Resident']));

    const published = await rhea.published(result.reviewId);
    expect(published).toMatchObject({ source: { caseCode: 'PUB-1', reviewer: 'Dr Rhea Resident' }, publishedBy: 'Dr Rhea Resident', video: { sha256: video.sha256, bytes: video.size } });
    expect(published.frames.map((f) => [f.frameIndex, f.mediaTime, f.sha256])).toEqual(seeded.frameShas.map((sha, i) => [i * 30, i, sha]));
    expect(published.analyses).toMatchObject([{ frameIndex: 0, status: 'completed', answer: 'Continue the capsulorhexis counter-clockwise.', thinking: 'The flap is folding over.' }]);

    // The bytes on the server are the video's, and it serves them back (whole and by range).
    expect(sha256File(path.join(mediaDir, video.sha256))).toBe(video.sha256);
    const whole = await rhea.raw({ method: 'GET', path: `/api/media/${video.sha256}/content` });
    expect(Number(whole.headers['content-length'])).toBe(video.size);
    const part = await rhea.raw({ method: 'GET', path: `/api/media/${video.sha256}/content`, headers: { Range: 'bytes=0-7' } });
    expect([part.status, part.headers['content-range']]).toEqual([206, `bytes 0-7/${video.size}`]);
    // As what they are (a browser's <video> and <img> take them), never left to the browser to guess.
    for (const res of [whole, part]) expect([res.headers['content-type'], res.headers['x-content-type-options']]).toEqual(['video/mp4', 'nosniff']);
    const frame = await rhea.raw({ method: 'GET', path: `/api/media/${seeded.frameShas[0]}/content` });
    expect([frame.status, frame.headers['content-type'], frame.headers['x-content-type-options']]).toEqual([200, 'image/png', 'nosniff']);

    const audit = await dept.store.audit({ entity: 'review', entityId: result.reviewId });
    expect(audit.map((a) => [a.action, a.user])).toEqual([['review.publish', 'Dr Rhea Resident']]);

    // Publishing it again changes nothing and sends nothing.
    const before = await counts();
    const again = await publishReview(l.library, rhea, seeded.reviewId);
    expect(again).toMatchObject({ reviewId: result.reviewId, created: false, changed: false, sentBytes: 0 });
    expect(await counts()).toEqual(before);
    expect(await dept.store.audit({ entity: 'review', entityId: result.reviewId })).toHaveLength(1);

    // A change on the workstation is carried over on the next publish, the rest stays as it was.
    l.db.prepare("UPDATE annotations SET label = 'capsulorhexis tear' WHERE id = ?").run(seeded.annotationIds[0]);
    const third = await publishReview(l.library, rhea, seeded.reviewId);
    expect(third).toMatchObject({ changed: true, sentBytes: 0, annotations: { created: 0, updated: 1, deleted: 0, unchanged: 3 } });
    expect((await rhea.call<Array<{ label: string }>>('GET', `/api/reviews/${result.reviewId}/annotations`)).map((a) => a.label)).toContain('capsulorhexis tear');

    // Signed off in the department: publishing the same again is fine, a change is refused with who signed it off.
    const { version } = await dept.store.reviews.get(result.reviewId);
    await dept.store.reviews.finalise(dept.attending, result.reviewId, version);
    expect(await publishReview(l.library, rhea, seeded.reviewId)).toMatchObject({ changed: false });
    l.db.prepare("UPDATE annotations SET label = 'radial tear' WHERE id = ?").run(seeded.annotationIds[0]);
    await expect(publishReview(l.library, rhea, seeded.reviewId)).rejects.toMatchObject({ status: 409, message: /signed off by Dr Amir Attending/ });
    expect((await rhea.call<Array<{ label: string }>>('GET', `/api/reviews/${result.reviewId}/annotations`)).map((a) => a.label)).not.toContain('radial tear');
  });

  it("carries the review's notes and tags: exactly there; unchanged, nothing written; a local edit carried; the department's edits and own rows kept", async () => {
    const l = local('notes-tags');
    const seeded = await addLocalReview(l, await uniqueVideo(path.join(dir, 'videos')), { frames: 3, code: 'NOTES-1' });
    const rhea = await signedIn();
    const first = await publishReview(l.library, rhea, seeded.reviewId);
    const id = first.reviewId;
    expect(first).toMatchObject({ notes: { created: 2, updated: 0, deleted: 0, unchanged: 0 }, tags: { created: 3, updated: 0, deleted: 0, unchanged: 0 } });
    const notes = async () => (await rhea.call<LibraryNote[]>('GET', `/api/reviews/${id}/notes`)).map((n) => [n.frameIndex, n.text, n.author, n.updatedBy, n.version]);
    const tags = async () => (await rhea.call<LibraryTag[]>('GET', `/api/reviews/${id}/tags`)).map((t) => [t.frameIndex, t.annotationId, t.kind, t.value, t.label, t.author]);
    expect(await notes()).toEqual(WRITTEN.map((n) => [n.onFrame ? 30 : null, n.text, 'Dr Rhea Resident', 'Dr Rhea Resident', 1]));
    expect(await tags()).toEqual([
      [null, null, 'phase', 'capsulorhexis', 'Capsulorhexis', 'Dr Rhea Resident'],
      [null, null, 'free', 'teaching case', 'teaching case', 'Dr Rhea Resident'],
      [30, null, 'finding', 'anterior-capsule-tear', 'Anterior capsule tear (rhexis run-out)', 'Dr Rhea Resident'],
    ]); // not the segment's tag: the department has no segments
    const published = await rhea.published(id);
    expect(published.notes.map((n) => [n.sourceId, n.author])).toEqual(seeded.noteIds.map((sourceId) => [sourceId, 'Dr Rhea Resident']));
    expect(published.tags.map((t) => t.sourceId)).toEqual(seeded.tagIds);
    const [audit] = await dept.store.audit({ entity: 'review', entityId: id });
    expect(audit?.detail).toMatchObject({ notes: { created: 2 }, tags: { created: 3 } });

    // The same again: nothing written.
    const before = await counts();
    expect(await publishReview(l.library, rhea, seeded.reviewId)).toMatchObject({ changed: false, notes: { unchanged: 2 }, tags: { unchanged: 3 } });
    expect(await counts()).toEqual(before);
    expect(await dept.store.audit({ entity: 'review', entityId: id })).toHaveLength(1);

    // A note edited on the workstation: carried, announced to the review's viewers.
    const seen: ReviewEvent[] = [];
    const stop = events.subscribe(id, (e) => seen.push(e));
    const app = createReviewServices({ db: l.db, actor: () => 'Dr Rhea Resident', emit: () => undefined });
    const call = async (name: 'notes.update' | 'notes.delete' | 'tags.add' | 'tags.remove', input: unknown) => (app.handlers[name] as (input: unknown) => unknown)(input);
    await call('notes.update', { id: seeded.noteIds[0], text: 'Good centration; the hydrodissection was brief.' });
    expect(await publishReview(l.library, rhea, seeded.reviewId)).toMatchObject({ changed: true, notes: { updated: 1, unchanged: 1 }, tags: { unchanged: 3 } });
    expect((await notes())[0]).toEqual([null, 'Good centration; the hydrodissection was brief.', 'Dr Rhea Resident', 'Dr Rhea Resident', 2]);
    expect(seen.map((e) => e.type)).toEqual(['note.updated', 'review.updated']);

    // The department edits the frame note and adds its own note and tag; the workstation edits that note too, deletes the
    // other, removes a tag and adds two (one the department already has).
    const noteId = (sourceId: number) => published.notes.find((n) => n.sourceId === sourceId)!.noteId;
    await dept.store.notes.update(dept.attending, noteId(seeded.noteIds[1]!), 1, 'Agreed: the run-out starts at 4 o’clock.');
    await dept.store.notes.create(dept.attending, id, { text: 'Case conference on Friday.' });
    await dept.store.tags.add(dept.attending, id, { kind: 'free', value: 'wet lab' });
    await call('notes.update', { id: seeded.noteIds[1], text: 'The workstation’s later edit.' });
    await call('notes.delete', { id: seeded.noteIds[0] });
    await call('tags.remove', { id: seeded.tagIds[1] });
    await call('tags.add', { reviewId: seeded.reviewId, kind: 'free', value: 'Wet lab' });
    await call('tags.add', { reviewId: seeded.reviewId, frameId: seeded.frameIds[1], kind: 'free', value: 'rhexis run-out' });
    seen.length = 0;
    expect(await publishReview(l.library, rhea, seeded.reviewId)).toMatchObject({
      notes: { created: 0, updated: 0, deleted: 1, unchanged: 1 },
      tags: { created: 1, updated: 0, deleted: 1, unchanged: 3 },
    });
    expect(await notes()).toEqual([
      [null, 'Case conference on Friday.', 'Dr Amir Attending', 'Dr Amir Attending', 1],
      [30, 'Agreed: the run-out starts at 4 o’clock.', 'Dr Rhea Resident', 'Dr Amir Attending', 2], // published by Rhea, edited by Amir
    ]);
    expect((await tags()).map(([frame, , kind, value, , author]) => [frame, kind, value, author])).toEqual([
      [null, 'phase', 'capsulorhexis', 'Dr Rhea Resident'],
      [null, 'free', 'wet lab', 'Dr Amir Attending'],
      [30, 'finding', 'anterior-capsule-tear', 'Dr Rhea Resident'],
      [30, 'free', 'rhexis run-out', 'Dr Rhea Resident'],
    ]);
    expect(seen.map((e) => e.type).sort()).toEqual(['note.deleted', 'review.updated', 'tag.created', 'tag.deleted']);

    // Deleted on the workstation after the department edited it: the department's note stays, nothing is written.
    await call('notes.delete', { id: seeded.noteIds[1] });
    seen.length = 0;
    expect(await publishReview(l.library, rhea, seeded.reviewId)).toMatchObject({ changed: false, notes: { deleted: 0, unchanged: 1 } });
    expect(await notes()).toHaveLength(2);
    expect(seen).toEqual([]);
    stop();
  });

  it('a second review of the same video sends no video bytes', async () => {
    const l = local('same-video');
    const video = await uniqueVideo(path.join(dir, 'videos'));
    const one = await addLocalReview(l, video, { code: 'SAME-1' });
    const two = await addLocalReview(l, video, { code: 'SAME-2' });
    const rhea = await signedIn();
    const first = await publishReview(l.library, rhea, one.reviewId);
    expect(first.video.sentBytes).toBe(video.size);
    const second = await publishReview(l.library, rhea, two.reviewId);
    expect(second.video.sentBytes).toBe(0);
    expect(second.sentBytes).toBeLessThan(video.size / 10); // only its two small frames
    expect(second.skippedBytes).toBe(video.size);
    expect((await rhea.published(second.reviewId)).video.sha256).toBe(video.sha256);
    expect(second.reviewId).not.toBe(first.reviewId);
  });

  it('an upload cancelled mid-way resumes from what the server holds and sends only the rest', async () => {
    const l = local('cancel');
    const video = await uniqueVideo(path.join(dir, 'videos'));
    const seeded = await addLocalReview(l, video, { code: 'CANCEL-1' });
    const rhea = await signedIn();
    const chunkBytes = 64 * 1024;
    expect(video.size).toBeGreaterThan(4 * chunkBytes);
    const reviewsBefore = (await counts()).reviews;

    const controller = new AbortController();
    let sentBeforeCancel = 0;
    const cancelled = await publishReview(l.library, rhea, seeded.reviewId, {
      chunkBytes,
      signal: controller.signal,
      onProgress: (p) => {
        sentBeforeCancel = p.sentBytes;
        // Into the second part: the first is acknowledged, the second in flight.
        if (p.current?.kind === 'video' && p.sentBytes > chunkBytes + 1000) controller.abort();
      },
    }).catch((err: unknown) => err);
    expect(cancelled).toBeInstanceOf(PublishCancelled);
    expect((await counts()).reviews).toBe(reviewsBefore); // nothing published
    expect(mediaFiles()).not.toContain(video.sha256);

    // Once the server has finished with the cancelled request, it holds a part of the video.
    let held = (await rhea.mediaStatuses([video.sha256]))[0]!;
    while (held.uploading) held = (await rhea.mediaStatuses([video.sha256]))[0]!;
    expect(held.received).toBeGreaterThanOrEqual(chunkBytes);
    expect(held.received).toBeLessThanOrEqual(sentBeforeCancel);
    expect(held).toMatchObject({ size: video.size, complete: false });
    expect(partials()).toContain(`${video.sha256}.part`);

    const resumed = await publishReview(l.library, rhea, seeded.reviewId, { chunkBytes });
    expect(resumed.video.sentBytes).toBe(video.size - held.received);
    expect(resumed.skippedBytes).toBe(held.received);
    expect(sha256File(path.join(mediaDir, video.sha256))).toBe(video.sha256);
    expect(partials()).not.toContain(`${video.sha256}.part`);
    expect(resumed.created).toBe(true);
  });

  it('refuses bytes that do not match their sha256 and keeps nothing of them', async () => {
    const rhea = await signedIn();
    const right = crypto.randomBytes(5000);
    const wrong = crypto.randomBytes(5000);
    const sha = crypto.createHash('sha256').update(right).digest('hex');
    const refused = await rhea.uploadMedia(sha, { source: { bytes: wrong }, start: 0, end: wrong.length, total: wrong.length }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DepartmentApiError);
    expect(refused).toMatchObject({ status: 422, error: { message: expect.stringMatching(/do not match their sha256.*Nothing was kept/) } });
    expect((await rhea.mediaStatuses([sha]))[0]).toMatchObject({ received: 0, complete: false, size: null });
    expect(mediaFiles()).not.toContain(sha);
    expect(partials().filter((f) => f.startsWith(sha))).toEqual([]);

    // Every byte arrived but the server stopped before storing the file: the next look finishes it (or drops bad bytes).
    const stopped = { good: crypto.randomBytes(3000), bad: crypto.randomBytes(3000) };
    const goodSha = crypto.createHash('sha256').update(stopped.good).digest('hex');
    const badSha = crypto.createHash('sha256').update(crypto.randomBytes(8)).digest('hex');
    for (const [name, bytes] of [[goodSha, stopped.good], [badSha, stopped.bad]] as const) {
      fs.writeFileSync(path.join(mediaDir, 'partial', `${name}.part`), bytes);
      fs.writeFileSync(path.join(mediaDir, 'partial', `${name}.size`), String(bytes.length));
    }
    expect(await rhea.mediaStatuses([goodSha, badSha])).toMatchObject([
      { sha256: goodSha, complete: true, received: 3000 },
      { sha256: badSha, complete: false, received: 0 },
    ]);
    expect(partials().filter((f) => f.startsWith(goodSha) || f.startsWith(badSha))).toEqual([]);

    // A workstation whose video changed on disk after it was hashed: the publish is refused, nothing is published.
    const l = local('changed-video');
    const video = await uniqueVideo(path.join(dir, 'videos'));
    const seeded = await addLocalReview(l, video, { code: 'CHANGED-1' });
    const hashedBefore = crypto.createHash('sha256').update(crypto.randomBytes(64)).digest('hex');
    l.db.prepare('UPDATE videos SET sha256 = ? WHERE id = ?').run(hashedBefore, seeded.videoId);
    const before = await counts();
    await expect(publishReview(l.library, rhea, seeded.reviewId)).rejects.toMatchObject({ status: 422 });
    expect(await counts()).toEqual(before);
  });

  it('moves a library in: stopped mid-way and run again it finishes; a second run sends nothing and changes nothing', async () => {
    const l = local('moving-in');
    const video = await uniqueVideo(path.join(dir, 'videos'));
    const other = await uniqueVideo(path.join(dir, 'videos'));
    for (const [i, v] of [video, video, other].entries()) await addLocalReview(l, v, { code: `MOVE-${i + 1}` });
    l.close();
    locals.splice(locals.indexOf(l), 1);
    const before = await counts();
    const rhea = await signedIn();

    const controller = new AbortController();
    const stopped = await importLibrary(l.file, rhea, {
      signal: controller.signal,
      chunkBytes: 64 * 1024,
      onProgress: (p) => {
        if (p.review === 3 && p.publish.current?.kind === 'video' && p.publish.sentBytes > 70 * 1024) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(PublishCancelled);
    expect((await counts()).reviews).toBe(before.reviews + 2);

    const finished = await importLibrary(l.file, rhea, { chunkBytes: 64 * 1024 });
    expect(finished).toMatchObject({ reviews: 3, failed: [], created: 1 });
    expect(finished.published[2]!.video.sentBytes).toBeLessThan(other.size);
    const after = await counts();
    expect(after).toEqual({
      reviews: before.reviews + 3,
      videos: before.videos + 2,
      frames: before.frames + 6,
      annotations: before.annotations + 12,
      analyses: before.analyses + 3,
      notes: before.notes + 3 * WRITTEN.length,
      tags: before.tags + 3 * TAGGED.length, // not the segments' tags
    });
    for (const r of finished.published) expect((await rhea.published(r.reviewId)).notes.map((n) => n.author)).toEqual(WRITTEN.map(() => 'Dr Rhea Resident'));

    // Again, through the command line: nothing to send, nothing changes.
    const cli = await run(process.execPath, ['--import', 'tsx', 'scripts/import-department.ts', '--library', l.file, '--server', server.url, '--user', 'rhea', '--json'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DEPARTMENT_PASSWORD: PASSWORDS.resident },
    });
    expect(JSON.parse(cli.stdout.trim().split('\n').at(-1)!)).toEqual({ reviews: 3, published: 3, created: 0, changed: 0, failed: [], sent_bytes: 0, skipped_bytes: expect.any(Number) });
    expect(await counts()).toEqual(after);
  });
});
