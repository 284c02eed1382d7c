// One surgery in several files (videos.importParts), through the real services and ffmpeg: three parts a recorder
// wrote (frame codes continuing across them, B-frames) become one video whose frame k is the recording's frame k on
// both sides of each join; where each part lies is stored and reported; parts that are not one recording, a part
// listed twice and a damaged part are refused with what to do, leaving nothing behind; removing the video removes
// the joined copy and never the parts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatList } from '../../electron/core/videos/join-parts';
import type { ReviewReportV1 } from '../../electron/api/schemas-reports';
import { exportReport } from '../fixtures/report-review';
import { startTestServices, type TestServices } from '../fixtures/services';
import { runVideoJob } from '../fixtures/video-jobs';
import { makeTestVideo, readFrameIndex, type TestVideo } from '../fixtures/videos';

describe('a recording in parts', () => {
  let s: TestServices;
  let caseId: number;
  let parts: TestVideo[];

  beforeAll(async () => {
    s = startTestServices();
    caseId = (await s.call('cases.create', { code: 'PARTS-1', surgeryDate: null, eye: 'OS', surgeon: '', notes: '' })).id;
    // 45 + 45 + 30 frames at 30 fps, GOP 30, two B-frames: codes 0–44, 45–89, 90–119.
    parts = [
      await makeTestVideo({ durationSeconds: 1.5, firstFrame: 0, gop: 30 }),
      await makeTestVideo({ durationSeconds: 1.5, firstFrame: 45, gop: 30 }),
      await makeTestVideo({ durationSeconds: 1, firstFrame: 90, gop: 30 }),
    ];
  });
  afterAll(async () => {
    await s?.close();
  });

  const joinedFiles = () => (fs.existsSync(path.join(s.dataDir, 'videos')) ? fs.readdirSync(path.join(s.dataDir, 'videos')) : []);

  it('joins three parts into one video with exact frames on both sides of each join, and knows its parts', async () => {
    const { end, events } = await runVideoJob(s, s.call('videos.importParts', { caseId, paths: parts.map((p) => p.file) }));
    expect(end.phase, end.message ?? '').toBe('done');
    expect(events.some((e) => e.phase === 'joining')).toBe(true);
    const v = end.video!;
    expect(v.frameCount).toBe(120);
    expect(v.fileName).toMatch(/-joined\.mp4$/);
    expect(path.dirname(v.path)).toBe(path.join(s.dataDir, 'videos'));
    expect(v.parts.map((p) => [p.index, p.fileName, p.firstFrame, p.frameCount])).toEqual(parts.map((p, i) => [i, path.basename(p.file), [0, 45, 90][i], [45, 45, 30][i]]));
    expect(v.parts[1]!.startSeconds).toBeCloseTo(1.5, 3);
    expect(v.parts[2]!.startSeconds).toBeCloseTo(3, 3);
    expect(v.parts[2]!.durationSeconds).toBeCloseTo(1, 2);
    expect(v.durationSeconds).toBeCloseTo(4, 2);
    // The frame table the player steps by, and the pixels at each join, are the recording's.
    const tl = await s.call('videos.timeline', { id: v.id });
    expect(tl.pts).toHaveLength(120);
    for (const k of [0, 44, 45, 46, 89, 90, 91, 119]) expect(await readFrameIndex(v.path, { index: k }), `frame ${k}`).toBe(k);
    // Kept across a reload of the list, and the parts are untouched.
    expect((await s.call('videos.list', { caseId })).find((x) => x.id === v.id)!.parts).toHaveLength(3);
    for (const p of parts) expect(fs.existsSync(p.file)).toBe(true);

    // The report names the parts, with their frames; de-identified, without their names.
    const review = await s.call('reviews.open', { caseId, videoId: v.id });
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'parts-report-'));
    const named = await exportReport(s, review.id, folder, ['json', 'html'], { fields: { fileNames: true } });
    expect(named.end.state, named.end.message ?? '').toBe('completed');
    const json = JSON.parse(fs.readFileSync(named.end.files.find((f) => f.endsWith('.json'))!, 'utf8')) as ReviewReportV1;
    expect(json.video!.parts!.map((p) => [p.fileName, p.firstFrame, p.frameCount])).toEqual(parts.map((p, i) => [path.basename(p.file), [0, 45, 90][i], [45, 45, 30][i]]));
    const html = fs.readFileSync(named.end.files.find((f) => f.endsWith('.html'))!, 'utf8');
    expect(html).toMatch(/Recorded in parts/);
    expect(html).toContain(`Part 2 · ${path.basename(parts[1]!.file)} · frames 45–89 · from 00:00:01.500`);
    // File names are left out of reports unless asked for.
    const anon = await exportReport(s, review.id, fs.mkdtempSync(path.join(os.tmpdir(), 'parts-anon-')), ['json']);
    const anonJson = JSON.parse(fs.readFileSync(anon.end.files[0]!, 'utf8')) as ReviewReportV1;
    expect(anonJson.video!.parts!.map((p) => p.fileName)).toEqual([null, null, null]);
    expect(JSON.stringify(anonJson)).not.toContain(path.basename(parts[0]!.file));

    // Removing the video removes the joined copy in the library folder, never the recorder's files.
    await s.call('videos.remove', { id: v.id });
    expect(fs.existsSync(v.path)).toBe(false);
    for (const p of parts) expect(fs.existsSync(p.file)).toBe(true);
  });

  it('refuses files that are not parts of one recording, saying which differs; nothing is left behind', async () => {
    const other = await makeTestVideo({ durationSeconds: 1, width: 320, height: 240 });
    const before = (await s.call('videos.list', { caseId })).length;
    const { end } = await runVideoJob(s, s.call('videos.importParts', { caseId, paths: [parts[0]!.file, other.file] }));
    expect(end.phase).toBe('failed');
    expect(end.message).toMatch(new RegExp(`“${path.basename(other.file)}” is 320×240 but “${path.basename(parts[0]!.file)}” is 640×360: these are not parts of one recording`));
    expect((await s.call('videos.list', { caseId })).length).toBe(before);
    expect(joinedFiles().filter((f) => !f.startsWith('.'))).toEqual([]);
    expect(joinedFiles().filter((f) => f.includes('.part.') || f.startsWith('.join-'))).toEqual([]);
  });

  it('refuses a part listed twice, a missing part and a single file, before any work starts', async () => {
    await expect(s.call('videos.importParts', { caseId, paths: [parts[0]!.file, parts[0]!.file] })).rejects.toThrow(/listed twice/);
    await expect(s.call('videos.importParts', { caseId, paths: [parts[0]!.file, '/no/such/part2.mp4'] })).rejects.toThrow(/There is no file at \/no\/such\/part2\.mp4/);
    await expect(s.call('videos.importParts', { caseId, paths: [parts[0]!.file] })).rejects.toThrow(/at least two files/);
  });

  it('cancels: nothing registered, no joined or temporary file left, the parts untouched', async () => {
    const before = (await s.call('videos.list', { caseId })).length;
    const { end } = await runVideoJob(s, s.call('videos.importParts', { caseId, paths: parts.map((p) => p.file) }), async (jobId) => {
      expect(await s.call('videos.cancelJob', { jobId })).toEqual({ cancelled: true });
    });
    expect(end.phase).toBe('cancelled');
    expect(end.message).toBe('Joining cancelled; the parts are untouched.');
    expect((await s.call('videos.list', { caseId })).length).toBe(before);
    expect(joinedFiles()).toEqual([]);
    for (const p of parts) expect(fs.existsSync(p.file)).toBe(true);
  });

  it('refuses a damaged part, naming it', async () => {
    const cut = await makeTestVideo({ durationSeconds: 1, firstFrame: 45, damage: 'truncated' });
    const { end } = await runVideoJob(s, s.call('videos.importParts', { caseId, paths: [parts[0]!.file, cut.file] }));
    expect(end.phase).toBe('failed');
    expect(end.message).toMatch(new RegExp(`^Part 2, “${path.basename(cut.file)}”: `));
  });

  it('writes a concat list ffmpeg reads back for any path (quotes, spaces)', () => {
    expect(concatList(["/r/it's here/a b.mp4", '/r/b.mp4'])).toBe("file '/r/it'\\''s here/a b.mp4'\nfile '/r/b.mp4'\n");
  });
});
