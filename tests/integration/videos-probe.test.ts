// Probing generated videos: the frame table must be exactly ffprobe's (the renderer seeks by it), the frame rate
// and VFR flag right, and every file that does not play here must say what it is and what to do.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findFfmpeg } from '../../electron/core/videos/ffmpeg-tools';
import { frameRateOf, probeVideo, type ProbeResult } from '../../electron/core/videos/probe';
import { ffprobeFrames, makeTestVideo, readFrameIndex, type TestVideoSpec } from '../fixtures/videos';

const tools = findFfmpeg();
const probe = (file: string, ffmpegAvailable = tools !== null) => probeVideo(file, { ffprobe: tools?.ffprobe ?? null, ffmpegAvailable });

function maxDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(0, ...a.map((x, i) => Math.abs(x - b[i]!)));
}

describe('probing playable videos', () => {
  const cases: Array<[string, TestVideoSpec, { fps: number; vfr: boolean; container: string; codec: string; mime: string }]> = [
    ['H.264 30 fps with B-frames', {}, { fps: 30, vfr: false, container: 'MP4', codec: 'h264', mime: 'video/mp4' }],
    ['H.264 29.97 fps (30000/1001)', { fps: '30000/1001' }, { fps: 30000 / 1001, vfr: false, container: 'MP4', codec: 'h264', mime: 'video/mp4' }],
    ['H.264 variable frame rate', { vfr: true }, { fps: NaN, vfr: true, container: 'MP4', codec: 'h264', mime: 'video/mp4' }],
    ['VP9 in WebM', { codec: 'vp9' }, { fps: 30, vfr: false, container: 'WebM', codec: 'vp9', mime: 'video/webm' }],
  ];

  it.each(cases)('%s: frame table equals ffprobe, rate and flags right', async (_name, spec, want) => {
    const v = await makeTestVideo(spec);
    const r: ProbeResult = await probe(v.file);
    const truth = await ffprobeFrames(v.file);
    expect(r.probe.playable).toBe(true);
    expect(r.probe.problem).toBeNull();
    expect(r.probe.canConvert).toBe(false);
    expect(r.probe).toMatchObject({ container: want.container, codec: want.codec, width: 640, height: 360, rotation: 0, frameCount: v.frameCount, variableFrameRate: want.vfr });
    expect(r.mime).toBe(want.mime);
    expect(r.probe.codecString).toMatch(want.codec === 'h264' ? /^avc1\.[0-9a-f]{6}$/ : /^vp09\./);
    expect(r.timeline!.pts).toHaveLength(v.frameCount);
    expect(maxDiff(r.timeline!.pts, truth.pts)).toBeLessThan(2e-6);
    expect(r.timeline!.keyframes).toEqual(truth.keyframes);
    expect(r.timeline!.keyframes).toEqual([0, 30, 60]);
    if (!want.vfr) expect(r.probe.fps).toBeCloseTo(want.fps, 6);
    expect(r.probe.summary).toContain(`${want.codec === 'h264' ? 'H.264' : 'VP9'} video in ${want.container}, 640×360`);
    // The last frame lasts until the end of the file.
    expect(r.probe.durationSeconds).toBeGreaterThan(r.timeline!.pts.at(-1)!);
  });

  it('a rotated recording: width and height as displayed, rotation clockwise', async () => {
    const rotated = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rotated-')), 'portrait.mp4');
    const r0 = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', (await makeTestVideo({})).file, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    expect(r0.status).toBe(0);
    // ffprobe reports the display matrix counter-clockwise (90); clockwise that is 270.
    const r = await probe(rotated);
    expect(r.probe).toMatchObject({ playable: true, width: 360, height: 640, rotation: 270 });
    expect(r.probe.summary).toContain('360×640');
  });

  it('29.97 fps: the frame table steps by exactly 1001/30000 s and the summary says 29.97', async () => {
    const r = await probe((await makeTestVideo({ fps: '30000/1001' })).file);
    const pts = r.timeline!.pts;
    for (let k = 0; k < pts.length; k++) expect(pts[k]).toBeCloseTo((k * 1001) / 30000, 9);
    expect(r.probe.summary).toContain('29.97 fps');
  });

  it('VFR: the three sections (30 fps, 15 fps, jittered) are in the table, and frames decode to their index at their pts', async () => {
    const v = await makeTestVideo({ vfr: true });
    const r = await probe(v.file);
    const pts = r.timeline!.pts;
    const steps = pts.slice(1).map((p, i) => p - pts[i]!);
    expect(steps[5]).toBeCloseTo(1 / 30, 6);
    expect(steps[40]).toBeCloseTo(1 / 15, 6);
    expect(new Set(steps.slice(61).map((s) => s.toFixed(4))).size).toBeGreaterThan(2);
    expect(r.probe.summary).toContain('variable frame rate');
    for (const k of [0, 29, 30, 59, 60, 77, 89]) {
      expect(await readFrameIndex(v.file, { time: (pts[k]! + (pts[k + 1] ?? pts[k]! + 0.02)) / 2 })).toBe(k);
    }
  });
});

