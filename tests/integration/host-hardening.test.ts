// The browser host's gaps, closed: the printed ?token= opens the page and nothing else; a malformed media path is a
// bad request (400), not an internal error; media says nosniff; an unexpected error is written to the log file with
// its stack and with no secret or user path in it, and the answer carries no internal details beyond the message.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logsDir } from '../../electron/core/logging/app-log';
import { startTestHost, type TestHost } from '../fixtures/host';
import { makePng } from '../fixtures/images';

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

function readLog(dataDir: string): string {
  const dir = logsDir(dataDir);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('');
}

describe('browser host hardening', () => {
  let t: TestHost;
  let sha: string;
  const apiKey = 'sk-live-SECRETKEY-0123456789abcdef';
  beforeAll(async () => {
    const renderer = fs.mkdtempSync(path.join(os.tmpdir(), 'renderer-'));
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Workstation</title>');
    fs.mkdirSync(path.join(renderer, 'assets'));
    fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
    t = await startTestHost({ rendererDir: renderer });
    const c = await t.call('cases.create', { code: 'HARD-1', surgeryDate: null, eye: null, surgeon: '', notes: '' });
    const f = await t.call('frames.addImage', { caseId: (c.body.value as { id: number }).id, fileName: 'f.png', data: makePng(32, 24) });
    sha = (f.body.value as { sha256: string }).sha256;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('accepts ?token= only to open the page; the API, events, media and assets need the cookie or a bearer token', async () => {
    const q = `token=${t.host.token}`;
    expect((await raw(t.host.port, `/?${q}`)).status).toBe(200);
    expect((await raw(t.host.port, `/cases/3?${q}`)).status).toBe(200); // a client route is the page too
    for (const p of [`/assets/app.js?${q}`, `/media/frames/${sha}?${q}`, `/api/events?${q}`]) {
      expect((await raw(t.host.port, p)).status, p).toBe(401);
    }
    const api = await fetch(`http://127.0.0.1:${t.host.port}/api/invoke/cases.list?${q}`, { method: 'POST', body: '{}' });
    expect(api.status).toBe(401);
  });

  it.each(['/media/frames/%E0%A4%A', '/media/frames/%zz', '/media/frames/%'])('answers a malformed media path %s with 400 and no internal text', async (p) => {
    const r = await raw(t.host.port, p, { Authorization: `Bearer ${t.host.token}` });
    expect(r.status).toBe(400);
    expect(r.body.toString()).not.toMatch(/URIError|Internal|stack/i);
  });

  it('answers a malformed static path with 400', async () => {
    expect((await raw(t.host.port, '/assets/%E0%A4%A.js', { Authorization: `Bearer ${t.host.token}` })).status).toBe(400);
  });

  it('sends nosniff with media and with refusals', async () => {
    const auth = { Authorization: `Bearer ${t.host.token}` };
    const media = await raw(t.host.port, `/media/frames/${sha}`, auth);
    expect(media.status).toBe(200);
    expect(media.headers['x-content-type-options']).toBe('nosniff');
    expect((await raw(t.host.port, `/media/frames/${'b'.repeat(64)}`, auth)).headers['x-content-type-options']).toBe('nosniff');
    expect((await raw(t.host.port, '/assets/app.js', auth)).headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('logs an unexpected error (a library closed under the service) with its stack, and no secret or user path', async () => {
    // Secrets the log has been told about: the host token, and a key that came with a call.
    await t.call('inference.testConnection', { url: 'http://127.0.0.1:1', apiKey });
    const db = t.services.db;
    db.close(); // what a library file damaged or pulled away during a session looks like to the services
    const r = await t.call('cases.list', {});
    expect(r.status).toBe(500);
    expect(r.body.error?.code).toBe('internal');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const text = readLog(t.dataDir);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string; err?: { stack: string; message: string } });
    const entry = lines.find((l) => l.msg === 'Unexpected error in cases.list');
    expect(entry?.level).toBe('error');
    expect(entry?.err?.message).toMatch(/database connection is not open/);
    expect(entry?.err?.stack).toMatch(/<app>\/electron\/core\/cases\/cases-store\.ts/);
    expect(text).not.toContain(t.host.token);
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain(os.tmpdir()); // the data folder appears as <data>, never spelled out
  });
});
