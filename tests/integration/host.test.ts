import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '../fixtures/images';
import { startTestHost, type TestHost } from '../fixtures/host';

// Raw requests (fetch cannot send an arbitrary Host header).
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

describe('browser host', () => {
  let t: TestHost;
  let renderer: string;
  let png: Uint8Array;
  let sha: string;
  beforeAll(async () => {
    renderer = fs.mkdtempSync(path.join(os.tmpdir(), 'renderer-'));
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Workstation</title>');
    fs.mkdirSync(path.join(renderer, 'assets'));
    fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(path.dirname(renderer), 'outside-secret.txt'), 'secret');
    t = await startTestHost({ rendererDir: renderer });
    const c = await t.call('cases.create', { code: 'HOST-1', surgeryDate: null, eye: null, surgeon: '', notes: '' });
    png = makePng(64, 48);
    const f = await t.call('frames.addImage', { caseId: (c.body.value as { id: number }).id, fileName: '/home/someone/frame.png', data: png });
    expect(f.status).toBe(200);
    sha = (f.body.value as { sha256: string }).sha256;
  });
  afterAll(async () => {
    await t.close();
  });
  const auth = () => ({ Authorization: `Bearer ${t.host.token}` });

  it('prints a loopback URL carrying the token', () => {
    expect(t.host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${t.host.port}/\\?token=[A-Za-z0-9_-]{32}$`));
  });

  it.each(['/', '/assets/app.js', '/api/events', `/media/frames/${'0'.repeat(64)}`])('refuses %s without the token', async (p) => {
    const r = await raw(t.host.port, p);
    expect(r.status).toBe(401);
  });

  it('refuses API calls without the token, or with a wrong one, before any service runs', async () => {
    const before = (await t.call('cases.list', {})).body.value as unknown[];
    for (const headers of [{}, { Authorization: 'Bearer wrong' }, { Cookie: 'workstation_token=wrong' }] as Array<Record<string, string>>) {
      const res = await fetch(`http://127.0.0.1:${t.host.port}/api/invoke/cases.create`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ code: 'SNEAKY', surgeryDate: null, eye: null, surgeon: '', notes: '' }),
      });
      expect(res.status).toBe(401);
    }
    expect((await t.call('cases.list', {})).body.value).toHaveLength(before.length);
  });

  it('sets an HttpOnly cookie from ?token= and accepts it afterwards', async () => {
    const page = await raw(t.host.port, `/?token=${t.host.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const cookie = page.headers['set-cookie']![0]!.split(';')[0]!;
    expect((await raw(t.host.port, '/assets/app.js', { Cookie: cookie })).status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin', async () => {
    expect((await raw(t.host.port, '/', { ...auth(), Host: 'evil.example:80' })).status).toBe(421);
    const res = await fetch(`http://127.0.0.1:${t.host.port}/api/invoke/cases.list`, {
      method: 'POST',
      headers: { ...auth(), Origin: 'http://evil.example' },
      body: '{}',
    });
    expect(res.status).toBe(403);
  });

  it('validates arguments with the same contract (400 with the message)', async () => {
    const r = await t.call('cases.create', { code: 'bad code', surgeryDate: null, eye: null, surgeon: '', notes: '' });
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toMatch(/code: Use letters, digits/);
  });

  it('serves a library frame with Range: first bytes, middle, last, whole, and 416', async () => {
    const url = `/media/frames/${sha}`;
    const first = await raw(t.host.port, url, { ...auth(), Range: 'bytes=0-7' });
    expect(first.status).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-7/${png.length}`);
    expect([...first.body]).toEqual([...png.subarray(0, 8)]);
    const mid = await raw(t.host.port, url, { ...auth(), Range: 'bytes=20-39' });
    expect([...mid.body]).toEqual([...png.subarray(20, 40)]);
    const last = await raw(t.host.port, url, { ...auth(), Range: 'bytes=-10' });
    expect([...last.body]).toEqual([...png.subarray(png.length - 10)]);
    const whole = await raw(t.host.port, url, auth());
    expect(whole.status).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(Buffer.compare(whole.body, Buffer.from(png))).toBe(0);
    for (const bad of [`bytes=${png.length}-`, 'bytes=50-10', 'bytes=x-y']) {
      const r = await raw(t.host.port, url, { ...auth(), Range: bad });
      expect(r.status, bad).toBe(416);
      expect(r.headers['content-range']).toBe(`bytes */${png.length}`);
    }
  });

  it.each([
    '/media/frames/..%2F..%2Flibrary.sqlite',
    '/media/frames/../library.sqlite',
    '/media/frames/%2Fetc%2Fpasswd',
    `/media/frames/${'a'.repeat(64)}`,
    '/media/library.sqlite',
  ])('serves nothing outside the library: %s', async (p) => {
    const r = await raw(t.host.port, p, auth());
    expect(r.status).toBe(404);
  });

  it.each(['/..%2Foutside-secret.txt', '/assets/..%2F..%2Foutside-secret.txt', '/%2Fetc%2Fpasswd'])(
    'refuses static paths that leave the renderer: %s',
    async (p) => {
      const r = await raw(t.host.port, p, auth());
      expect(r.status).toBe(403);
      expect(r.body.toString()).not.toContain('secret');
    },
  );

  it('refuses a symlink out of the renderer folder', async () => {
    fs.symlinkSync(path.join(path.dirname(renderer), 'outside-secret.txt'), path.join(renderer, 'assets', 'leak.txt'));
    const r = await raw(t.host.port, '/assets/leak.txt', auth());
    expect(r.status).toBe(403);
  });

  it('stores only the file name of an added image, not its path', async () => {
    const frames = (await t.call('frames.list', { caseId: 1 })).body.value as Array<{ sourceName: string }>;
    expect(frames[0]!.sourceName).toBe('frame.png');
  });

  it('has no file dialog: app.choosePath says to type the path', async () => {
    const r = await t.call('app.choosePath', { purpose: 'video' });
    expect(r.body.ok).toBe(false);
    expect(r.body.error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/no file dialog in the browser\. Type or paste the full path/) });
  });

  it('streams service events over SSE', async () => {
    const ac = new AbortController();
    const res = await fetch(`http://127.0.0.1:${t.host.port}/api/events`, { headers: auth(), signal: ac.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    await new Promise((r) => setTimeout(r, 50));
    t.events.emit('inference.status', { state: 'no-model', message: 'hello-sse', model: null, device: null, runningAnalysisId: null, queued: 0 });
    let text = '';
    while (!text.includes('hello-sse')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('event: inference.status');
    ac.abort();
  });
});

describe('browser host shutdown', () => {
  it('closes at once while a page still holds an event stream and a half-sent request', async () => {
    const t = await startTestHost();
    const res = await fetch(`http://127.0.0.1:${t.host.port}/api/events`, { headers: { Authorization: `Bearer ${t.host.token}` } });
    expect(res.status).toBe(200);
    // A connection in the middle of a request is not idle: server.close() alone would wait for it (headersTimeout).
    const socket = net.connect(t.host.port, '127.0.0.1').on('error', () => undefined); // reset by the closing host
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${t.host.port}\r\n`);
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const outcome = await Promise.race([
      t.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still open after 10 s'), 10_000)),
    ]);
    expect(outcome).toBe('closed');
    await ended; // the half-sent request's connection was dropped, not left waiting
    await res.body?.cancel().catch(() => undefined);
  }, 30_000);
});
