// Converting what does not play (HEVC) to H.264 with the system ffmpeg: progress, the original untouched, every
// frame kept at its timestamp (the burned-in frame code proves it), cancel leaving nothing behind, and the
// message when there is no ffmpeg.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFfmpeg } from '../../electron/core/videos/ffmpeg-tools';
import { probeVideo } from '../../electron/core/videos/probe';
import { startTestServices, type TestServices } from '../fixtures/services';
import { runVideoJob } from '../fixtures/video-jobs';
import { ffprobeFrames, makeTestVideo, readFrameIndex } from '../fixtures/videos';

const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const tools = findFfmpeg();

describe('converting to H.264', () => {
  let s: TestServices;
  let caseId: number;
  let work: string;

  beforeAll(async () => {
    s = startTestServices();
    caseId = (await s.call('cases.create', { code: 'CONV-1', surgeryDate: null, eye: null, surgeon: '', notes: '' })).id;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'convert-'));
  });
  afterAll(async () => {
    await s?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });
  const leftovers = () => (fs.existsSync(path.join(s.dataDir, 'videos')) ? fs.readdirSync(path.join(s.dataDir, 'videos')) : []);

  it('converts HEVC with progress; the copy plays and frame k is still frame k at its time', async () => {
    const original = path.join(work, 'hevc clip.mp4');
    fs.copyFileSync((await makeTestVideo({ codec: 'hevc', fps: '30000/1001' })).file, original);
    const before = sha(original);
    const { end, events } = await runVideoJob(s, s.call('videos.convert', { caseId, path: original }));
    expect(end.message).toBeNull();
    expect(end.phase).toBe('done');
    const phases = [...new Set(events.map((e) => e.phase))];
    expect(phases).toEqual(['probing', 'converting', 'hashing', 'done']);
    const converting = events.filter((e) => e.phase === 'converting').map((e) => e.progress!);
    expect(converting[0]).toBe(0);
    expect(converting.at(-1)).toBe(1);
    expect([...converting].sort((a, b) => a - b)).toEqual(converting);

    const v = end.video!;
    expect(sha(original)).toBe(before);
    expect(v.convertedFrom).toBe(original);
    expect(v.path).toBe(path.join(s.dataDir, 'videos', 'hevc_clip-h264.mp4'));
    expect(v).toMatchObject({ codec: 'h264', container: 'MP4', width: 640, height: 360, frameCount: 90, fileStatus: 'ok' });
    expect((await probeVideo(v.path, { ffprobe: null, ffmpegAvailable: true })).probe.playable).toBe(true);
    expect(leftovers()).toEqual(['hevc_clip-h264.mp4']);

    const truth = await ffprobeFrames(original);
    const tl = await s.call('videos.timeline', { id: v.id });
    tl.pts.forEach((p, k) => expect(Math.abs(p - truth.pts[k]!)).toBeLessThan(2e-6));
    expect(tl.keyframes).toEqual([0, 30, 60]); // GOP = round(29.97) = 30
    for (const k of [0, 1, 29, 30, 55, 89]) {
      expect(await readFrameIndex(v.path, { index: k })).toBe(k);
      expect(await readFrameIndex(v.path, { time: (truth.pts[k]! + (truth.pts[k + 1] ?? truth.pts[k]! + 0.03)) / 2 })).toBe(k);
    }

    // Removing it deletes the converted copy in the data folder, never the original.
    await s.call('videos.remove', { id: v.id });
    expect(leftovers()).toEqual([]);
    expect(sha(original)).toBe(before);
  });

  it('keeps a variable-frame-rate file\'s timestamps exactly', async () => {
    const src = (await makeTestVideo({ vfr: true })).file;
    const { end } = await runVideoJob(s, s.call('videos.convert', { caseId, path: src }));
    expect(end.phase).toBe('done');
    const truth = await ffprobeFrames(src);
    const tl = await s.call('videos.timeline', { id: end.video!.id });
    expect(end.video!.variableFrameRate).toBe(true);
    expect(tl.pts).toHaveLength(truth.pts.length);
    tl.pts.forEach((p, k) => expect(Math.abs(p - truth.pts[k]!)).toBeLessThan(2e-6));
    for (const k of [10, 45, 80]) expect(await readFrameIndex(end.video!.path, { index: k })).toBe(k);
    await s.call('videos.remove', { id: end.video!.id });
  });

  it('cancels midway: ffmpeg stops, no partial file, nothing registered, the original untouched', async () => {
    // A 30 s file, so the conversion takes long enough to be caught midway.
    const original = (await makeTestVideo({ durationSeconds: 30, bFrames: 0 })).file;
    const before = sha(original);
    const countBefore = s.services.db.prepare('SELECT count(*) FROM videos').pluck().get();
    const { end } = await runVideoJob(s, s.call('videos.convert', { caseId, path: original }), async (jobId) => {
      // Wait until ffmpeg is writing its temporary file, then cancel.
      const deadline = Date.now() + 60_000;
      while (!leftovers().some((f) => f.endsWith('.part.mp4')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(leftovers().some((f) => f.endsWith('.part.mp4'))).toBe(true);
      expect(await s.call('videos.cancelJob', { jobId })).toEqual({ cancelled: true });
    });
    expect(end.phase).toBe('cancelled');
    expect(end.message).toMatch(/original is untouched/);
    expect(leftovers()).toEqual([]);
    expect(s.services.db.prepare('SELECT count(*) FROM videos').pluck().get()).toBe(countBefore);
    expect(sha(original)).toBe(before);
    expect(await s.call('videos.cancelJob', { jobId: 'video-unknown' })).toEqual({ cancelled: false });
  }, 180_000);

  it('converts the readable part of a truncated file', async () => {
    const { end } = await runVideoJob(s, s.call('videos.convert', { caseId, path: (await makeTestVideo({ damage: 'truncated', durationSeconds: 4 })).file }));
    expect(end.phase).toBe('done');
    expect(end.video!.frameCount).toBeGreaterThan(10);
    expect(end.video!.frameCount).toBeLessThan(120);
    // Frames whose data was cut off are gone, so later frames keep their original number but not their index.
    expect(await readFrameIndex(end.video!.path, { index: 10 })).toBe(10);
    const last = end.video!.frameCount - 1;
    expect(await readFrameIndex(end.video!.path, { index: last })).toBeGreaterThanOrEqual(last);
  });

  it('refuses to convert what is not a video', async () => {
    const { end } = await runVideoJob(s, s.call('videos.convert', { caseId, path: (await makeTestVideo({ damage: 'random-bytes' })).file }));
    expect(end.phase).toBe('failed');
    expect(end.message).toMatch(/is not a video file/);
  });
});

describe('without ffmpeg', () => {
  it('says conversion is not possible here and how to install ffmpeg', async () => {
    const saved = process.env.WORKSTATION_FFMPEG;
    process.env.WORKSTATION_FFMPEG = 'none';
    const s = startTestServices();
    try {
      const caseId = (await s.call('cases.create', { code: 'NOFF-1', surgeryDate: null, eye: null, surgeon: '', notes: '' })).id;
      const hevc = (await makeTestVideo({ codec: 'hevc' })).file;
      const probe = await s.call('videos.probe', { path: hevc });
      expect(probe.canConvert).toBe(false);
      expect(probe.problem).toMatch(/install ffmpeg/);
      await expect(s.call('videos.convert', { caseId, path: hevc })).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/No ffmpeg was found.*install ffmpeg/) });
    } finally {
      await s.close();
      if (saved === undefined) delete process.env.WORKSTATION_FFMPEG;
      else process.env.WORKSTATION_FFMPEG = saved;
    }
  });
});

describe.runIf(tools === null)('this machine', () => {
  it('has ffmpeg (the video tests need it)', () => {
    expect(tools).not.toBeNull();
  });
});
