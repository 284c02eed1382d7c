// The department server's media routes, as a browser and a stranger meet them, on SQLite and on a real PostgreSQL
// server: each stored file served as what its first bytes say it is (nosniff; Range keeps the type), 401 on every
// publishing route without a session, and an upload checked like every write (its declared type, no foreign origin).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepartmentClient } from '../../electron/core/department/client';
import { inProcessReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { BACKENDS, openDepartment, PASSWORDS, testClock } from '../fixtures/department-library';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-media-routes-'));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(BACKENDS)('the media routes of the department server on $name', (backend) => {
  let server: DepartmentServer;

  beforeAll(async () => {
    await backend.start();
    const dept = await openDepartment(backend, testClock(new Date().toISOString())); // sessions expire in real time
    server = await startDepartmentServer({ accounts: dept.accounts, store: dept.store, events: inProcessReviewEvents(), mediaDir: path.join(dir, `media-${backend.name}`) });
  });
  afterAll(async () => {
    await server?.close();
    await backend.stop();
  });

  async function signedIn(username = 'rhea', password = PASSWORDS.resident): Promise<DepartmentClient> {
    const c = new DepartmentClient({ baseUrl: server.url });
    await c.login(username, password);
    return c;
  }

  it('serves each stored file as what its first bytes say it is (nosniff), else application/octet-stream; Range keeps the type', async () => {
    const rhea = await signedIn();
    const tail = () => crypto.randomBytes(600);
    const ftyp = (brand: string) => Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from(`ftyp${brand}\0\0\0\0isom`, 'latin1'), tail()]);
    const ebml = (docType: string) => Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x80 | docType.length]), Buffer.from(docType), tail()]);
    const ts = Buffer.concat([0, 1, 2, 3].map(() => Buffer.concat([Buffer.from([0x47]), crypto.randomBytes(187)])));
    const notTs = Buffer.concat([Buffer.from('G'), Buffer.alloc(400, 0x20), tail()]); // one "G", no sync 188 bytes on
    const cases: Array<[string, Buffer]> = [
      ['image/png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), tail()])],
      ['image/jpeg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), tail()])],
      ['video/mp4', ftyp('isom')],
      ['video/mp4', ftyp('mp42')],
      ['video/quicktime', ftyp('qt  ')],
      ['video/webm', ebml('webm')],
      ['video/x-matroska', ebml('matroska')],
      ['video/mp2t', ts],
      ['application/octet-stream', ftyp('heic')], // a still image in an ISO box: not claimed as a video
      ['application/octet-stream', notTs],
      ['application/octet-stream', Buffer.concat([Buffer.from('<html><script>alert(1)</script>'), tail()])],
    ];
    for (const [type, bytes] of cases) {
      const sha = crypto.createHash('sha256').update(bytes).digest('hex');
      expect(await rhea.uploadMedia(sha, { source: { bytes }, start: 0, end: bytes.length, total: bytes.length })).toMatchObject({ complete: true });
      const whole = await rhea.raw({ method: 'GET', path: `/api/media/${sha}/content` });
      expect([whole.status, whole.headers['content-type'], whole.headers['x-content-type-options'], whole.headers['content-length']], type).toEqual([200, type, 'nosniff', String(bytes.length)]);
      const part = await rhea.raw({ method: 'GET', path: `/api/media/${sha}/content`, headers: { Range: 'bytes=100-' } });
      expect([part.status, part.headers['content-type'], part.headers['content-range']], type).toEqual([206, type, `bytes 100-${bytes.length - 1}/${bytes.length}`]);
    }
  });

  it('answers 401 on the publishing routes without a session, and refuses cross-site uploads', async () => {
    const anonymous = new DepartmentClient({ baseUrl: server.url });
    const sha = 'a'.repeat(64);
    for (const [method, p, headers] of [
      ['GET', `/api/media/${sha}`],
      ['POST', '/api/media/status'],
      ['PUT', `/api/media/${sha}`, { 'Content-Type': 'application/octet-stream', 'Content-Range': 'bytes 0-2/3' }],
      ['GET', `/api/media/${sha}/content`],
      ['POST', '/api/reviews/publish'],
      ['GET', '/api/reviews/1/published'],
    ] as const) {
      const res = await anonymous.raw({ method, path: p, ...(method === 'GET' ? {} : { body: method === 'PUT' ? 'abc' : {} }), ...(headers ? { headers } : {}) });
      expect(res.status, `${method} ${p}`).toBe(401);
    }
    expect(server.routes.filter((r) => r.pattern.startsWith('/api/media') || r.pattern.includes('publish')).every((r) => !r.public)).toBe(true);

    // Signed in, an upload is still checked like every write: its declared type, and no foreign origin.
    const rhea = await signedIn();
    const bytes = 'abc';
    const hash = crypto.createHash('sha256').update(bytes).digest('hex');
    const put = (headers: Record<string, string>) => rhea.raw({ method: 'PUT', path: `/api/media/${hash}`, body: bytes, headers: { 'Content-Range': 'bytes 0-2/3', ...headers } });
    expect((await put({ 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await put({ 'Content-Type': 'application/octet-stream', Origin: 'https://elsewhere.example' })).status).toBe(403);
    expect((await rhea.mediaStatuses([hash]))[0]).toMatchObject({ received: 0, complete: false });
    expect(JSON.parse((await put({ 'Content-Type': 'application/octet-stream' })).text)).toMatchObject({ ok: true, value: { complete: true, received: 3 } });
  });
});
