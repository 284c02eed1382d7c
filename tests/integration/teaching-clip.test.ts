// Teaching clips through the real services, ffmpeg and resvg: the frames of the range exactly (the frame codes drawn
// in the video's pixels), the clip's frame count and timing as ffprobe reads them, each annotation drawn from its
// frame for its hold and on no other frame (pixels compared with the source frame), no sound unless asked, no
// file names inside; freezes and captions; a cancel or a failure leaves nothing in the folder.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { squareFramePng } from '../fixtures/report-review';
import { startTestServices, type TestServices } from '../fixtures/services';
import { runVideoJob } from '../fixtures/video-jobs';
import { decodeFrameIndex, ffprobeFrames, makeTestVideo, type TestVideo } from '../fixtures/videos';

const REPO = path.resolve(__dirname, '../..');
const W = 640;
const H = 360;
/** The box drawn on frame 40: well below the frame-code band at the top. */
const BOX = { x: 0.3, y: 0.4, w: 0.3, h: 0.3 };

/** Every frame of a file as RGB, in presentation order (one decoding pass). */
function decodeAll(file: string): Buffer[] {
  const raw = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    maxBuffer: 1024 * 1024 * 1024,
  });
  const size = W * H * 3;
  const frames: Buffer[] = [];
  for (let o = 0; o + size <= raw.length; o += size) frames.push(raw.subarray(o, o + size));
  return frames;
}

/** Mean absolute difference (0–255) between two frames along the box's edges (a 6-px band around each side). */
function boxEdgeDifference(a: Buffer, b: Buffer): number {
  const x0 = Math.round(BOX.x * W);
  const y0 = Math.round(BOX.y * H);
  const x1 = Math.round((BOX.x + BOX.w) * W);
  const y1 = Math.round((BOX.y + BOX.h) * H);
  let sum = 0;
  let count = 0;
  const add = (x: number, y: number) => {
    const i = (y * W + x) * 3;
    for (let c = 0; c < 3; c++) sum += Math.abs(a[i + c]! - b[i + c]!);
    count += 3;
  };
  for (let y = y0 + 20; y < y1 - 3; y++) {
    for (let d = -3; d <= 3; d++) {
      add(x0 + d, y);
      add(x1 + d, y);
    }
  }
  for (let x = x0 + 3; x < x1 - 3; x++) for (let d = -3; d <= 3; d++) add(x, y1 + d);
  return sum / count;
}

function probe(file: string): { streams: Array<{ codec_type: string; codec_name: string; profile?: string; pix_fmt?: string; nb_read_frames?: string }>; format: { duration: string; tags?: Record<string, string> } } {
  return JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,codec_name,profile,pix_fmt,nb_read_frames:format=duration:format_tags', '-of', 'json', file], {
      encoding: 'utf8',
    }),
  );
}

