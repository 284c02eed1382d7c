// The desktop's link to a department library, through the app's own contract (department.*) against a real
// department server over real HTTPS (a self-signed certificate, trusted only through the certificate file the
// reviewer chooses): the refusals a reviewer can meet, signing in, the department's reviews, a session the server
// ends, signing out; nothing secret is kept in the local library.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRONG_LOGIN } from '../../electron/core/department/accounts';
import { SESSION_ENDED } from '../../electron/core/department-link/explain';
import { inProcessReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { BACKENDS, openDepartment, PASSWORDS, refusal, testClock, type Department } from '../fixtures/department-library';
import { createFrameStore } from '../../electron/core/frames/frame-store';
import { addLocalReview, uniqueVideo, type LocalFixture } from '../fixtures/local-review';
import { startTestServices, type TestServices } from '../fixtures/services';
import { selfSignedCertificate, type TestCertificate } from '../fixtures/tls-cert';

const sqlite = BACKENDS.find((b) => b.name === 'SQLite')!;
let dir: string;
let tlsCert: TestCertificate;
let dept: Department;
let server: DepartmentServer;
let app: TestServices;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-link-'));
  tlsCert = selfSignedCertificate(dir);
  await sqlite.start();
  // The server sets the cookie's Max-Age from the session's expiry and today's date: start the library's clock today.
  dept = await openDepartment(sqlite, testClock(new Date().toISOString()));
  server = await startDepartmentServer({ accounts: dept.accounts, store: dept.store, events: inProcessReviewEvents(), tls: { cert: tlsCert.cert, key: tlsCert.key }, mediaDir: path.join(dir, 'media') });
  app = startTestServices();
});