describe('probing files that do not play', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-'));
  });

  it('HEVC: says what it is, offers conversion, and how to get ffmpeg when there is none', async () => {
    const v = await makeTestVideo({ codec: 'hevc' });
    const r = await probe(v.file);
    expect(r.probe).toMatchObject({ playable: false, codec: 'hevc', canConvert: true, frameCount: 90 });
    expect(r.probe.problem).toBe(
      'This is HEVC (H.265) video, which this app cannot decode on this computer. Convert it to H.264 (keeps the original) or export H.264 from your recorder.',
    );
    // Readable: whether it decodes is asked of the renderer's decoder (HEVC does on macOS and Windows).
    expect(r.probe.playback).toEqual({ mime: 'video/mp4', codecString: expect.stringMatching(/^(hvc1|hev1)\./) });
    expect(r.timeline?.pts).toHaveLength(90);
    const without = await probe(v.file, false);
    expect(without.probe.canConvert).toBe(false);
    expect(without.probe.problem).toMatch(/HEVC \(H\.265\).*install ffmpeg \(Debian\/Ubuntu: sudo apt install ffmpeg/);
  });

  it('a faststart MP4 cut at 50%: incomplete, and how much is there', async () => {
    const r = await probe((await makeTestVideo({ damage: 'truncated' })).file);
    expect(r.probe.playable).toBe(false);
    expect(r.probe.codec).toBe('h264');
    expect(r.probe.problem).toMatch(/^The file is incomplete or damaged \(it ends after [\d.]+ MB of the [\d.]+ MB its header announces/);
    expect(r.probe.problem).toContain('Copy it again from the recorder');
    expect(r.probe.canConvert).toBe(true);
  });

  it('an MP4 cut before its index was written: incomplete, nothing to convert', async () => {
    const r = await probe((await makeTestVideo({ damage: 'truncated-no-moov' })).file);
    expect(r.probe.playable).toBe(false);
    expect(r.probe.problem).toMatch(/^The file is incomplete or damaged \(it has no index/);
    expect(r.probe.canConvert).toBe(false);
  });

  it('random bytes named .mp4: not a video', async () => {
    const v = await makeTestVideo({ damage: 'random-bytes' });
    const r = await probe(v.file);
    expect(r.probe.playable).toBe(false);
    expect(r.probe.problem).toBe(`"${path.basename(v.file)}" is not a video file (it looks like unknown binary data; if it should be a video, it is damaged beyond reading).`);
    expect(r.probe.canConvert).toBe(false);
  });

  it('a text file and a PNG: not a video, and what they look like', async () => {
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'Case notes\nnothing to see here\n');
    expect((await probe(text)).probe.problem).toBe('"notes.txt" is not a video file (it looks like text).');
    const png = path.join(dir, 'frame.mp4');
    fs.writeFileSync(png, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    expect((await probe(png)).probe.problem).toMatch(/^"frame\.mp4" is not a video file \(it looks like a PNG image/);
    const empty = path.join(dir, 'empty.mp4');
    fs.writeFileSync(empty, '');
    expect((await probe(empty)).probe.problem).toMatch(/is empty \(0 bytes\)/);
  });

  it('H.264 in MKV plays as it is (Chromium opens Matroska): no conversion', async () => {
    const r = await probe((await makeTestVideo({ container: 'mkv' })).file);
    expect(r.probe).toMatchObject({ playable: true, codec: 'h264', container: 'MKV', problem: null, playback: { mime: 'video/x-matroska', codecString: expect.stringMatching(/^avc1\./) } });
    expect(r.mime).toBe('video/x-matroska');
  });

  it('refuses a missing path and a folder with an error, not a probe', async () => {
    await expect(probe(path.join(dir, 'nope.mp4'))).rejects.toMatchObject({ code: 'not-found' });
    await expect(probe(dir)).rejects.toThrow(/is a folder, not a video file/);
  });
});

describe('frame rate from a frame table', () => {
  it('reads CFR through millisecond rounding and flags real VFR', () => {
    const ms = Array.from({ length: 120 }, (_, k) => Math.round((k * 1000) / 30) / 1000);
    expect(frameRateOf(ms, 1000)).toEqual({ fps: 30, variable: false });
    const ntsc = Array.from({ length: 120 }, (_, k) => (k * 1001) / 30000);
    expect(frameRateOf(ntsc, 30000)).toEqual({ fps: 30000 / 1001, variable: false });
    const vfr = [...Array.from({ length: 30 }, (_, k) => k / 30), ...Array.from({ length: 30 }, (_, k) => 1 + k / 15)];
    expect(frameRateOf(vfr, 90000).variable).toBe(true);
    expect(frameRateOf([0], 1000)).toEqual({ fps: null, variable: false });
  });
});
