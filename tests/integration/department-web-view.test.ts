// The department server's web view (web-view.ts) over plain HTTP on loopback, on SQLite: the page and its files
// with their types and a strict CSP, GET and HEAD only, no way out of the folder, and the API unchanged beside it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts } from '../../electron/core/department/accounts';
import { openLibraryDb, type LibraryDbHandle } from '../../electron/core/department/db';
import { createLibraryStore } from '../../electron/core/department/library-store';
import { migrateLibrary } from '../../electron/core/department/migrations';
import { inProcessReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { resolveWebFile } from '../../electron/host/department/web-view';
import { FAST_SCRYPT } from '../fixtures/department-library';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir: string;
let web: string;
let handle: LibraryDbHandle;
let server: DepartmentServer;

/** A raw request (the path exactly as written: fetch would normalise it). */
function request(method: string, rawPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}/`, { method, path: rawPath }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-web-'));
  web = path.join(dir, 'web');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-department-web.mjs'), '--out', web, '--quiet'], { stdio: 'inherit' });
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the web root');
  fs.writeFileSync(path.join(web, '.hidden.js'), 'hidden');
  handle = openLibraryDb({ kind: 'sqlite', file: path.join(dir, 'library.sqlite') });
  await migrateLibrary(handle);
  const events = inProcessReviewEvents();
  const store = createLibraryStore(handle, { changes: events.sink });
  server = await startDepartmentServer({ accounts: createAccounts(handle, { scrypt: FAST_SCRYPT }), store, events, webRoot: web });
});

afterAll(async () => {
  await server?.close();
  await handle?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the department web view', () => {
  it('serves the page, its script and its styles with their types, the security headers and a strict CSP', async () => {
    const page = await request('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<div id="root"></div>');
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['set-cookie']).toBeUndefined();
    expect((await request('GET', '/main.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await request('GET', '/main.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await request('HEAD', '/main.js');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(fs.statSync(path.join(web, 'main.js')).size);
    expect(head.body).toBe('');
  });

  it('answers only GET and HEAD, and nothing outside its folder', async () => {
    const post = await request('POST', '/');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    for (const p of ['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/.hidden.js', '/main.js%00.css', '/nope.js', '/index.html/', '//etc/passwd']) {
      const res = await request('GET', p);
      expect(res.status, p).toBe(404);
      expect(res.body, p).not.toContain('outside the web root');
    }
    expect(resolveWebFile(web, '/..%2f..%2fsecret.txt')).toBeNull();
    expect(resolveWebFile(web, '/%E0%A4%A')).toBeNull();
    expect(resolveWebFile(web, '/')).toBe(path.join(web, 'index.html'));
  });

  it('leaves the API as it was: JSON, and 401 without a session', async () => {
    const me = await request('GET', '/api/me');
    expect(me.status).toBe(401);
    expect(JSON.parse(me.body)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await request('GET', '/api/nothing-here')).status).toBe(404);
    expect(JSON.parse((await request('GET', '/api/nothing-here')).body)).toMatchObject({ ok: false });
  });
});
