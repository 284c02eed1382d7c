// A large captured frame arrives with its print copy (the renderer makes it from the same pixels): the capture
// checks it, keeps it in the report cache, and the report embeds exactly it, so the first export of a review does not
// decode and shrink every PNG. A wrong copy is refused with a clear message and nothing is stored.
import fs from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/api/contract';
import { printSize } from '../../electron/api/print-size';
import { startTestServices, type TestServices } from '../fixtures/services';
import { makeTestVideo } from '../fixtures/videos';

const W = 640;
const H = 360;

/** A frame-sized PNG of noise (too large to embed as stored), or of one flat colour (small: embedded as stored). */
function framePng(kind: 'noise' | 'flat', seed: number): Uint8Array {
  const png = new PNG({ width: W, height: H });
  let state = seed >>> 0;
  for (let i = 0; i < png.data.length; i += 4) {
    state = (state * 1664525 + 1013904223) >>> 0;
    const v = kind === 'noise' ? state >>> 24 : 90;
    png.data[i] = v;
    png.data[i + 1] = kind === 'noise' ? (state >>> 16) & 255 : 40;
    png.data[i + 2] = kind === 'noise' ? (state >>> 8) & 255 : 30;
    png.data[i + 3] = 255;
  }
  return new Uint8Array(PNG.sync.write(png));
}

function jpegOf(width: number, height: number): Uint8Array {
  const data = Buffer.alloc(width * height * 4, 128);
  return new Uint8Array(jpeg.encode({ data, width, height }, 90).data);
}

describe('print copies of captured frames', () => {
  let s: TestServices;
  let reviewId: number;
  const cacheDir = () => path.join(s.dataDir, 'cache', 'report-images');
  const cached = () => (fs.existsSync(cacheDir()) ? fs.readdirSync(cacheDir()).sort() : []);
  const frameCount = async () => (await s.call('frames.listForReview', { reviewId })).length;

  beforeAll(async () => {
    s = startTestServices();
    const kase = await s.call('cases.create', { code: 'PRINT-1', surgeryDate: null, eye: 'OD', surgeon: '', notes: '' });
    const video = await makeTestVideo({ durationSeconds: 2, width: W, height: H, text: false });
    const { jobId } = await s.call('videos.import', { caseId: kase.id, path: video.file });
    const done: EventPayload<'videos.jobProgress'> = await s.waitFor('videos.jobProgress', (p) => p.jobId === jobId && ['done', 'failed', 'cancelled'].includes(p.phase), 60_000);
    if (!done.video) throw new Error(`import failed: ${done.message}`);
    reviewId = (await s.call('reviews.open', { caseId: kase.id, videoId: done.video.id })).id;
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('refuses a print copy that is not a JPEG, or not of the print size, and stores nothing', async () => {
    const png = framePng('noise', 1);
    expect(printSize(W, H, png.byteLength)).toEqual({ width: W, height: H });
    await expect(s.call('frames.capture', { reviewId, frameIndex: 3, mediaTime: 0.1, data: png, printJpeg: png })).rejects.toThrow(/print copy of the captured frame is not a whole JPEG/);
    await expect(s.call('frames.capture', { reviewId, frameIndex: 3, mediaTime: 0.1, data: png, printJpeg: jpegOf(320, 180) })).rejects.toThrow(
      /The print copy is 320×180, but a 640×360 frame is printed at 640×360/,
    );
    const torn = jpegOf(W, H).slice(0, 500);
    await expect(s.call('frames.capture', { reviewId, frameIndex: 3, mediaTime: 0.1, data: png, printJpeg: torn })).rejects.toThrow(/not a whole JPEG/);
    expect(await frameCount()).toBe(0);
    expect(cached()).toEqual([]);
  });

  it('keeps a good print copy, and the report embeds exactly it', async () => {
    const png = framePng('noise', 2);
    const copy = jpegOf(W, H);
    const frame = await s.call('frames.capture', { reviewId, frameIndex: 6, mediaTime: 0.2, data: png, printJpeg: copy });
    expect(cached()).toEqual([`${frame.sha256}-${W}x${H}-q90.jpg`]);
    expect(new Uint8Array(fs.readFileSync(path.join(cacheDir(), cached()[0]!)))).toEqual(copy);

    const folder = fs.mkdtempSync(path.join(s.dataDir, 'out-'));
    const { jobId } = await s.call('reports.export', { reviewId, folder, formats: ['html'] });
    const end: EventPayload<'reports.progress'> = await s.waitFor('reports.progress', (p) => p.jobId === jobId && p.state !== 'running', 120_000);
    expect(end.state, end.message ?? '').toBe('completed');
    const html = fs.readFileSync(end.files[0]!, 'utf8');
    expect(html).toContain(`data:image/jpeg;base64,${Buffer.from(copy).toString('base64')}`);
  });

  it('a small frame is printed as stored: its print copy is not needed and not kept', async () => {
    const png = framePng('flat', 3);
    expect(printSize(W, H, png.byteLength)).toBeNull();
    const before = cached();
    const frame = await s.call('frames.capture', { reviewId, frameIndex: 9, mediaTime: 0.3, data: png, printJpeg: jpegOf(320, 180) });
    expect(frame.frameIndex).toBe(9);
    expect(cached()).toEqual(before);
  });
});