describe('teaching clips', () => {
  let s: TestServices;
  let video: TestVideo;
  let reviewId: number;
  let source: Buffer[];
  let out: string;

  beforeAll(async () => {
    s = startTestServices();
    const caseId = (await s.call('cases.create', { code: 'CLIP-1', surgeryDate: null, eye: 'OD', surgeon: 'Dr Quill', notes: '' })).id;
    video = await makeTestVideo({ durationSeconds: 6, gop: 30 });
    const { end } = await runVideoJob(s, s.call('videos.import', { caseId, path: video.file }));
    expect(end.phase, end.message ?? '').toBe('done');
    reviewId = (await s.call('reviews.open', { caseId, videoId: end.video!.id })).id;
    // A box on frame 40, and an arrow on frame 120 (outside the first clip's hold, inside its range).
    const f40 = await s.call('frames.capture', { reviewId, frameIndex: 40, mediaTime: 40 / 30, data: squareFramePng(W, H, { x: 10, y: 10, size: 8 }, 1) });
    const f120 = await s.call('frames.capture', { reviewId, frameIndex: 120, mediaTime: 4, data: squareFramePng(W, H, { x: 10, y: 10, size: 8 }, 2) });
    await s.call('annotations.create', { frameId: f40.id, kind: 'box', geometry: BOX, color: '#00ff00' } as never);
    await s.call('annotations.create', { frameId: f120.id, kind: 'arrow', geometry: { x1: 0.1, y1: 0.9, x2: 0.2, y2: 0.8 }, color: '#ff00ff' } as never);
    await s.call('segments.create', { reviewId, startFrame: 0, endFrame: 59, startTime: 0, endTime: 59 / 30, phase: null, label: 'Capsulorhexis' });
    source = decodeAll(video.file);
    expect(source).toHaveLength(180);
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'clips-'));
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a 5-s clip has the 150 frames of the range, at the video’s timing, H.264 without sound or file names; the box is drawn on frames 40–69 only', async () => {
    const target = path.join(out, 'five-seconds.mp4');
    const steps: string[] = [];
    const r = await s.services.clips.writeClip(reviewId, { fromFrame: 0, toFrame: 149, holdSeconds: 1 }, target, { onProgress: (step) => steps.push(step) });
    expect(r).toMatchObject({ file: target, frames: 150 });
    expect(r.durationSeconds).toBeCloseTo(5, 3);
    expect(steps.some((x) => /^Encoding frame \d+ of 150$/.test(x))).toBe(true);

    const p = probe(target);
    expect(p.streams.map((x) => x.codec_type)).toEqual(['video']);
    expect(p.streams[0]).toMatchObject({ codec_name: 'h264', profile: 'High', pix_fmt: 'yuv420p', nb_read_frames: '150' });
    expect(Number(p.format.duration)).toBeCloseTo(5, 2);
    const table = await ffprobeFrames(target);
    expect(table.pts).toHaveLength(150);
    table.pts.forEach((t, i) => expect(t, `frame ${i}`).toBeCloseTo(i / 30, 4));
    expect(fs.readFileSync(target).includes(Buffer.from(path.basename(video.file)))).toBe(false);
    expect(JSON.stringify(p.format.tags ?? {})).not.toMatch(/CLIP-1|Quill|\.mp4/);

    const clip = decodeAll(target);
    expect(clip).toHaveLength(150);
    const drawn: number[] = [];
    for (let i = 0; i < 150; i++) {
      expect(decodeFrameIndex(clip[i]!, W, H, 3), `clip frame ${i} is source frame ${i}`).toBe(i);
      const diff = boxEdgeDifference(clip[i]!, source[i]!);
      if (diff > 20) drawn.push(i);
      else expect(diff, `frame ${i} has no drawing`).toBeLessThan(8);
    }
    expect(drawn).toEqual(Array.from({ length: 30 }, (_, k) => 40 + k));
    // No partial files are left beside it.
    expect(fs.readdirSync(out)).toEqual(['five-seconds.mp4']);
  });

  it('counts a range from its first frame, keeps each annotated frame still for the freeze, and captions the phase', async () => {
    const target = path.join(out, 'freeze.mp4');
    // Frames 20–79 (60); a 0.5-s freeze on frame 40, whose box is held 1 s: drawn on clip frames 20–49.
    const r = await s.services.clips.writeClip(reviewId, { fromFrame: 20, toFrame: 79, holdSeconds: 1, freezeSeconds: 0.5, caption: 'phase' }, target);
    expect(r.frames).toBe(60);
    expect(r.durationSeconds).toBeCloseTo(2.5, 3);
    const table = await ffprobeFrames(target);
    // Frame 40 (clip frame 20) stays 0.5 s longer; the frames after it follow 0.5 s later.
    table.pts.forEach((t, i) => expect(t, `clip frame ${i}`).toBeCloseTo(i / 30 + (i > 20 ? 0.5 : 0), 4));
    const clip = decodeAll(target);
    expect(clip).toHaveLength(60);
    const codes = clip.map((f) => decodeFrameIndex(f, W, H, 3));
    expect(codes).toEqual(Array.from({ length: 60 }, (_, k) => 20 + k));
    const drawn = clip.flatMap((f, i) => (boxEdgeDifference(f, source[20 + i]!) > 20 ? [i] : []));
    expect(drawn).toEqual(Array.from({ length: 30 }, (_, k) => 20 + k));
    // The phase caption sits bottom left on the frames of the segment (frames 20–59 → clip 0–39), not after.
    const bottomLeft = (f: Buffer, src: Buffer) => {
      let sum = 0;
      for (let y = H - 40; y < H - 16; y++) for (let x = 16; x < 120; x++) for (let c = 0; c < 3; c++) sum += Math.abs(f[(y * W + x) * 3 + c]! - src[(y * W + x) * 3 + c]!);
      return sum / (24 * 104 * 3);
    };
    expect(bottomLeft(clip[10]!, source[30]!)).toBeGreaterThan(20);
    expect(bottomLeft(clip[39]!, source[59]!)).toBeGreaterThan(20);
    expect(bottomLeft(clip[40]!, source[60]!)).toBeLessThan(8);
  });

  it('blacks out a redaction region on every frame, and draws the video time bottom right', async () => {
    const target = path.join(out, 'redacted.mp4');
    await s.services.clips.writeClip(reviewId, { fromFrame: 100, toFrame: 109, caption: 'timecode', redact: [{ x: 0, y: 0.5, w: 0.25, h: 0.25 }] }, target);
    const clip = decodeAll(target);
    expect(clip.map((f) => decodeFrameIndex(f, W, H, 3))).toEqual(Array.from({ length: 10 }, (_, k) => 100 + k));
    const mean = (f: Buffer, x0: number, y0: number, x1: number, y1: number, src?: Buffer) => {
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) sum += src ? Math.abs(f[(y * W + x) * 3 + c]! - src[(y * W + x) * 3 + c]!) : f[(y * W + x) * 3 + c]!;
      return sum / ((y1 - y0) * (x1 - x0) * 3);
    };
    for (const [i, f] of clip.entries()) {
      expect(mean(f, 4, H / 2 + 4, W / 4 - 4, (H * 3) / 4 - 4), `frame ${i}: the region is black`).toBeLessThan(20);
      expect(mean(source[100 + i]!, 4, H / 2 + 4, W / 4 - 4, (H * 3) / 4 - 4), 'the source is not').toBeGreaterThan(40);
      expect(mean(f, W - 180, H - 40, W - 20, H - 18, source[100 + i]), `frame ${i}: the time is drawn`).toBeGreaterThan(20);
    }
  });

  it('keeps the sound only when asked, and refuses it for a recording without sound', async () => {
    await expect(s.services.clips.writeClip(reviewId, { fromFrame: 0, toFrame: 29, audio: true }, path.join(out, 'sound.mp4'))).rejects.toThrow(
      /This recording has no sound to keep/,
    );
    expect(fs.existsSync(path.join(out, 'sound.mp4'))).toBe(false);
  });

  it('refuses a range past the end, a reversed range and a taken name with what to do, writing nothing', async () => {
    const before = fs.readdirSync(out).sort();
    await expect(s.call('clips.export', { reviewId, folder: out, options: { fromFrame: 100, toFrame: 180 } })).resolves.toBeTruthy();
    const failed = await s.waitFor('clips.progress', (p) => p.reviewId === reviewId && p.state === 'failed');
    expect(failed.message).toBe('Frame 180 does not exist: the video has 180 frames (0–179).');
    await expect(s.call('clips.export', { reviewId, folder: out, options: { fromFrame: 10, toFrame: 5 } })).rejects.toThrow(/The range ends before it starts/);
    await expect(s.services.clips.writeClip(reviewId, { fromFrame: 0, toFrame: 10 }, path.join(out, 'five-seconds.mp4'))).rejects.toThrow(/already exists/);
    await expect(s.call('clips.export', { reviewId, folder: path.join(out, 'nope'), options: { fromFrame: 0, toFrame: 10 } })).rejects.toThrow(/does not exist/);
    expect(fs.readdirSync(out).sort()).toEqual(before);
  });

  it('exports as a job with progress into a free name, and a cancel leaves nothing', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'clips-job-'));
    const { jobId } = await s.call('clips.export', { reviewId, folder, options: { fromFrame: 0, toFrame: 59, holdSeconds: 2 } });
    const done = await s.waitFor('clips.progress', (p) => p.jobId === jobId && p.state !== 'running');
    expect(done.state, done.message ?? '').toBe('completed');
    expect(path.basename(done.file!)).toBe(`CLIP-1-review-${reviewId}-frames-0-59.mp4`);
    expect(done.frames).toBe(60);
    expect(s.events.some((e) => e.name === 'clips.progress' && (e.payload as { jobId: string; step: string }).jobId === jobId && /^Encoding frame/.test((e.payload as { step: string }).step))).toBe(true);

    const second = await s.call('clips.export', { reviewId, folder, options: { fromFrame: 0, toFrame: 179, freezeSeconds: 5 } });
    expect(await s.call('clips.cancel', { jobId: second.jobId })).toEqual({ cancelled: true });
    const cancelled = await s.waitFor('clips.progress', (p) => p.jobId === second.jobId && p.state !== 'running');
    expect(cancelled.state).toBe('cancelled');
    expect(fs.readdirSync(folder)).toEqual([path.basename(done.file!)]);
  });

  it('npm run export --format mp4 writes the same clip from the data folder, and says what is wrong with bad arguments', async () => {
    const cli = (args: string[]) =>
      promisify(execFile)(process.execPath, [path.join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(REPO, 'scripts', 'export.ts'), ...args], { cwd: REPO, timeout: 120_000 }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const base = ['--data', s.dataDir, '--review', String(reviewId), '--format', 'mp4'];
    const target = path.join(out, 'cli.mp4');
    const ok = await cli([...base, '--from', '30', '--to', '89', '--hold', '1', '--out', target]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Wrote .*cli\.mp4: 60 frames, 2\.000 s/);
    const clip = decodeAll(target);
    expect(clip.map((f) => decodeFrameIndex(f, W, H, 3))).toEqual(Array.from({ length: 60 }, (_, k) => 30 + k));
    // The box on frame 40, held 1 s, is on clip frames 10–39.
    expect(clip.flatMap((f, i) => (boxEdgeDifference(f, source[30 + i]!) > 20 ? [i] : []))).toEqual(Array.from({ length: 30 }, (_, k) => 10 + k));

    const again = await cli([...base, '--from', '30', '--to', '89', '--out', target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists\. Add --force to replace it/);
    const noTo = await cli([...base, '--from', '30', '--out', path.join(out, 'x.mp4')]);
    expect(noTo.code).toBe(2);
    expect(noTo.stderr).toMatch(/--to is required for an MP4 clip/);
    const past = await cli([...base, '--from', '0', '--to', '500', '--out', path.join(out, 'x.mp4')]);
    expect(past.code).toBe(1);
    expect(past.stderr).toMatch(/Frame 500 does not exist: the video has 180 frames/);
    expect(fs.existsSync(path.join(out, 'x.mp4'))).toBe(false);
  });
});
