// serveFileRange and the app:// / media:// request logic built on it: statuses, headers and byte-exact bodies.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mimeFor, resolveStaticPath, serveFileRange } from '../../electron/core/media/serve-file';
import { CONTENT_SECURITY_POLICY } from '../../electron/core/security/csp';
import { appResponse, mediaResponse, toWebResponse, type ProtocolRequest } from '../../electron/main/protocols';

let dir: string;
let file: string;
let bytes: Buffer;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-file-'));
  bytes = Buffer.alloc(10_000);
  let x = 12345;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  file = path.join(dir, 'frame.png');
  fs.writeFileSync(file, bytes);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function read(body: Readable | null): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('serveFileRange', () => {
  it('serves the whole file without a Range header', async () => {
    const r = await serveFileRange(file, 'image/png', undefined);
    expect(r.status).toBe(200);
    expect(r.headers).toMatchObject({ 'Content-Type': 'image/png', 'Content-Length': '10000', 'Accept-Ranges': 'bytes' });
    expect((await read(r.body)).equals(bytes)).toBe(true);
  });

  it('serves the first bytes', async () => {
    const r = await serveFileRange(file, 'image/png', 'bytes=0-99');
    expect(r.status).toBe(206);
    expect(r.headers).toMatchObject({ 'Content-Range': 'bytes 0-99/10000', 'Content-Length': '100' });
    expect((await read(r.body)).equals(bytes.subarray(0, 100))).toBe(true);
  });

  it('serves a range from the middle', async () => {
    const r = await serveFileRange(file, 'image/png', 'bytes=4096-6143');
    expect(r.status).toBe(206);
    expect(r.headers['Content-Range']).toBe('bytes 4096-6143/10000');
    expect((await read(r.body)).equals(bytes.subarray(4096, 6144))).toBe(true);
  });

  it('serves the last bytes (suffix range) and an open-ended range', async () => {
    const suffix = await serveFileRange(file, 'image/png', 'bytes=-500');
    expect(suffix.status).toBe(206);
    expect(suffix.headers['Content-Range']).toBe('bytes 9500-9999/10000');
    expect((await read(suffix.body)).equals(bytes.subarray(9500))).toBe(true);

    const open = await serveFileRange(file, 'image/png', 'bytes=9990-');
    expect(open.headers['Content-Length']).toBe('10');
    expect((await read(open.body)).equals(bytes.subarray(9990))).toBe(true);
  });

  it('clamps a range that runs past the end and serves a range covering the whole file', async () => {
    const r = await serveFileRange(file, 'image/png', 'bytes=9000-20000');
    expect(r.headers['Content-Range']).toBe('bytes 9000-9999/10000');
    expect((await read(r.body)).equals(bytes.subarray(9000))).toBe(true);
    const all = await serveFileRange(file, 'image/png', 'bytes=0-');
    expect(all.status).toBe(206);
    expect((await read(all.body)).equals(bytes)).toBe(true);
  });

  it.each(['bytes=10000-', 'bytes=20000-30000', 'bytes=500-100', 'bytes=-0', 'bytes=-', 'bytes=abc', 'bytes=1-2-3'])(
    'answers 416 to %s',
    async (range) => {
      const r = await serveFileRange(file, 'image/png', range);
      expect(r.status).toBe(416);
      expect(r.headers['Content-Range']).toBe('bytes */10000');
      expect(r.body).toBeNull();
    },
  );

  it('HEAD gets the headers and no body', async () => {
    const r = await serveFileRange(file, 'image/png', 'bytes=0-9', { head: true });
    expect(r.status).toBe(206);
    expect(r.headers['Content-Length']).toBe('10');
    expect(r.body).toBeNull();
  });

  it('answers 404 for a missing file or a folder', async () => {
    expect((await serveFileRange(path.join(dir, 'missing.png'), 'image/png', null)).status).toBe(404);
    expect((await serveFileRange(dir, 'image/png', null)).status).toBe(404);
  });

  it('serves an empty file as 200 with no bytes, and any range of it as 416', async () => {
    const empty = path.join(dir, 'empty.png');
    fs.writeFileSync(empty, '');
    const r = await serveFileRange(empty, 'image/png', null);
    expect(r.status).toBe(200);
    expect(r.headers['Content-Length']).toBe('0');
    expect((await serveFileRange(empty, 'image/png', 'bytes=0-1')).status).toBe(416);
  });
});