afterAll(async () => {
  await app?.close();
  await server?.close();
  await sqlite.closeAll();
  await sqlite.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

/** The local library's bytes (the database and its write-ahead log). */
function libraryBytes(): string {
  return fs
    .readdirSync(app.dataDir)
    .filter((f) => f.startsWith('library.sqlite'))
    .map((f) => fs.readFileSync(path.join(app.dataDir, f)).toString('latin1'))
    .join('');
}

describe('Settings → Department library', () => {
  it('refuses an address that is not https (beyond this computer), with the reason on the address field', async () => {
    const err = await refusal(app.call('department.connect', { url: 'http://review.hospital.example:8080', username: 'rhea', password: PASSWORDS.resident }));
    expect(err.code).toBe('invalid-argument');
    expect(err.details).toEqual(['url: A department server is reached over https:// (plain http:// only on this computer).']);
    const withPath = await refusal(app.call('department.connect', { url: `${server.url}/api/reviews`, username: 'rhea', password: PASSWORDS.resident }));
    expect(withPath.details?.[0]).toMatch(/^url: Enter only the server’s address/);
    expect((await app.call('department.status', {})).remembered).toBeNull();
  });

  it('says when nothing answers, and when the server’s certificate is not trusted', async () => {
    const port = await closedPort();
    const nothing = await refusal(app.call('department.connect', { url: `https://127.0.0.1:${port}`, username: 'rhea', password: PASSWORDS.resident }));
    expect(nothing.message).toBe(`Nothing answers at 127.0.0.1:${port}. Check the address and that the department server is running.`);

    const untrusted = await refusal(app.call('department.connect', { url: server.url, username: 'rhea', password: PASSWORDS.resident }));
    expect(untrusted.message).toMatch(/^The certificate of 127\.0\.0\.1:\d+ is not trusted by this computer \(.+\)\. Ask your IT department/);

    const notPem = path.join(dir, 'not-a-certificate.pem');
    fs.writeFileSync(notPem, 'hello');
    const bad = await refusal(app.call('department.connect', { url: server.url, username: 'rhea', password: PASSWORDS.resident, caFile: notPem }));
    expect(bad.details).toEqual([`caFile: ${notPem} holds no certificate (a .pem file starts with -----BEGIN CERTIFICATE-----).`]);
    expect((await app.call('department.status', {})).connection).toBeNull();
  });

  it('keeps the server’s words for a wrong password and stays signed out', async () => {
    const err = await refusal(app.call('department.connect', { url: server.url, username: 'rhea', password: 'not-her-password', caFile: tlsCert.certFile }));
    expect(err.message).toBe(WRONG_LOGIN);
    expect((await app.call('department.status', {})).connection).toBeNull();
  });

  it('signs in with the certificate file, says who and what the reviewer may do, lists the department’s reviews', async () => {
    await dept.store.reviews.create(dept.attending, { title: 'Phaco teaching case 7' });
    const link = await app.call('department.connect', { url: server.url, username: 'rhea', password: PASSWORDS.resident, caFile: tlsCert.certFile });
    expect(link.connection).toMatchObject({
      url: server.url,
      user: { username: 'rhea', displayName: 'Dr Rhea Resident', role: 'resident' },
      server: { database: 'sqlite', tls: true, engine: false },
      permissions: { signOff: false },
    });
    expect(link.remembered).toEqual({ url: server.url, username: 'rhea', caFile: tlsCert.certFile });
    expect(app.events.some((e) => e.name === 'department.link' && (e.payload as typeof link).connection?.user.username === 'rhea')).toBe(true);
    expect((await app.call('department.reviews', {})).map((r) => [r.title, r.status, r.signedOffBy])).toEqual([['Phaco teaching case 7', 'draft', null]]);
    // The password is not kept anywhere in the local library.
    expect(libraryBytes()).not.toContain(PASSWORDS.resident);
  });

  it('tells the reviewer to sign in again when the server has ended the session, and drops the link', async () => {
    dept.clock.advance(400 * 24 * 3600 * 1000);
    const err = await refusal(app.call('department.reviews', {}));
    expect(err.message).toBe(SESSION_ENDED);
    expect((await app.call('department.status', {})).connection).toBeNull();
    expect((await app.call('department.status', {})).remembered?.username).toBe('rhea');
  });

  it('publishes a review of this workstation: progress, then the department has it; again, nothing is sent', async () => {
    await app.call('department.connect', { url: server.url, username: 'rhea', password: PASSWORDS.resident, caFile: tlsCert.certFile });
    const local: LocalFixture = { dataDir: app.dataDir, file: '', db: app.services.db, frames: createFrameStore(app.dataDir), library: null as never, close: () => undefined };
    const video = await uniqueVideo(path.join(dir, 'videos'));
    const seeded = await addLocalReview(local, video, { frames: 2, code: 'PHACO-17' });

    const { jobId } = await app.call('department.publish', { reviewId: seeded.reviewId });
    const done = await app.waitFor('department.publishProgress', (p) => p.jobId === jobId && p.state !== 'running', 30_000);
    expect(done.state, done.message ?? '').toBe('done');
    expect(done.result).toMatchObject({ created: true, changed: true, videoSent: true, frames: 2, annotations: 4, notes: 2, tags: 3 }); // not the segment's tag
    expect(done.result!.bytesSent).toBeGreaterThanOrEqual(video.size);
    const phases = app.events.filter((e) => e.name === 'department.publishProgress' && (e.payload as typeof done).jobId === jobId).map((e) => (e.payload as typeof done).phase);
    expect(phases).toContain('video');
    expect(phases.at(-1)).toBe('review');

    const inDepartment = await dept.store.reviews.get(done.result!.departmentReviewId);
    expect(inDepartment.title).toContain('PHACO-17');
    expect((await app.call('department.reviews', {})).map((r) => r.id)).toContain(done.result!.departmentReviewId);

    const again = await app.call('department.publish', { reviewId: seeded.reviewId });
    const second = await app.waitFor('department.publishProgress', (p) => p.jobId === again.jobId && p.state !== 'running', 30_000);
    expect(second.result).toMatchObject({ departmentReviewId: done.result!.departmentReviewId, created: false, changed: false, bytesSent: 0, videoSent: false });
  });

  it('cancels a publish: nothing is published, and the same review cannot be sent twice at once', async () => {
    const local: LocalFixture = { dataDir: app.dataDir, file: '', db: app.services.db, frames: createFrameStore(app.dataDir), library: null as never, close: () => undefined };
    const seeded = await addLocalReview(local, await uniqueVideo(path.join(dir, 'videos')), { frames: 1, code: 'PHACO-18' });
    const before = (await dept.store.reviews.list()).length;
    const { jobId } = await app.call('department.publish', { reviewId: seeded.reviewId });
    const twice = await refusal(app.call('department.publish', { reviewId: seeded.reviewId }));
    expect(twice.message).toBe('This review is already being sent to the department.');
    await app.call('department.cancelPublish', { jobId });
    const ended = await app.waitFor('department.publishProgress', (p) => p.jobId === jobId && p.state !== 'running', 30_000);
    expect(ended.state).toBe('cancelled');
    expect(ended.message).toMatch(/cancelled/);
    expect((await dept.store.reviews.list()).length).toBe(before);
  });

  it('signs out: the link is gone, the address and user name are remembered', async () => {
    await app.call('department.connect', { url: server.url, username: 'amir', password: PASSWORDS.attending, caFile: tlsCert.certFile });
    expect((await app.call('department.status', {})).connection?.permissions.signOff).toBe(true);
    const after = await app.call('department.disconnect', {});
    expect(after.connection).toBeNull();
    expect(after.remembered).toEqual({ url: server.url, username: 'amir', caFile: tlsCert.certFile });
    const err = await refusal(app.call('department.reviews', {}));
    expect(err.message).toBe('Connect to a department library first (Settings → Department library).');
  });
});
