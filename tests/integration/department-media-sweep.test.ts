// Abandoned uploads in the department server's media folder (issue #18): an unfinished upload not written for longer
// than the limit (7 days by default) is removed when the server starts (and every hour), and the removal is logged;
// a fresher one is kept, and one being written right now is never touched, however old its file looks. Ages are
// set on the files (utimes), not waited for. An upload whose partial was removed starts again from byte 0.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepartmentApiError, DepartmentClient } from '../../electron/core/department/client';
import { createMediaStore, DEFAULT_PARTIAL_MAX_AGE_MS } from '../../electron/core/department/media-store';
import { inProcessReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { BACKENDS, openDepartment, PASSWORDS, testClock, type Department } from '../fixtures/department-library';

const DAY = 24 * 3600_000;
const sqlite = BACKENDS.find((b) => b.name === 'SQLite')!;
const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

let dir: string;
let dept: Department;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-media-sweep-'));
  await sqlite.start();
  dept = await openDepartment(sqlite, testClock(new Date().toISOString())); // sessions expire in real time
});
afterAll(async () => {
  await sqlite.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Makes an unfinished upload look last written `days` ago (its .part and .size files). */
function age(mediaDir: string, sha: string, days: number): void {
  const when = new Date(Date.now() - days * DAY);
  for (const ext of ['part', 'size']) fs.utimesSync(path.join(mediaDir, 'partial', `${sha}.${ext}`), when, when);
}

describe('abandoned uploads in the media folder', () => {
  it('are removed at server start when older than the limit (logged); a fresh one is kept; the removed one uploads again from 0', async () => {
    const mediaDir = path.join(dir, 'media');
    const start = async (logged: string[] = []) => {
      const events = inProcessReviewEvents();
      const log = { info: (m: string) => logged.push(m), error: (m: string) => logged.push(`ERROR ${m}`) };
      return startDepartmentServer({ accounts: dept.accounts, store: dept.store, events, mediaDir, log });
    };
    const signedIn = async (server: DepartmentServer) => {
      const c = new DepartmentClient({ baseUrl: server.url });
      await c.login('rhea', PASSWORDS.resident);
      return c;
    };
    const old = crypto.randomBytes(48 * 1024);
    const fresh = crypto.randomBytes(32 * 1024);
    const [oldSha, freshSha] = [sha256(old), sha256(fresh)];

    // Two uploads stop half-way.
    const first = await start();
    const rhea = await signedIn(first);
    for (const bytes of [old, fresh]) await rhea.uploadMedia(sha256(bytes), { source: { bytes }, start: 0, end: bytes.length / 2, total: bytes.length });
    await first.close();
    age(mediaDir, oldSha, 8);
    age(mediaDir, freshSha, 6);

    const logged: string[] = [];
    const second = await start(logged);
    try {
      expect(fs.readdirSync(path.join(mediaDir, 'partial')).sort()).toEqual([`${freshSha}.part`, `${freshSha}.size`]);
      expect(logged.filter((l) => l.startsWith('Media:'))).toEqual([
        expect.stringMatching(new RegExp(`^Media: removed 1 unfinished upload\\(s\\) not written for 7 days, ${old.length / 2} bytes in all: ${oldSha.slice(0, 12)}…`)),
      ]);

      const c = await signedIn(second);
      expect(await c.mediaStatuses([oldSha, freshSha])).toEqual([
        { sha256: oldSha, size: null, received: 0, complete: false, uploading: false },
        { sha256: freshSha, size: fresh.length, received: fresh.length / 2, complete: false, uploading: false },
      ]);
      // Resuming where it stopped is refused: the server holds none of it now.
      const resumed = await c.uploadMedia(oldSha, { source: { bytes: old }, start: old.length / 2, end: old.length, total: old.length }).catch((e: unknown) => e);
      expect(resumed).toBeInstanceOf(DepartmentApiError);
      expect(resumed).toMatchObject({ status: 409, error: { message: expect.stringMatching(/holds 0 bytes of this file: resume from byte 0/) } });
      expect(await c.uploadMedia(oldSha, { source: { bytes: old }, start: 0, end: old.length, total: old.length })).toMatchObject({ complete: true, received: old.length });
      expect(await c.uploadMedia(freshSha, { source: { bytes: fresh }, start: fresh.length / 2, end: fresh.length, total: fresh.length })).toMatchObject({ complete: true });
      expect(sha256(fs.readFileSync(path.join(mediaDir, oldSha)))).toBe(oldSha);
      expect(sha256(fs.readFileSync(path.join(mediaDir, freshSha)))).toBe(freshSha);
      expect(fs.readdirSync(path.join(mediaDir, 'partial'))).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('never removes an upload being written right now, however old its file looks', async () => {
    const mediaDir = path.join(dir, 'media-busy');
    const media = createMediaStore(mediaDir, { partialMaxAgeMs: DEFAULT_PARTIAL_MAX_AGE_MS });
    const bytes = crypto.randomBytes(20_000);
    const sha = sha256(bytes);
    // A body that sends its first half, then waits: the store has written that half and holds the upload open.
    let pulled = () => undefined as void;
    const firstWritten = new Promise<void>((resolve) => (pulled = resolve));
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* body() {
      yield bytes.subarray(0, 10_000);
      pulled();
      await gate;
      yield bytes.subarray(10_000);
    }
    const upload = media.append(sha, { start: 0, end: bytes.length - 1, total: bytes.length }, body());
    await firstWritten;
    age(mediaDir, sha, 30);
    expect(await media.sweepPartials()).toEqual({ removed: [], bytes: 0 });
    release();
    expect(await upload).toMatchObject({ complete: true, received: bytes.length });
    expect(sha256(fs.readFileSync(path.join(mediaDir, sha)))).toBe(sha);

    // Once nobody writes it, an old one goes (the store's own limit).
    const other = crypto.randomBytes(1000);
    await media.append(sha256(other), { start: 0, end: 499, total: other.length }, Readable.from([other.subarray(0, 500)]));
    age(mediaDir, sha256(other), 8);
    expect(await media.sweepPartials()).toEqual({ removed: [{ sha256: sha256(other), bytes: 500, lastWritten: expect.any(String) }], bytes: 500 });
    expect(fs.readdirSync(path.join(mediaDir, 'partial'))).toEqual([]);
  });
});
