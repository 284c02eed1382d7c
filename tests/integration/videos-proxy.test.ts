// The scrub proxy through the real services: made in the background after import with progress, frame k of the
// proxy is frame k of the video (same timestamps, a recording starting at 10 s included), short GOP and reduced size,
// served at /proxy after the video's media path, removed with its video; a size cap keeps none.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoProxy } from '../../electron/api/schemas-video';
import { readWithMediabunny } from '../../electron/core/videos/media-read';
import { makeScrubProxy, proxySize } from '../../electron/core/videos/scrub-proxy';
import { findFfmpeg } from '../../electron/core/ffmpeg/ffmpeg-binary';
import { startTestServices, type TestServices } from '../fixtures/services';
import { runVideoJob } from '../fixtures/video-jobs';
import { makeTestVideo, readFrameIndex } from '../fixtures/videos';

describe('scrub proxies', () => {
  let s: TestServices;
  let caseId: number;
  beforeAll(async () => {
    s = startTestServices();
    caseId = (await s.call('cases.create', { code: 'PROXY-1', surgeryDate: null, eye: 'OD', surgeon: '', notes: '' })).id;
  });
  afterAll(async () => {
    await s?.close();
  });

  it('is made after import: same frames, GOP 10, at most 960×540, served and removed with its video', async () => {
    const v = await makeTestVideo({ width: 1280, height: 720, durationSeconds: 3, gop: 90, startSeconds: 10, fps: '25' });
    const { end } = await runVideoJob(s, s.call('videos.import', { caseId, path: v.file }));
    const id = end.video!.id;
    const ready = await s.waitFor('videos.proxyProgress', (p) => p.videoId === id && (p.state === 'ready' || p.state === 'failed'), 60_000);
    expect(ready).toMatchObject({ state: 'ready', width: 960, height: 540, gop: 10, message: null });
    const progress = s.events.filter((e) => e.name === 'videos.proxyProgress' && (e.payload as VideoProxy).videoId === id).map((e) => (e.payload as VideoProxy).state);
    expect(progress[0]).toBe('queued');
    expect(progress).toContain('making');
    expect(await s.call('videos.proxy', { id })).toMatchObject({ state: 'ready' });

    const served = s.services.resolveVideo(id, 'proxy')!;
    expect(served.mime).toBe('video/mp4');
    expect(path.dirname(served.file)).toBe(path.join(s.dataDir, 'proxies'));
    const read = (await readWithMediabunny(served.file, {}, true))!;
    const table = await s.call('videos.timeline', { id });
    expect(read.timeline!.pts).toHaveLength(table.pts.length);
    expect(ready.timeOffset).toBeCloseTo(10, 6);
    read.timeline!.pts.forEach((t, i) => expect(Math.abs(t + ready.timeOffset! - table.pts[i]!)).toBeLessThan(0.0005));
    expect(read.timeline!.keyframes.slice(0, 4)).toEqual([0, 10, 20, 30]);
    for (const k of [0, 37, 74]) expect(await readFrameIndex(served.file, { index: k })).toBe(k);

    await s.call('videos.remove', { id });
    expect(fs.existsSync(served.file)).toBe(false);
  });

  it('asking again for a ready proxy changes nothing; an unknown video is refused', async () => {
    const v = await makeTestVideo({ durationSeconds: 1 });
    const { end } = await runVideoJob(s, s.call('videos.import', { caseId, path: v.file }));
    const id = end.video!.id;
    // (Ids are reused after a removal, so poll this video's state rather than match an earlier event.)
    for (let i = 0; i < 600 && (await s.call('videos.proxy', { id })).state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await s.call('videos.makeProxy', { id })).toMatchObject({ state: 'ready' });
    await expect(s.call('videos.proxy', { id: 999_999 })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('a proxy over the size cap is not kept', async () => {
    const v = await makeTestVideo({ durationSeconds: 2 });
    const out = path.join(s.dataDir, 'capped.mp4');
    const run = makeScrubProxy({
      ffmpeg: findFfmpeg()!.ffmpeg,
      input: v.file,
      output: out,
      width: 640,
      height: 360,
      durationSeconds: 2,
      colour: { matrix: 'bt601', fullRange: false, tagged: false },
      maxBytes: 20_000,
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    await expect(run).rejects.toThrow(/larger than 0 MB, so none is kept/);
    expect(proxySize(3840, 2160)).toEqual({ width: 960, height: 540 });
    expect(proxySize(640, 360)).toEqual({ width: 640, height: 360 });
    expect(proxySize(1440, 1080)).toEqual({ width: 720, height: 540 });
  });
});
