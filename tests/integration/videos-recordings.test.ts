// Recordings as operating rooms write them, through the real services: a clock that starts late (times from the
// first frame, media times exact), whether it decodes being the renderer's decoder's answer (HEVC both ways), MKV as
// it is, colour tags kept, and libraries from before (migration 0009).
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../electron/core/db/migrate';
import { MIGRATIONS } from '../../electron/core/db/migrations/index';
import { encodeFloat64 } from '../../electron/core/videos/videos-repo';
import { intervalPlan } from '../../electron/core/timeline/sampling';
import { startTestServices, type TestServices } from '../fixtures/services';
import { runVideoJob } from '../fixtures/video-jobs';
import { makeTestVideo, readFrameIndex } from '../fixtures/videos';

describe('recordings', () => {
  let s: TestServices;
  let caseId: number;

  beforeAll(async () => {
    s = startTestServices();
    caseId = (await s.call('cases.create', { code: 'REC-1', surgeryDate: null, eye: 'OD', surgeon: '', notes: '' })).id;
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a recording whose timestamps start at 10 s: duration from the first frame, media times exact', async () => {
    const v = await makeTestVideo({ startSeconds: 10, durationSeconds: 5, fps: '25' });
    const probe = await s.call('videos.probe', { path: v.file });
    expect(probe).toMatchObject({ playable: true, startSeconds: 10, frameCount: 125 });
    expect(probe.durationSeconds).toBeCloseTo(5, 3);
    expect(probe.summary).toMatch(/, 0:05$/);
    const { end } = await runVideoJob(s, s.call('videos.import', { caseId, path: v.file }));
    expect(end.phase).toBe('done');
    const video = end.video!;
    expect(video.startSeconds).toBeCloseTo(10, 6);
    expect(video.durationSeconds).toBeCloseTo(5, 3);
    const tl = await s.call('videos.timeline', { id: video.id });
    expect(tl.pts[0]).toBeCloseTo(10, 6);
    expect(tl.startSeconds).toBe(tl.pts[0]);
    // The phase timeline samples from the first frame: "every 1 s" is frames 0, 25, 50…, at media times 10, 11, 12…
    const plan = intervalPlan(tl.pts, tl.durationSeconds, 1);
    expect(plan.map((p) => p.frameIndex)).toEqual([0, 25, 50, 75, 100]);
    expect(plan[2]!.time).toBeCloseTo(12, 6);
    // A capture stores the exact media time (past the end is refused by the media time, not by the duration).
    const review = await s.call('reviews.open', { caseId, videoId: video.id });
    const { PNG } = await import('pngjs');
    const png = new Uint8Array(PNG.sync.write(new PNG({ width: video.width, height: video.height })));
    const frame = await s.call('frames.capture', { reviewId: review.id, frameIndex: 100, mediaTime: tl.pts[100]!, data: png });
    expect(frame.mediaTime).toBeCloseTo(14, 6);
    await expect(s.call('frames.capture', { reviewId: review.id, frameIndex: 100, mediaTime: 15.2, data: png })).rejects.toThrow(/past the end of the video \(15\.000 s\)/);
    // ffmpeg takes timeline frames by their own timestamps (it used to seek 10 s too far on such a file).
    const { extractFramePng } = await import('../../electron/core/timeline/frame-extract');
    const { findFfmpeg } = await import('../../electron/core/ffmpeg/ffmpeg-binary');
    const out = await extractFramePng({ ffmpeg: findFfmpeg()!.ffmpeg, file: v.file, pts: tl.pts, frameIndex: 60 });
    const decoded = PNG.sync.read(Buffer.from(out));
    const { decodeFrameIndex } = await import('../fixtures/videos');
    expect(decodeFrameIndex(decoded.data, decoded.width, decoded.height)).toBe(60);
  });

  it('H.264 in MKV is imported as it is, served as video/x-matroska', async () => {
    const v = await makeTestVideo({ container: 'mkv', durationSeconds: 2 });
    const { end } = await runVideoJob(s, s.call('videos.import', { caseId, path: v.file, playsHere: true }));
    expect(end.phase).toBe('done');
    expect(end.video).toMatchObject({ container: 'MKV', convertedFrom: null, frameCount: 60 });
    expect(s.services.resolveVideo(end.video!.id)?.mime).toBe('video/x-matroska');
  });

  it("HEVC: imported where the renderer's decoder plays it, refused with a conversion where it does not", async () => {
    const v = await makeTestVideo({ codec: 'hevc', durationSeconds: 1 });
    const refused = await runVideoJob(s, s.call('videos.import', { caseId, path: v.file, playsHere: false }));
    expect(refused.end.phase).toBe('failed');
    expect(refused.end.message).toMatch(/^This is HEVC \(H\.265\) video, which this app cannot decode on this computer\. Convert it to H\.264/);
    // Nobody asked (a CLI): the app's own guess, which does not count on HEVC.
    expect((await runVideoJob(s, s.call('videos.import', { caseId, path: v.file }))).end.phase).toBe('failed');
    // macOS / Windows: the platform decodes HEVC, the renderer says so, the file is registered as it is.
    const { end } = await runVideoJob(s, s.call('videos.import', { caseId, path: v.file, playsHere: true }));
    expect(end.phase).toBe('done');
    expect(end.video).toMatchObject({ codec: 'hevc', convertedFrom: null, frameCount: 30 });
    expect(await readFrameIndex(end.video!.path, { index: 17 })).toBe(17);
  });

  it("a decoder that says no is believed even for H.264 (a profile this computer's decoder lacks)", async () => {
    const v = await makeTestVideo({ durationSeconds: 1, fps: '25' });
    const { end } = await runVideoJob(s, s.call('videos.import', { caseId, path: v.file, playsHere: false }));
    expect(end.phase).toBe('failed');
    expect(end.message).toMatch(/^This is H\.264 video, which this app cannot play on this computer\. Convert it to H\.264/);
  });

  it("keeps the stream's colour tags", async () => {
    const tagged = await makeTestVideo({ colour: 'bt709', durationSeconds: 1, pattern: 'gradients' });
    const untagged = await makeTestVideo({ durationSeconds: 1, pattern: 'gradients' });
    const a = (await runVideoJob(s, s.call('videos.import', { caseId, path: tagged.file }))).end.video!;
    const b = (await runVideoJob(s, s.call('videos.import', { caseId, path: untagged.file }))).end.video!;
    expect(a.colour).toEqual({ matrix: 'bt709', primaries: 'bt709', transfer: 'bt709', fullRange: false });
    expect(b.colour).toEqual({ matrix: null, primaries: null, transfer: null, fullRange: null });
  });
});

