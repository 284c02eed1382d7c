// A library that cannot be opened is never overwritten: the host starts in recovery mode (only app.info and
// recovery.* answer), the file stays byte-identical, and restoring a backup brings the data back.
import BetterSqlite3 from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeWire, decodeWire } from '../../electron/api/wire';
import { libraryFile } from '../../electron/core/app-services';
import { LATEST_VERSION } from '../../electron/core/db/migrations/index';
import { dailyBackup, listBackups } from '../../electron/core/library/backups';
import { RECOVERY_MESSAGE, startWorkstation, type Workstation } from '../../electron/core/library/workstation';
import { createEventHub } from '../../electron/host/event-hub';
import { startBrowserHost, type BrowserHost } from '../../electron/host/server';
import { seedReview } from '../fixtures/review-library';
import { nodeServiceOptions } from '../../electron/host/node-services';

const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

interface Running {
  ws: Workstation;
  host: BrowserHost;
  call(channel: string, input?: unknown): Promise<{ status: number; body: { ok: boolean; value?: never; error?: { code: string; message: string } } }>;
  close(): Promise<void>;
}

async function start(dataDir: string): Promise<Running> {
  const events = createEventHub();
  const ws = startWorkstation(nodeServiceOptions(dataDir, '0.0.0-test', events.emit));
  const rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'renderer-'));
  const host = await startBrowserHost({ services: ws, events, rendererDir });
  expect(ws.mode).toBe('starting'); // the integrity check runs on a worker thread; calls made now wait for it
  const early = fetch(`http://127.0.0.1:${host.port}/api/invoke/app.info`, { method: 'POST', headers: { Authorization: `Bearer ${host.token}` }, body: '{}' });
  await ws.ready;
  expect((await early).status).toBe(200);
  return {
    ws,
    host,
    async call(channel, input = {}) {
      const res = await fetch(`http://127.0.0.1:${host.port}/api/invoke/${channel}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
        body: encodeWire(input),
      });
      return { status: res.status, body: decodeWire(await res.text()) as never };
    },
    async close() {
      await host.close();
      await ws.close();
    },
  };
}

/** A library with a case, a review, an annotation and a note, closed cleanly, with its daily backup. */
async function libraryWithData(dataDir: string): Promise<{ annotationId: number; geometry: unknown }> {
  const app = await start(dataDir);
  try {
    const r = seedReview(app.ws.db, { code: 'SAFE-1', frames: 1 });
    const a = await app.call('annotations.create', { frameId: r.frameIds[0], kind: 'arrow', geometry: { x1: 0.1, y1: 0.2, x2: 0.3, y2: 0.4 }, label: 'lens' });
    expect(a.body.ok).toBe(true);
    await app.call('notes.create', { reviewId: r.reviewId, text: 'Kept safe in the backup.' });
    await app.ws.backupDone; // the daily backup of the first start was taken before the data existed (empty library: skipped)
    await dailyBackup(app.ws.db, path.join(dataDir, 'backups'), { force: true });
    const value = a.body.value as unknown as { id: number; geometry: unknown };
    return { annotationId: value.id, geometry: value.geometry };
  } finally {
    await app.close();
  }
}

/** Overwrites one whole page in the middle of the file with random bytes. */
function corruptMiddle(file: string): void {
  const size = fs.statSync(file).size;
  const pageSize = 4096;
  const pages = Math.floor(size / pageSize);
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, crypto.randomBytes(pageSize), 0, pageSize, Math.floor(pages / 2) * pageSize);
  } finally {
    fs.closeSync(fd);
  }
}

describe('recovery mode', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'recovery-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('starts on a damaged library without touching it, answers only recovery, and restores a backup', async () => {
    const dataDir = tempDir();
    const { annotationId, geometry } = await libraryWithData(dataDir);
    const file = libraryFile(dataDir);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    corruptMiddle(file);
    const damaged = sha(file);

    const app = await start(dataDir);
    try {
      expect(app.ws.mode).toBe('recovery');
      const status = await app.call('recovery.status');
      expect(status.body.ok).toBe(true);
      const s = status.body.value as unknown as { mode: string; problem: { kind: string; message: string }; file: string; backups: Array<{ name: string; label: string; sizeBytes: number; createdAt: string }> };
      expect(s).toMatchObject({ mode: 'recovery', file, problem: { kind: 'corrupt' } });
      expect(s.problem.message).toMatch(/has not been changed/);
      expect(s.backups.map((b) => b.label)).toContain('daily');
      expect(s.backups[0]!.sizeBytes).toBeGreaterThan(0);
      expect(Date.parse(s.backups[0]!.createdAt)).not.toBeNaN();

      expect((await app.call('app.info')).body).toMatchObject({ ok: true, value: { name: 'Cataract Review Workstation', dataDir } });
      for (const channel of ['cases.list', 'annotations.listForReview', 'search.query', 'settings.get']) {
        const res = await app.call(channel, channel === 'annotations.listForReview' ? { reviewId: 1 } : channel === 'search.query' ? { text: 'x' } : {});
        expect(res.status, channel).toBe(503);
        expect(res.body.error).toEqual({ code: 'unavailable', message: RECOVERY_MESSAGE });
      }
      expect(app.ws.resolveFrame('a'.repeat(64))).toBeNull();
      expect(sha(file)).toBe(damaged);

      // Restore: the damaged file is moved aside byte-identical, the backup copied in, the services reopened.
      const daily = s.backups.find((b) => b.label === 'daily')!;
      const restored = await app.call('recovery.restore', { backup: daily.name });
      expect(restored.body).toMatchObject({ ok: true, value: { mode: 'normal', problem: null } });
      const aside = (restored.body.value as unknown as { damagedFiles: string[] }).damagedFiles;
      expect(aside).toHaveLength(1);
      expect(path.basename(aside[0]!)).toMatch(/^library\.damaged-.*\.sqlite$/);
      expect(sha(aside[0]!)).toBe(damaged);
      expect(app.ws.mode).toBe('normal');
      const cases = await app.call('cases.list', {});
      expect((cases.body.value as unknown as Array<{ code: string }>).map((c) => c.code)).toEqual(['SAFE-1']);
      const anns = await app.call('annotations.listForReview', { reviewId: 1 });
      expect(anns.body.value).toEqual([expect.objectContaining({ id: annotationId, geometry })]);
      const hits = await app.call('search.query', { text: 'backup' });
      expect((hits.body.value as unknown as { hits: Array<{ kind: string }> }).hits.map((h) => h.kind)).toEqual(['note']);
      // Restoring again is refused now that the library is open.
      expect((await app.call('recovery.restore', { backup: daily.name })).body.error?.code).toBe('conflict');
    } finally {
      await app.close();
    }
  });

  it('refuses a backup name outside the backups folder and a backup that is damaged too, moving nothing', async () => {
    const dataDir = tempDir();
    await libraryWithData(dataDir);
    const file = libraryFile(dataDir);
    corruptMiddle(file);
    const damaged = sha(file);
    const bad = path.join(dataDir, 'backups', 'library-daily-2020-01-01T00-00-00-000Z.sqlite');
    fs.copyFileSync(file, bad);
    const app = await start(dataDir);
    try {
      expect((await app.call('recovery.restore', { backup: '../library.sqlite' })).body.error?.code).toBe('invalid-argument');
      expect((await app.call('recovery.restore', { backup: 'library-daily-1999-01-01T00-00-00-000Z.sqlite' })).body.error?.code).toBe('not-found');
      const res = await app.call('recovery.restore', { backup: path.basename(bad) });
      expect(res.body.error?.message).toMatch(/damaged too|cannot be opened/);
      expect(sha(file)).toBe(damaged);
      expect(app.ws.mode).toBe('recovery');
    } finally {
      await app.close();
    }
  });

  it('opens another library file from the recovery screen', async () => {
    const good = tempDir();
    await libraryWithData(good);
    const dataDir = tempDir();
    fs.writeFileSync(libraryFile(dataDir), Buffer.concat([Buffer.from('SQLite format 3\0'), crypto.randomBytes(8192)]));
    const app = await start(dataDir);
    try {
      expect(app.ws.mode).toBe('recovery');
      const nope = await app.call('recovery.openOther', { path: path.join(dataDir, 'missing.sqlite') });
      expect(nope.body.error?.code).toBe('not-found');
      const res = await app.call('recovery.openOther', { path: libraryFile(good) });
      expect(res.body).toMatchObject({ ok: true, value: { mode: 'normal', file: libraryFile(good) } });
      expect(((await app.call('cases.list', {})).body.value as unknown as Array<{ code: string }>).map((c) => c.code)).toEqual(['SAFE-1']);
    } finally {
      await app.close();
    }
  });

  it('refuses a library from a newer app with its message, unchanged', async () => {
    const dataDir = tempDir();
    const file = libraryFile(dataDir);
    const db = new BetterSqlite3(file);
    db.exec('CREATE TABLE future (x)');
    db.pragma(`user_version = ${LATEST_VERSION + 3}`);
    db.close();
    const before = sha(file);
    const app = await start(dataDir);
    try {
      const s = (await app.call('recovery.status')).body.value as unknown as { mode: string; problem: { kind: string; message: string } };
      expect(s.mode).toBe('recovery');
      expect(s.problem.kind).toBe('newer-version');
      expect(s.problem.message).toMatch(/newer version of the app/);
      expect(sha(file)).toBe(before);
    } finally {
      await app.close();
    }
  });

  it('takes the daily backup at start when the newest is older than a day, keeping the last N', async () => {
    const dataDir = tempDir();
    await libraryWithData(dataDir);
    const dir = path.join(dataDir, 'backups');
    for (const b of listBackups(dir)) fs.rmSync(b.path);
    for (let day = 1; day <= 9; day++) fs.writeFileSync(path.join(dir, `library-daily-2020-01-0${day}T00-00-00-000Z.sqlite`), 'old');
    // The reviewer chose to keep 3 (Settings), in the app that wrote this library.
    const before = await start(dataDir);
    expect((await before.ws.handlers['settings.update']({ backupsToKeep: 3 })).backupsToKeep).toBe(3);
    await before.close();
    for (const b of listBackups(dir).filter((x) => !x.path.includes('2020-01'))) fs.rmSync(b.path); // its own start's backup
    const app = await start(dataDir);
    try {
      await app.ws.backupDone;
      const daily = listBackups(dir).filter((b) => b.label === 'daily');
      expect(daily).toHaveLength(3);
      expect(daily[0]!.createdAt.startsWith(new Date().toISOString().slice(0, 4))).toBe(true);
      const copy = new BetterSqlite3(daily[0]!.path, { readonly: true });
      expect(copy.prepare('SELECT code FROM cases').pluck().all()).toEqual(['SAFE-1']);
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      copy.close();
    } finally {
      await app.close();
    }
    // Not due again within the day.
    const again = await start(dataDir);
    try {
      await again.ws.backupDone;
      expect(listBackups(dir).filter((b) => b.label === 'daily')).toHaveLength(3);
      expect(listBackups(dir).filter((b) => b.label === 'daily' && b.createdAt.startsWith('2020'))).toHaveLength(2);
    } finally {
      await again.close();
    }
  });
});
