// Videos, reviews and captured frames through the real services and database: import in place with progress,
// refusals that change nothing, re-linking a moved file, reviews, and exact-frame capture.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Video } from '../../electron/api/schemas-video';
import { HashCancelled, sha256WithProgress } from '../../electron/core/videos/hashing';
import { makePng } from '../fixtures/images';
import { startTestServices, type TestServices } from '../fixtures/services';
import { runVideoJob } from '../fixtures/video-jobs';
import { decodeFrameIndex, extractFrameRgb, ffprobeFrames, makeTestVideo } from '../fixtures/videos';

const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

function rowCounts(s: TestServices) {
  const n = (t: string) => s.services.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  return { videos: n('videos'), timelines: n('video_timelines'), reviews: n('reviews'), frames: n('frames') };
}

async function framePng(file: string, index: number): Promise<Uint8Array> {
  const f = await extractFrameRgb(file, { index });
  const png = new PNG({ width: f.width, height: f.height });
  for (let i = 0, j = 0; i < f.data.length; i += 3, j += 4) {
    png.data[j] = f.data[i]!;
    png.data[j + 1] = f.data[i + 1]!;
    png.data[j + 2] = f.data[i + 2]!;
    png.data[j + 3] = 255;
  }
  return new Uint8Array(PNG.sync.write(png));
}