describe('migration 0009', () => {
  it('gives a library from before each video its first timestamp and the duration from it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mig9-'));
    try {
      const db = new Database(path.join(dir, 'lib.sqlite'));
      const before = MIGRATIONS.filter((m) => m.version < 9);
      migrate(db, { migrations: before });
      db.prepare("INSERT INTO cases (id, code, eye, surgeon, notes, created_at, updated_at) VALUES (1, 'C', NULL, '', '', 'x', 'x')").run();
      const insert = db.prepare(
        `INSERT INTO videos (id, case_id, file_name, path, size_bytes, quick_hash, container, mime, width, height, rotation, duration_seconds, frame_count, fps, variable_frame_rate, created_at)
         VALUES (?, 1, 'v.mp4', '/v.mp4', 1, ?, 'MP4', 'video/mp4', 64, 64, 0, ?, 3, 25, 0, 'x')`,
      );
      insert.run(1, 'a', 15.12);
      insert.run(2, 'b', 0.12);
      db.prepare('INSERT INTO video_timelines (video_id, pts, keyframes) VALUES (?, ?, ?)').run(1, encodeFloat64([10, 10.04, 10.08]), Buffer.alloc(4));
      db.prepare('INSERT INTO video_timelines (video_id, pts, keyframes) VALUES (?, ?, ?)').run(2, encodeFloat64([0, 0.04, 0.08]), Buffer.alloc(4));
      migrate(db);
      const rows = db.prepare('SELECT id, start_seconds, duration_seconds FROM videos ORDER BY id').all() as Array<{ id: number; start_seconds: number; duration_seconds: number }>;
      expect(rows[0]!.start_seconds).toBe(10);
      expect(rows[0]!.duration_seconds).toBeCloseTo(5.12, 6);
      expect(rows[1]).toEqual({ id: 2, start_seconds: 0, duration_seconds: 0.12 });
      db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
