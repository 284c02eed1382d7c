// Serving registered videos with HTTP Range (a <video> cannot seek without it): the browser host's
// /media/videos/<id> and Electron's media://videos/<id>, through the same code as frames; nothing else is served.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaResponse, type ProtocolRequest } from '../../electron/main/protocols';
import { startTestHost, type TestHost } from '../fixtures/host';
import { makeTestVideo } from '../fixtures/videos';

function raw(port: number, pathName: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathName, method, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function readAll(body: Readable | null): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body ?? []) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('video media routes', () => {
  let t: TestHost;
  let file: string;
  let bytes: Buffer;
  let id: number;

  beforeAll(async () => {
    const renderer = fs.mkdtempSync(path.join(os.tmpdir(), 'renderer-'));
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Workstation</title>');
    t = await startTestHost({ rendererDir: renderer });
    const caseId = ((await t.call('cases.create', { code: 'MEDIA-1', surgeryDate: null, eye: null, surgeon: '', notes: '' })).body.value as { id: number }).id;
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'media-')), 'clip.webm');
    fs.copyFileSync((await makeTestVideo({ codec: 'vp9' })).file, file);
    bytes = fs.readFileSync(file);
    // Listen before starting: the job may finish before the HTTP answer arrives.
    const seen: Array<{ jobId: string; phase: string; video: { id: number } | null; message: string | null }> = [];
    let wake = () => {};
    const off = t.events.subscribe((name, payload) => {
      if (name === 'videos.jobProgress') seen.push(payload as (typeof seen)[number]);
      wake();
    });
    const jobId = ((await t.call('videos.import', { caseId, path: file })).body.value as { jobId: string }).jobId;
    for (;;) {
      const end = seen.find((p) => p.jobId === jobId && (p.phase === 'done' || p.phase === 'failed'));
      if (end) {
        off();
        if (end.phase === 'failed') throw new Error(end.message ?? 'import failed');
        id = end.video!.id;
        break;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  });
  afterAll(async () => {
    await t?.close();
  });
  const auth = () => ({ Authorization: `Bearer ${t.host.token}` });

  it('serves the first bytes, the middle, the last bytes and the whole file', async () => {
    const size = bytes.length;
    const first = await raw(t.host.port, `/media/videos/${id}`, { ...auth(), Range: 'bytes=0-99' });
    expect(first.status).toBe(206);
    expect(first.headers['content-type']).toBe('video/webm');
    expect(first.headers['accept-ranges']).toBe('bytes');
    expect(first.headers['content-range']).toBe(`bytes 0-99/${size}`);
    expect(first.body.equals(bytes.subarray(0, 100))).toBe(true);

    const mid = Math.floor(size / 2);
    const middle = await raw(t.host.port, `/media/videos/${id}`, { ...auth(), Range: `bytes=${mid}-${mid + 4095}` });
    expect(middle.status).toBe(206);
    expect(middle.body.equals(bytes.subarray(mid, mid + 4096))).toBe(true);

    const last = await raw(t.host.port, `/media/videos/${id}`, { ...auth(), Range: 'bytes=-500' });
    expect(last.headers['content-range']).toBe(`bytes ${size - 500}-${size - 1}/${size}`);
    expect(last.body.equals(bytes.subarray(size - 500))).toBe(true);

    const open = await raw(t.host.port, `/media/videos/${id}`, { ...auth(), Range: `bytes=${size - 10}-` });
    expect(open.body.equals(bytes.subarray(size - 10))).toBe(true);

    const whole = await raw(t.host.port, `/media/videos/${id}`, auth());
    expect(whole.status).toBe(200);
    expect(whole.body.equals(bytes)).toBe(true);

    const head = await raw(t.host.port, `/media/videos/${id}`, { ...auth(), Range: 'bytes=0-9' }, 'HEAD');
    expect(head.status).toBe(206);
    expect(head.body.length).toBe(0);
  });

  it('answers 416 to a range past the end', async () => {
    const r = await raw(t.host.port, `/media/videos/${id}`, { ...auth(), Range: `bytes=${bytes.length}-` });
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe(`bytes */${bytes.length}`);
  });

  it('serves nothing else: unknown ids, paths that climb, odd ids, no token, a moved file', async () => {
    for (const p of [`/media/videos/${id + 100}`, '/media/videos/0', `/media/videos/0${id}`, '/media/videos/../frames/x', `/media/videos/${id}/..%2f..%2fetc%2fpasswd`, '/media/videos/%2e%2e%2fpackage.json', `/media/videos/${id}.mp4`, '/media/videos/-1']) {
      expect((await raw(t.host.port, p, auth())).status, p).toBe(404);
    }
    expect((await raw(t.host.port, `/media/videos/${id}`)).status).toBe(401);
    fs.renameSync(file, `${file}.moved`);
    try {
      expect((await raw(t.host.port, `/media/videos/${id}`, { ...auth(), Range: 'bytes=0-9' })).status).toBe(404);
    } finally {
      fs.renameSync(`${file}.moved`, file);
    }
  });

  it('media://videos/<id> serves the same bytes with ranges, and only registered videos', async () => {
    const request = (url: string, headers: Record<string, string> = {}): ProtocolRequest => ({
      url,
      method: 'GET',
      headers: { get: (n: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1] ?? null },
    });
    const resolveFrame = () => null;
    const resolveVideo = (v: number) => t.services.resolveVideo(v);
    const part = await mediaResponse(resolveFrame, request(`media://videos/${id}`, { Range: 'bytes=1000-1999' }), resolveVideo);
    expect(part.status).toBe(206);
    expect(part.headers['Content-Type']).toBe('video/webm');
    expect(part.headers['Access-Control-Allow-Origin']).toBe('app://workstation');
    expect((await readAll(part.body)).equals(bytes.subarray(1000, 2000))).toBe(true);
    expect((await mediaResponse(resolveFrame, request(`media://videos/${id}`, { Range: `bytes=${bytes.length}-` }), resolveVideo)).status).toBe(416);
    for (const url of [`media://videos/${id + 100}`, `media://videos/${id}/x`, 'media://videos/..%2f..%2fetc%2fpasswd', `media://frames/${id}`, 'media://videos/abc']) {
      expect((await mediaResponse(resolveFrame, request(url), resolveVideo)).status, url).toBe(404);
    }
    // Without a resolver (an older wiring), videos are simply not served.
    expect((await mediaResponse(resolveFrame, request(`media://videos/${id}`))).status).toBe(404);
  });
});