describe('videos', () => {
  let s: TestServices;
  let caseId: number;
  let otherCaseId: number;
  let work: string;
  let file: string;
  let video: Video;

  beforeAll(async () => {
    s = startTestServices();
    caseId = (await s.call('cases.create', { code: 'VID-1', surgeryDate: null, eye: 'OS', surgeon: '', notes: '' })).id;
    otherCaseId = (await s.call('cases.create', { code: 'VID-2', surgeryDate: null, eye: null, surgeon: '', notes: '' })).id;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'videos-'));
    file = path.join(work, 'phaco 01.mp4');
    fs.copyFileSync((await makeTestVideo({ fps: '30000/1001' })).file, file);
  });
  afterAll(async () => {
    await s?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('imports a file in place with probing and hashing progress; the frame table is ffprobe\'s', async () => {
    const before = sha(file);
    const { end, events } = await runVideoJob(s, s.call('videos.import', { caseId, path: file }));
    expect(end.phase).toBe('done');
    const phases = events.map((e) => e.phase);
    expect(phases[0]).toBe('probing');
    expect(phases).toContain('hashing');
    expect(events.find((e) => e.phase === 'hashing')!.video).not.toBeNull(); // usable before the hash is done
    video = end.video!;
    expect(video).toMatchObject({
      caseId,
      fileName: 'phaco 01.mp4',
      path: file,
      sizeBytes: fs.statSync(file).size,
      sha256: before,
      container: 'MP4',
      codec: 'h264',
      width: 640,
      height: 360,
      frameCount: 90,
      variableFrameRate: false,
      convertedFrom: null,
      fileStatus: 'ok',
    });
    expect(video.fps).toBeCloseTo(30000 / 1001, 9);
    expect(video.quickHash).toMatch(/^[0-9a-f]{64}$/);
    expect(sha(file)).toBe(before);
    expect(fs.existsSync(path.join(s.dataDir, 'videos'))).toBe(false); // registered in place, never copied

    const tl = await s.call('videos.timeline', { id: video.id });
    const truth = await ffprobeFrames(file);
    expect(tl.pts).toHaveLength(90);
    tl.pts.forEach((p, k) => expect(Math.abs(p - truth.pts[k]!)).toBeLessThan(2e-6));
    expect(tl.keyframes).toEqual(truth.keyframes);
    expect(tl.durationSeconds).toBeCloseTo((90 * 1001) / 30000, 6);
    expect(await s.call('videos.list', { caseId })).toEqual([video]);
    expect(s.services.resolveVideo(video.id)).toEqual({ file, mime: 'video/mp4' });
  });

  it('importing the same file again gives the registered video', async () => {
    const { end } = await runVideoJob(s, s.call('videos.import', { caseId, path: file }));
    expect(end.phase).toBe('done');
    expect(end.video!.id).toBe(video.id);
    expect(rowCounts(s).videos).toBe(1);
  });

  it.each([
    ['HEVC', () => makeTestVideo({ codec: 'hevc' }), /^This is HEVC \(H\.265\) video, which this app cannot decode on this computer\./],
    ['a truncated MP4', () => makeTestVideo({ damage: 'truncated' }), /^The file is incomplete or damaged \(it ends after/],
    ['random bytes', () => makeTestVideo({ damage: 'random-bytes' }), /is not a video file \(it looks like unknown binary data/],
    [
      'a text file',
      async () => {
        const f = path.join(work, 'notes.txt');
        fs.writeFileSync(f, 'not a video\n');
        return { file: f };
      },
      /^"notes\.txt" is not a video file \(it looks like text\)\.$/,
    ],
  ])('refuses %s with its message and writes nothing', async (_name, make, message) => {
    const f = (await make()).file;
    const counts = rowCounts(s);
    const probe = await s.call('videos.probe', { path: f });
    expect(probe.playable).toBe(false);
    expect(probe.problem).toMatch(message);
    expect(rowCounts(s)).toEqual(counts);
    const { end } = await runVideoJob(s, s.call('videos.import', { caseId, path: f }));
    expect(end.phase).toBe('failed');
    expect(end.message).toBe(probe.problem);
    expect(end.video).toBeNull();
    expect(rowCounts(s)).toEqual(counts);
    expect(fs.existsSync(path.join(s.dataDir, 'videos'))).toBe(false);
  });

  it('refuses a missing file, a relative path and an unknown case before starting a job', async () => {
    await expect(s.call('videos.import', { caseId, path: path.join(work, 'gone.mp4') })).rejects.toMatchObject({ code: 'not-found' });
    await expect(s.call('videos.import', { caseId, path: 'relative.mp4' })).rejects.toThrow(/full path/);
    await expect(s.call('videos.import', { caseId: 9999, path: file })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('shows a moved file as missing, refuses a different file, and re-links the moved one', async () => {
    const moved = path.join(work, 'moved', 'phaco 01 (copy).mp4');
    fs.mkdirSync(path.dirname(moved));
    fs.renameSync(file, moved);
    expect((await s.call('videos.get', { id: video.id })).fileStatus).toBe('missing');
    expect(s.services.resolveVideo(video.id)).toBeNull();

    const other = (await makeTestVideo({})).file;
    await expect(s.call('videos.relink', { id: video.id, path: other })).rejects.toThrow(/is not the same video: it is [\d.]+ MB, but "phaco 01\.mp4" was/);
    const sameSize = path.join(work, 'same-size.mp4');
    const bytes = fs.readFileSync(moved);
    const mid = bytes.length >> 1;
    bytes[mid] = bytes[mid]! ^ 0xff;
    fs.writeFileSync(sameSize, bytes);
    await expect(s.call('videos.relink', { id: video.id, path: sameSize })).rejects.toThrow(/same size .* but different contents/);
    expect((await s.call('videos.get', { id: video.id })).path).toBe(file);

    const relinked = await s.call('videos.relink', { id: video.id, path: moved });
    expect(relinked).toMatchObject({ id: video.id, path: moved, fileName: 'phaco 01 (copy).mp4', fileStatus: 'ok', sha256: video.sha256 });
    expect(s.services.resolveVideo(video.id)?.file).toBe(moved);
    file = moved;
    video = relinked;
  });

  it('opens the reviewer\'s review, once, and updates where they left off and its status', async () => {
    const first = await s.call('reviews.open', { caseId, videoId: video.id });
    expect(first).toMatchObject({ caseId, videoId: video.id, reviewer: 'Reviewer', status: 'draft', lastFrameIndex: 0, finalisedAt: null });
    expect(await s.call('reviews.open', { caseId, videoId: video.id })).toEqual(first);
    await s.call('settings.update', { reviewerName: 'Dr. Okafor' });
    const hers = await s.call('reviews.open', { caseId, videoId: video.id });
    expect(hers.id).not.toBe(first.id);
    expect(hers.reviewer).toBe('Dr. Okafor');
    await s.call('settings.update', { reviewerName: '' });

    const moved = await s.call('reviews.update', { id: first.id, lastFrameIndex: 42 });
    expect(moved.lastFrameIndex).toBe(42);
    // Finalising needs the reviewer's name and role; it records both, keeps the position, and reopening clears them.
    await expect(s.call('reviews.finalise', { id: first.id })).rejects.toThrow(/Set your name and role/);
    await s.call('settings.update', { reviewerName: 'Dr. Okafor', reviewerRole: 'educator' });
    const final = await s.call('reviews.finalise', { id: first.id });
    expect(final).toMatchObject({ status: 'final', finalisedBy: 'Dr. Okafor', finalisedRole: 'educator', lastFrameIndex: 42 });
    expect(final.finalisedAt).not.toBeNull();
    expect(await s.call('reviews.reopen', { id: first.id, reason: 'Typo in a label.' })).toMatchObject({ status: 'draft', finalisedAt: null, finalisedBy: null, finalisedRole: null });
    await s.call('settings.update', { reviewerName: '', reviewerRole: null });
    await expect(s.call('reviews.update', { id: first.id, lastFrameIndex: 90 })).rejects.toThrow(/Frame 90 does not exist: the video has 90 frames/);
    await expect(s.call('reviews.open', { caseId: otherCaseId, videoId: video.id })).rejects.toThrow(/belongs to another case/);
    expect((await s.call('reviews.list', { caseId })).map((r) => r.id).sort()).toEqual([first.id, hers.id].sort());
  });

  it('stores the exact captured frame with its review, video, index and time; lists them by index', async () => {
    const review = await s.call('reviews.open', { caseId, videoId: video.id });
    const { pts } = await s.call('videos.timeline', { id: video.id });
    const counts = rowCounts(s);
    const late = await s.call('frames.capture', { reviewId: review.id, frameIndex: 61, mediaTime: pts[61]!, data: await framePng(file, 61) });
    expect(late).toMatchObject({ caseId, reviewId: review.id, videoId: video.id, frameIndex: 61, mediaTime: pts[61], mime: 'image/png', width: 640, height: 360 });
    const early = await s.call('frames.capture', { reviewId: review.id, frameIndex: 7, mediaTime: pts[7]!, data: await framePng(file, 7) });
    expect(rowCounts(s).frames).toBe(counts.frames + 2);

    // The stored bytes decode to the frame that was captured.
    const stored = s.services.resolveFrame(late.sha256)!;
    const png = PNG.sync.read(fs.readFileSync(stored.file));
    expect(decodeFrameIndex(png.data, png.width, png.height, 4)).toBe(61);

    expect((await s.call('frames.listForReview', { reviewId: review.id })).map((f) => f.frameIndex)).toEqual([7, 61]);
    expect((await s.call('frames.list', { caseId })).map((f) => f.id)).toEqual(expect.arrayContaining([early.id, late.id]));
    // The same frame captured again is the frame already stored.
    const again = await s.call('frames.capture', { reviewId: review.id, frameIndex: 7, mediaTime: pts[7]!, data: await framePng(file, 7) });
    expect(again.id).toBe(early.id);
    expect(rowCounts(s).frames).toBe(counts.frames + 2);
  });

  it('refuses a capture at another size, past the last frame or the end, or not a PNG, and stores nothing', async () => {
    const review = await s.call('reviews.open', { caseId, videoId: video.id });
    const counts = rowCounts(s);
    const good = await framePng(file, 3);
    await expect(s.call('frames.capture', { reviewId: review.id, frameIndex: 3, mediaTime: 0.1, data: makePng(320, 180) })).rejects.toThrow(
      "The captured frame is 320×180, but the video is 640×360. Capture the frame at the video's own size, not the size it is shown at.",
    );
    await expect(s.call('frames.capture', { reviewId: review.id, frameIndex: 90, mediaTime: 2.9, data: good })).rejects.toThrow(/Frame 90 does not exist: the video has 90 frames \(0–89\)/);
    await expect(s.call('frames.capture', { reviewId: review.id, frameIndex: 3, mediaTime: 60, data: good })).rejects.toThrow(/past the end of the video/);
    await expect(s.call('frames.capture', { reviewId: review.id, frameIndex: 3, mediaTime: 0.1, data: new Uint8Array(100) })).rejects.toThrow(/not a PNG image/);
    await expect(s.call('frames.capture', { reviewId: review.id, frameIndex: 3, mediaTime: 0.1, data: good.subarray(0, good.length - 20) })).rejects.toThrow(/incomplete/);
    await expect(s.call('frames.capture', { reviewId: 9999, frameIndex: 3, mediaTime: 0.1, data: good })).rejects.toMatchObject({ code: 'not-found' });
    await s.call('settings.update', { reviewerName: 'Dr. Okafor', reviewerRole: 'attending' });
    await s.call('reviews.finalise', { id: review.id });
    await expect(s.call('frames.capture', { reviewId: review.id, frameIndex: 3, mediaTime: 0.1, data: good })).rejects.toThrow(
      /finalised by Dr\. Okafor \(Attending surgeon\) .* Reopen it \(with a reason\) to capture more frames\./,
    );
    await s.call('reviews.reopen', { id: review.id, reason: 'One more frame.' });
    await s.call('settings.update', { reviewerName: '', reviewerRole: null });
    expect(rowCounts(s)).toEqual(counts);
  });

  it('removes only the registration (with its reviews and captures), never the file', async () => {
    const before = sha(file);
    const captured = (await s.call('frames.list', { caseId })).filter((f) => f.videoId === video.id);
    expect(captured.length).toBeGreaterThan(0);
    await s.call('videos.remove', { id: video.id });
    expect(sha(file)).toBe(before);
    await expect(s.call('videos.get', { id: video.id })).rejects.toMatchObject({ code: 'not-found' });
    expect(rowCounts(s)).toEqual({ videos: 0, timelines: 0, reviews: 0, frames: 0 });
    for (const f of captured) expect(s.services.resolveFrame(f.sha256)).toBeNull();
    expect(s.services.resolveVideo(video.id)).toBeNull();
  });
});

describe('hashing a large file', () => {
  it('reports progress and stops when cancelled', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hash-'));
    const big = path.join(dir, 'big.bin');
    fs.writeFileSync(big, Buffer.alloc(64 * 1024 * 1024, 7));
    const progress: number[] = [];
    const full = await sha256WithProgress(big, new AbortController().signal, (f) => progress.push(f));
    expect(full).toBe(sha(big));
    expect(progress.at(-1)).toBe(1);
    expect(progress.length).toBeGreaterThan(4);
    const c = new AbortController();
    let seen = 0;
    await expect(
      sha256WithProgress(big, c.signal, () => {
        if (++seen === 2) c.abort();
      }),
    ).rejects.toBeInstanceOf(HashCancelled);
    expect(seen).toBeLessThan(16);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
