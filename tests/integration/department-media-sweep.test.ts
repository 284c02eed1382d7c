// Abandoned uploads in the department server's media folder (issue #18): an unfinished upload not written for longer
// than the limit (7 days by default) is removed when the server starts (and every hour), and the removal is logged;
// a fresher one is kept, and one being written right now is never touched, however old its file looks. Ages are
// set on the files (utimes), not waited for. An upload whose partial was removed starts again from byte 0. One whose
// every byte arrived (the server stopped before storing it) is stored if it hashes to its name, else removed. The limit
// is the CLI's --partial-max-age (a real `serve:department` process); a value it cannot read starts nothing.
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepartmentApiError, DepartmentClient } from '../../electron/core/department/client';
import { createMediaStore, DEFAULT_PARTIAL_MAX_AGE_MS } from '../../electron/core/department/media-store';
import { inProcessReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { BACKENDS, openDepartment, PASSWORDS, testClock, type Department } from '../fixtures/department-library';
import { REPO_ROOT } from '../fixtures/videos';

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

/** Leaves what a server stopped mid-upload leaves: `bytes` of an upload of `total` bytes under `sha` (DIR/partial). */
function leavePartial(mediaDir: string, sha: string, bytes: Uint8Array, total = bytes.length): void {
  fs.mkdirSync(path.join(mediaDir, 'partial'), { recursive: true });
  fs.writeFileSync(path.join(mediaDir, 'partial', `${sha}.part`), bytes);
  fs.writeFileSync(path.join(mediaDir, 'partial', `${sha}.size`), String(total));
}

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
    expect(await media.sweepPartials()).toEqual({ removed: [], bytes: 0, completed: [] });
    release();
    expect(await upload).toMatchObject({ complete: true, received: bytes.length });
    expect(sha256(fs.readFileSync(path.join(mediaDir, sha)))).toBe(sha);

    // Once nobody writes it, an old one goes (the store's own limit).
    const other = crypto.randomBytes(1000);
    await media.append(sha256(other), { start: 0, end: 499, total: other.length }, Readable.from([other.subarray(0, 500)]));
    age(mediaDir, sha256(other), 8);
    expect(await media.sweepPartials()).toEqual({ removed: [{ sha256: sha256(other), bytes: 500, lastWritten: expect.any(String), reason: 'abandoned' }], bytes: 500, completed: [] });
    expect(fs.readdirSync(path.join(mediaDir, 'partial'))).toEqual([]);
  });

  it('stores a stale upload whose every byte arrived (sha256 checked, logged); removes one whose bytes do not match', async () => {
    const mediaDir = path.join(dir, 'media-complete');
    const whole = crypto.randomBytes(40_000);
    const damaged = crypto.randomBytes(30_000);
    const [wholeSha, damagedSha] = [sha256(whole), sha256(damaged)];
    // The server stopped after the last byte was written, before it stored the file; one copy was damaged on disk.
    leavePartial(mediaDir, wholeSha, whole);
    leavePartial(mediaDir, damagedSha, Buffer.concat([damaged.subarray(0, 29_999), Buffer.from([damaged[29_999]! ^ 0xff])]));
    age(mediaDir, wholeSha, 8);
    age(mediaDir, damagedSha, 8);

    const logged: string[] = [];
    const log = { info: (m: string) => logged.push(m), error: (m: string) => logged.push(`ERROR ${m}`) };
    const server = await startDepartmentServer({ accounts: dept.accounts, store: dept.store, events: inProcessReviewEvents(), mediaDir, log });
    try {
      expect(fs.readdirSync(path.join(mediaDir, 'partial'))).toEqual([]);
      expect(fs.readdirSync(mediaDir).filter((f) => f !== 'partial')).toEqual([wholeSha]);
      expect(sha256(fs.readFileSync(path.join(mediaDir, wholeSha)))).toBe(wholeSha);
      expect(logged.filter((l) => l.startsWith('Media:')).sort()).toEqual([
        expect.stringMatching(new RegExp(`^Media: completed 1 upload\\(s\\) not written for 7 days whose every byte had arrived \\(sha256 checked, stored\\): ${wholeSha.slice(0, 12)}… \\(40000 bytes, last written `)),
        expect.stringMatching(new RegExp(`^Media: removed 1 unfinished upload\\(s\\) not written for 7 days, 30000 bytes in all: ${damagedSha.slice(0, 12)}… \\(30000 bytes, last written .*; every byte had arrived but they do not match their sha256\\)$`)),
      ]);

      // A reviewer sees the stored one complete (and can read it back); the damaged one is not there at all.
      const c = new DepartmentClient({ baseUrl: server.url });
      await c.login('rhea', PASSWORDS.resident);
      expect(await c.mediaStatuses([wholeSha, damagedSha])).toEqual([
        { sha256: wholeSha, size: whole.length, received: whole.length, complete: true, uploading: false },
        { sha256: damagedSha, size: null, received: 0, complete: false, uploading: false },
      ]);
      const read = await c.raw({ method: 'GET', path: `/api/media/${wholeSha}/content` });
      expect([read.status, read.headers['content-length']]).toEqual([200, String(whole.length)]);
    } finally {
      await server.close();
    }
  });

  it('takes its limit from the CLI: `--partial-max-age 12h` removes a 13-hour-old upload at start and keeps an 11-hour-old one', async () => {
    const mediaDir = path.join(dir, 'media-cli');
    const [older, younger] = [crypto.randomBytes(8000), crypto.randomBytes(6000)];
    leavePartial(mediaDir, sha256(older), older.subarray(0, 4000), older.length);
    leavePartial(mediaDir, sha256(younger), younger.subarray(0, 3000), younger.length);
    age(mediaDir, sha256(older), 13 / 24);
    age(mediaDir, sha256(younger), 11 / 24);

    const args = ['--db', `sqlite:${path.join(dir, 'cli.db')}`, '--listen', '127.0.0.1:0', '--media', mediaDir, '--partial-max-age', '12h'];
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve-department.ts', ...args], { cwd: REPO_ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(out) || child.exitCode !== null, 30_000);
      expect(out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
      expect(out).toMatch(new RegExp(`Media: removed 1 unfinished upload\\(s\\) not written for 12 hours, 4000 bytes in all: ${sha256(older).slice(0, 12)}…`));
      await waitFor(() => /are removed \(--partial-max-age\)/.test(out), 5000);
      expect(out).toMatch(/Media \(published videos and frames\): .*media-cli; unfinished uploads not written for 12 hours are removed \(--partial-max-age\)/);
      expect(fs.readdirSync(path.join(mediaDir, 'partial')).sort()).toEqual([`${sha256(younger)}.part`, `${sha256(younger)}.size`]);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);

  it('refuses a --partial-max-age it cannot read, naming the flag and the forms it takes, and starts nothing (exit 2)', async () => {
    const db = path.join(dir, 'refused.db');
    const mediaDir = path.join(dir, 'media-refused');
    const args = ['--db', `sqlite:${db}`, '--listen', '127.0.0.1:0', '--media', mediaDir, '--partial-max-age', '7 days'];
    const cli = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/serve-department.ts', ...args], { cwd: REPO_ROOT, timeout: 60_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/--partial-max-age takes a whole number followed by d, h, m or s .*e\.g\. 7d, 12h, 30m or 3600s; "7 days" is not one\./);
    expect(cli.stderr).toMatch(/--partial-max-age DURATION/); // the usage follows
    expect(cli.stdout).not.toMatch(/listening/);
    expect(fs.existsSync(db)).toBe(false);
    expect(fs.existsSync(mediaDir)).toBe(false);
  }, 60_000);
});

async function waitFor(ok: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`Timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