describe('resolveStaticPath', () => {
  let renderer: string;
  beforeAll(() => {
    renderer = path.join(dir, 'renderer');
    fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>x</title>');
    fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'secret');
    fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(renderer, 'assets', 'link.txt'));
  });

  it('finds files, falls back to index.html for client routes, 404s missing assets', () => {
    expect(resolveStaticPath(renderer, '/assets/app.js')).toEqual({ kind: 'file', file: fs.realpathSync(path.join(renderer, 'assets/app.js')), fallback: false });
    expect(resolveStaticPath(renderer, '/')).toMatchObject({ kind: 'file', fallback: false });
    expect(resolveStaticPath(renderer, '/cases/12/review')).toMatchObject({ kind: 'file', fallback: true });
    expect(resolveStaticPath(renderer, '/assets')).toMatchObject({ kind: 'file', fallback: true });
    expect(resolveStaticPath(renderer, '/assets/missing.js')).toEqual({ kind: 'not-found' });
  });

  it.each(['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets%2f..%2f..%2fsecret.txt', '/..%5csecret.txt', '/assets/link.txt'])(
    'refuses %s',
    (p) => {
      expect(resolveStaticPath(renderer, p).kind).toBe('forbidden');
    },
  );

  it('answers a malformed percent-encoding as a bad request, not an error', () => {
    expect(resolveStaticPath(renderer, '/%E0%A4%A')).toEqual({ kind: 'bad-request', reason: 'malformed percent-encoding' });
    expect(resolveStaticPath(renderer, '/assets/%zz.js').kind).toBe('bad-request');
  });

  it('knows the MIME types the renderer build uses', () => {
    expect(mimeFor('a/index.html')).toBe('text/html; charset=utf-8');
    expect(mimeFor('x.JS')).toBe('text/javascript; charset=utf-8');
    expect(mimeFor('x.css')).toBe('text/css; charset=utf-8');
    expect(mimeFor('x.woff2')).toBe('font/woff2');
    expect(mimeFor('x.wasm')).toBe('application/wasm');
    expect(mimeFor('x.unknown')).toBe('application/octet-stream');
  });
});

function request(url: string, headers: Record<string, string> = {}, method = 'GET'): ProtocolRequest {
  const h = new Headers(headers);
  return { url, method, headers: h };
}

describe('app:// and media:// responses', () => {
  let renderer: string;
  beforeAll(() => {
    renderer = path.join(dir, 'renderer-app');
    fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>app</title>');
    fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'export {}');
  });

  it('serves the renderer with its MIME type and the CSP', async () => {
    const r = await appResponse(renderer, request('app://workstation/assets/app.js'));
    expect(r.status).toBe(200);
    expect(r.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(r.headers['X-Content-Type-Options']).toBe('nosniff');
    expect((await read(r.body)).toString()).toBe('export {}');
    const page = await appResponse(renderer, request('app://workstation/library'));
    expect(page.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect((await read(page.body)).toString()).toContain('<title>app</title>');
  });

  it('refuses escapes (403), unknown hosts and missing assets (404), other methods (405)', async () => {
    // The URL parser already folds "/%2e%2e/" into the root, so this asks for <root>/secret.txt: missing.
    expect((await appResponse(renderer, request('app://workstation/%2e%2e/secret.txt'))).status).toBe(404);
    expect((await appResponse(renderer, request('app://workstation/..%2fsecret.txt'))).status).toBe(403);
    expect((await appResponse(renderer, request('app://elsewhere/index.html'))).status).toBe(404);
    expect((await appResponse(renderer, request('app://workstation/assets/nope.js'))).status).toBe(404);
    expect((await appResponse(renderer, request('app://workstation/', {}, 'POST'))).status).toBe(405);
  });

  const sha = 'a'.repeat(64);
  const resolveFrame = (s: string) => (s === sha ? { file, mime: 'image/png' } : null);

  it('media:// serves known frames with ranges, and only those', async () => {
    const whole = await mediaResponse(resolveFrame, request(`media://frames/${sha}`));
    expect(whole.status).toBe(200);
    expect(whole.headers['Access-Control-Allow-Origin']).toBe('app://workstation');
    expect((await read(whole.body)).equals(bytes)).toBe(true);

    const part = await mediaResponse(resolveFrame, request(`media://frames/${sha}`, { Range: 'bytes=100-199' }));
    expect(part.status).toBe(206);
    expect((await read(part.body)).equals(bytes.subarray(100, 200))).toBe(true);

    expect((await mediaResponse(resolveFrame, request(`media://frames/${sha}`, { Range: 'bytes=99999-' }))).status).toBe(416);
    for (const url of [`media://frames/${'b'.repeat(64)}`, `media://frames/${sha}/x`, `media://other/${sha}`, 'media://frames/..%2f..%2fetc%2fpasswd', `media://frames/${sha.toUpperCase()}`]) {
      expect((await mediaResponse(resolveFrame, request(url))).status, url).toBe(404);
    }
  });

  it('becomes a web Response with the same bytes', async () => {
    const response = toWebResponse(await mediaResponse(resolveFrame, request(`media://frames/${sha}`, { Range: 'bytes=-10' })));
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe('bytes 9990-9999/10000');
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes.subarray(9990))).toBe(true);
  });
});
