// The department server over real HTTPS (a self-signed certificate made here with openssl) on a real PostgreSQL
// server: two server instances on one database, as two processes would be (separate pools, separate LISTEN
// connections), so a live update that reaches the other one went through PostgreSQL.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts, WRONG_LOGIN, type Accounts } from '../../electron/core/department/accounts';
import { openLibraryDb, type LibraryDbHandle } from '../../electron/core/department/db';
import { createLibraryStore, type LibraryAnnotation, type LibraryReview } from '../../electron/core/department/library-store';
import { migrateLibrary } from '../../electron/core/department/migrations';
import { DepartmentClient, type RawRequest, type RawResponse, type StreamEvent } from '../../electron/core/department/client';
import { inProcessReviewEvents, postgresReviewEvents, type ReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { FAST_SCRYPT, seedReviewers } from '../fixtures/department-library';
import { restartPostgres, startPostgres, type PostgresServer } from '../fixtures/postgres';
import { selfSignedCertificate } from '../fixtures/tls-cert';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENGINE_KEY = 'sk-department-engine-key-5f1c2a9e7b';
const PASSWORD = 'correct-horse-battery-1';
const BOX = { kind: 'box', geometry: { x: 0.1, y: 0.2, w: 0.3, h: 0.25 }, frameIndex: 120 };

/** Every response any client saw in this file, for the engine-key scan at the end. */
const seen: Array<{ what: string; text: string }> = [];

class RecordingClient extends DepartmentClient {
  override async raw(r: RawRequest): Promise<RawResponse> {
    const res = await super.raw(r);
    seen.push({ what: `${r.method} ${r.path} → ${res.status}`, text: `${JSON.stringify(res.headers)}\n${res.text}` });
    return res;
  }
  override events(reviewId: number, onEvent: (e: StreamEvent) => void) {
    return super.events(reviewId, (e) => {
      seen.push({ what: `event ${e.event}`, text: JSON.stringify(e) });
      onEvent(e);
    });
  }
}

interface Instance {
  handle: LibraryDbHandle;
  accounts: Accounts;
  events: ReviewEvents;
  server: DepartmentServer;
}

let pg: PostgresServer;
let dir: string;
let cert: Buffer;
let key: Buffer;
let a: Instance;
let b: Instance;

async function instance(url: string): Promise<Instance> {
  const handle = openLibraryDb({ kind: 'postgres', url, poolSize: 4 });
  await migrateLibrary(handle);
  const accounts = createAccounts(handle, { scrypt: FAST_SCRYPT });
  const events = await postgresReviewEvents({ url });
  const store = createLibraryStore(handle, { changes: events.sink });
  const server = await startDepartmentServer({ accounts, store, events, tls: { cert, key }, engine: { url: 'https://engine.example/v1', key: ENGINE_KEY } });
  return { handle, accounts, events, server };
}

function client(on: Instance = a): RecordingClient {
  return new RecordingClient({ baseUrl: on.server.url, ca: cert });
}

async function signedIn(username: string, on: Instance = a): Promise<RecordingClient> {
  const c = client(on);
  await c.login(username, PASSWORD);
  return c;
}

async function waitFor<T>(find: () => T | undefined, ms: number, what: string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const pathFor = (pattern: string, id: number) => pattern.replace(/:[a-z]+/g, String(id));

/** Search finds labels and the words of text annotations, whatever their case, and takes % and _ literally. */
async function checkSearch(c: DepartmentClient): Promise<void> {
  const review = await c.call<LibraryReview>('POST', '/api/reviews', { title: 'Search' });
  const add = (body: object) => c.call<LibraryAnnotation>('POST', `/api/reviews/${review.id}/annotations`, { frameIndex: 1, ...body });
  const tear = await add({ ...BOX, label: 'Capsulorhexis tear' });
  const pct = await add({ ...BOX, label: '100% done' });
  const text = await add({ kind: 'text', geometry: { x: 0.5, y: 0.5, text: 'watch the PCR_risk' } });
  const find = async (q: string) => (await c.call<Array<{ id: number; reviewTitle: string }>>('GET', `/api/search?q=${encodeURIComponent(q)}&review=${review.id}`)).map((h) => h.id);
  expect(await find('CAPSUL')).toEqual([tear.id]);
  expect(await find('%')).toEqual([pct.id]);
  expect(await find('r_sk')).toEqual([]);
  expect(await find('pcr_RISK')).toEqual([text.id]);
  expect(await find('"x"')).toEqual([]); // the geometry's keys are not text
  await expect(c.call('GET', '/api/search?q=')).rejects.toMatchObject({ status: 400, error: { message: 'Type something to search for.' } });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-server-'));
  ({ cert, key } = selfSignedCertificate(dir));
  pg = await startPostgres();
  a = await instance(pg.url);
  b = await instance(pg.url);
  await seedReviewers(a.accounts, PASSWORD);
});

afterAll(async () => {
  for (const i of [a, b]) {
    await i?.server.close();
    await i?.events.close();
    await i?.handle.close();
  }
  await pg?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the department server over HTTPS on PostgreSQL', () => {
  it('answers 401 on every route but sign-in without a valid session, with the security headers', async () => {
    const anonymous = client();
    const forged = client();
    const routes = a.server.routes.filter((r) => !r.public);
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const route of routes) {
      const req = { method: route.method, path: pathFor(route.pattern, 1), ...(route.method === 'GET' ? {} : { body: {} }) };
      for (const [who, res] of [
        ['anonymous', await anonymous.raw(req)],
        ['forged cookie', await forged.raw({ ...req, headers: { Cookie: `__Host-department_session=${'x'.repeat(43)}` } })],
      ] as const) {
        expect(res.status, `${who} ${route.method} ${route.pattern}`).toBe(401);
        expect(JSON.parse(res.text)).toEqual({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/^Sign in first/) } });
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      }
    }
    expect(a.server.routes.filter((r) => r.public).map((r) => r.pattern)).toEqual(['/api/login']);
  });

  it('signs in with a Secure, HttpOnly, SameSite=Strict cookie; /api/me; signing out ends the session', async () => {
    const c = client();
    const res = await c.raw({ method: 'POST', path: '/api/login', body: { username: 'RHEA', password: PASSWORD } });
    expect(res.status).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-department_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    expect(res.text).not.toContain(cookie.split(';')[0]!.split('=')[1]); // the token travels in the cookie only
    const me = await c.call<{ user: { displayName: string; role: string }; permissions: { signOff: boolean } }>('GET', '/api/me');
    expect(me).toMatchObject({ user: { displayName: 'Dr Rhea Resident', role: 'resident' }, permissions: { signOff: false } });
    await c.logout();
    expect((await c.raw({ method: 'GET', path: '/api/me', headers: { Cookie: cookie.split(';')[0]! } })).status).toBe(401);
  });

  it('lets an administrator create accounts, not a resident; bodies are checked', async () => {
    const admin = await signedIn('admin');
    const resident = await signedIn('rhea');
    const input = { username: 'edna', displayName: 'Edna Educator', role: 'educator', password: PASSWORD };
    await expect(resident.call('POST', '/api/users', input)).rejects.toMatchObject({ status: 403, error: { code: 'forbidden', message: 'Only an administrator can create accounts.' } });
    expect(await admin.call('POST', '/api/users', input)).toMatchObject({ username: 'edna', role: 'educator' });
    await expect(admin.call('POST', '/api/users', { ...input, username: 'x2', isAdmin: true })).rejects.toMatchObject({ status: 400, error: { code: 'invalid-argument' } });
    await expect(admin.call('POST', '/api/reviews', { title: 'x', extra: 1 })).rejects.toMatchObject({ status: 400 });
  });

  it('refuses cross-site writes: a form post, a foreign Origin, a cross-site fetch; nothing is written', async () => {
    const resident = await signedIn('rhea');
    const before = (await resident.call<LibraryReview[]>('GET', '/api/reviews')).length;
    const post = (headers: Record<string, string>, body: unknown = JSON.stringify({ title: 'CSRF' })) => resident.raw({ method: 'POST', path: '/api/reviews', body, headers });
    expect((await post({ 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await post({ 'Content-Type': 'application/x-www-form-urlencoded' }, 'title=CSRF')).status).toBe(415);
    expect((await post({ 'Content-Type': 'application/json', Origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await post({ 'Content-Type': 'application/json', Origin: a.server.url })).status).toBe(201); // our own origin is fine
    expect((await resident.call<LibraryReview[]>('GET', '/api/reviews')).length).toBe(before + 1);
  });

  it("refuses a resident's sign-off (403); after an attending's (200) a resident's edit gets the store's locked message", async () => {
    const resident = await signedIn('rhea');
    const attending = await signedIn('amir', b);
    const review = await resident.call<LibraryReview>('POST', '/api/reviews', { title: 'Phaco, left eye, case 12' });
    const ann = await resident.call<LibraryAnnotation>('POST', `/api/reviews/${review.id}/annotations`, { ...BOX, label: 'capsulorhexis' });
    await expect(resident.call('POST', `/api/reviews/${review.id}/finalise`, { version: review.version })).rejects.toMatchObject({
      status: 403,
      error: { code: 'forbidden', message: expect.stringMatching(/^Only an attending surgeon or an administrator can sign off a review/) },
    });
    const final = await attending.call<LibraryReview>('POST', `/api/reviews/${review.id}/finalise`, { version: review.version });
    expect(final).toMatchObject({ status: 'final', signedOffBy: 'Dr Amir Attending' });
    const locked = /^This review was signed off by Dr Amir Attending at \d{4}-\d\d-\d\d \d\d:\d\d UTC — reopen it to edit$/;
    await expect(resident.call('PATCH', `/api/annotations/${ann.id}`, { version: ann.version, label: 'changed' })).rejects.toMatchObject({ status: 409, error: { code: 'conflict', message: expect.stringMatching(locked) } });
    await expect(resident.call('POST', `/api/reviews/${review.id}/annotations`, BOX)).rejects.toMatchObject({ status: 409, error: { message: expect.stringMatching(locked) } });
    await expect(resident.call('POST', `/api/reviews/${review.id}/reopen`, { version: final.version, reason: 'more notes' })).rejects.toMatchObject({ status: 403 });
    expect(await attending.call('POST', `/api/reviews/${review.id}/reopen`, { version: final.version, reason: 'more notes' })).toMatchObject({ status: 'draft' });
    expect(await resident.call('PATCH', `/api/annotations/${ann.id}`, { version: ann.version, label: 'changed' })).toMatchObject({ label: 'changed', version: 2 });
  });

  it('two reviewers saving over the same version: exactly one wins, the other gets 409 "Changed by …"', async () => {
    const resident = await signedIn('rhea');
    const attending = await signedIn('amir', b);
    const review = await resident.call<LibraryReview>('POST', '/api/reviews', { title: 'Race' });
    const ann = await resident.call<LibraryAnnotation>('POST', `/api/reviews/${review.id}/annotations`, BOX);
    const tries = [
      { who: resident, name: 'Dr Rhea Resident', label: 'from Rhea' },
      { who: attending, name: 'Dr Amir Attending', label: 'from Amir' },
    ];
    const results = await Promise.all(tries.map((t) => t.who.raw({ method: 'PATCH', path: `/api/annotations/${ann.id}`, body: { version: ann.version, label: t.label } })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = tries[results.findIndex((r) => r.status === 200)]!;
    const loser = JSON.parse(results.find((r) => r.status === 409)!.text) as { error: { code: string; message: string } };
    expect(loser.error.code).toBe('conflict');
    expect(loser.error.message).toMatch(new RegExp(`^Changed by ${winner.name} at .* — reload to see their change$`));
    const [row] = await resident.call<LibraryAnnotation[]>('GET', `/api/reviews/${review.id}/annotations`);
    expect(row).toMatchObject({ id: ann.id, label: winner.label, version: 2, updatedBy: winner.name });
    await expect(resident.call('DELETE', `/api/annotations/${ann.id}`, { version: 1 })).rejects.toMatchObject({ status: 409 });
  });

  it("pushes one reviewer's writes to another's event stream on the other server process, live", async () => {
    const resident = await signedIn('rhea');
    const watcher = await signedIn('amir', b);
    const review = await resident.call<LibraryReview>('POST', '/api/reviews', { title: 'Live' });
    const received: Array<StreamEvent & { at: number }> = [];
    const stream = watcher.events(review.id, (e) => received.push({ ...e, at: Date.now() }));
    await stream.ready;
    const sent = Date.now();
    const ann = await resident.call<LibraryAnnotation>('POST', `/api/reviews/${review.id}/annotations`, { ...BOX, label: 'incision' });
    // Live: pushed, not polled (how fast is bench:department's business; a loaded CI machine only gets a generous limit).
    const created = await waitFor(() => received.find((e) => e.event === 'annotation.created'), 10_000, 'annotation.created');
    expect(created.at).toBeGreaterThanOrEqual(sent);
    expect(created.data).toMatchObject({ reviewId: review.id, annotation: { id: ann.id, label: 'incision', author: 'Dr Rhea Resident', version: 1 } });
    await resident.call('PATCH', `/api/annotations/${ann.id}`, { version: 1, label: 'main incision' });
    await resident.call('DELETE', `/api/annotations/${ann.id}`, { version: 2 });
    await waitFor(() => received.find((e) => e.event === 'annotation.deleted'), 10_000, 'annotation.deleted');
    expect(received.map((e) => e.event)).toEqual(['ready', 'annotation.created', 'annotation.updated', 'annotation.deleted']);
    expect(received[3]!.data).toMatchObject({ annotationId: ann.id, version: 2, by: 'Dr Rhea Resident' });
    // A stroke too long for NOTIFY (8000 bytes) is saved all the same, and announced by reference.
    const points = Array.from({ length: 2000 }, (_, i) => (i % 97) / 97 + 0.001234);
    const long = await resident.call<LibraryAnnotation>('POST', `/api/reviews/${review.id}/annotations`, { kind: 'freehand', geometry: { points }, frameIndex: 3 });
    const ref = await waitFor(() => received.find((e) => e.event === 'annotation.created' && (e.data as { reload?: boolean }).reload), 10_000, 'the reference');
    expect(ref.data).toEqual({ type: 'annotation.created', reviewId: review.id, annotationId: long.id, version: 1, reload: true });
    expect(b.events.watchers).toBe(1);
    await watcher.logout(); // signing out ends the session's streams
    await waitFor(() => (b.events.watchers === 0 ? true : undefined), 10_000, 'the stream to end');
  });

  it('locks an account after 5 wrong passwords over HTTP, with the lockout message', async () => {
    const admin = await signedIn('admin');
    await admin.call('POST', '/api/users', { username: 'lena', displayName: 'Dr Lena Locked', role: 'resident', password: PASSWORD });
    const c = client();
    const wrong = () => c.raw({ method: 'POST', path: '/api/login', body: { username: 'lena', password: 'not-the-password' } });
    for (let i = 1; i <= 4; i++) expect(JSON.parse((await wrong()).text)).toEqual({ ok: false, error: { code: 'forbidden', message: WRONG_LOGIN } });
    const fifth = await wrong();
    expect(fifth.status).toBe(401);
    const lockout = /^This account is locked after 5 wrong passwords in a row, until .* UTC\. Try again then\.$/;
    expect(JSON.parse(fifth.text).error.message).toMatch(lockout);
    const right = await c.raw({ method: 'POST', path: '/api/login', body: { username: 'lena', password: PASSWORD } });
    expect(right.status).toBe(401);
    expect(JSON.parse(right.text).error.message).toMatch(lockout);
    expect(right.headers['set-cookie']).toBeUndefined();
  });

  it('rides out a PostgreSQL restart: 503 while it is down, then writes and live updates resume (the watcher is told to reload)', async () => {
    const resident = await signedIn('rhea');
    const watcher = await signedIn('amir', b);
    const review = await resident.call<LibraryReview>('POST', '/api/reviews', { title: 'Restart' });
    const received: StreamEvent[] = [];
    const stream = watcher.events(review.id, (e) => received.push(e));
    await stream.ready;
    // A connection checked out across the restart (as between two queries of a transaction) must not take the
    // process down: its next query fails, and the pool drops it.
    let release!: () => void;
    let holding!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const isHeld = new Promise<void>((r) => (holding = r));
    const held = a.handle.db.connection().execute(async (conn) => {
      await sql`select 1`.execute(conn);
      holding();
      await gate;
      return sql`select 1`.execute(conn).then(() => 'answered', () => 'failed');
    });
    await isHeld;
    const restarting = restartPostgres(pg, { downMs: 700 });
    const refusals: RawResponse[] = [];
    let done = false;
    void restarting.finally(() => (done = true));
    while (!done) {
      const res = await resident.raw({ method: 'POST', path: `/api/reviews/${review.id}/annotations`, body: { ...BOX, label: 'during' } });
      if (res.status === 503) refusals.push(res);
      await new Promise((r) => setTimeout(r, 50));
    }
    await restarting;
    release();
    expect(await held).toBe('failed');
    expect(refusals.length).toBeGreaterThan(0);
    expect(JSON.parse(refusals[0]!.text).error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/not reachable right now/) });
    expect(refusals[0]!.headers['retry-after']).toBe('1');
    await waitFor(() => received.find((e) => e.event === 'resync'), 10_000, 'resync');
    const after = await resident.call<LibraryAnnotation>('POST', `/api/reviews/${review.id}/annotations`, { ...BOX, label: 'after the restart' });
    await waitFor(() => received.find((e) => e.event === 'annotation.created' && (e.data as { annotation: { id: number } }).annotation.id === after.id), 10_000, 'the event after the restart');
    const rows = await watcher.call<LibraryAnnotation[]>('GET', `/api/reviews/${review.id}/annotations`);
    expect(rows.map((r) => r.id)).toContain(after.id);
    stream.close();
  });

  it('searches annotation labels and text (ILIKE)', async () => checkSearch(await signedIn('rhea')));

  it('refuses plain HTTP on a network address, in the server and in the CLI `npm run serve -- --db …` (exit 2)', async () => {
    await expect(startDepartmentServer({ accounts: a.accounts, store: createLibraryStore(a.handle), events: a.events, host: '0.0.0.0' })).rejects.toThrow(/Refusing to serve the department library over plain HTTP on 0\.0\.0\.0/);
    const cli = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'electron/host/cli.ts', '--db', pg.url, '--listen', '0.0.0.0:0'], { cwd: REPO_ROOT, timeout: 60_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/Refusing to serve the department library over plain HTTP on 0\.0\.0\.0: .* Give --tls-cert and --tls-key/);
  });

  it('serves through the CLI: HTTPS, the engine key read from its file and never printed, a clean stop on SIGTERM', async () => {
    const keyFile = path.join(dir, 'engine.key');
    fs.writeFileSync(keyFile, `${ENGINE_KEY}\n`, { mode: 0o600 });
    const args = ['--db', pg.url, '--listen', '127.0.0.1:0', '--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem')];
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve-department.ts', ...args, '--engine-url', 'https://engine.example/v1', '--engine-key-file', keyFile], { cwd: REPO_ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const url = await waitFor(() => /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 20_000, `the CLI to listen; it printed: ${out}`);
    const admin = new RecordingClient({ baseUrl: url, ca: cert });
    await admin.login('admin', PASSWORD);
    expect(await admin.call('GET', '/api/status')).toMatchObject({ service: 'department-library', database: 'postgresql', tls: true, engine: { url: 'https://engine.example/v1', keyConfigured: true } });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/Remote engine: https:\/\/engine\.example\/v1 \(key configured\)/);
    expect(out).not.toContain(ENGINE_KEY);
  });

  it('never sends the remote engine key: not in any body or header of any route, nor in an event', async () => {
    const admin = await signedIn('admin');
    const status = await admin.call<{ engine: unknown }>('GET', '/api/status');
    expect(status.engine).toEqual({ url: 'https://engine.example/v1', keyConfigured: true });
    const review = await admin.call<LibraryReview>('POST', '/api/reviews', { title: 'Key scan' });
    const ann = await admin.call<LibraryAnnotation>('POST', `/api/reviews/${review.id}/annotations`, { ...BOX, label: ENGINE_KEY.slice(0, 6) });
    // Sign-out last: it ends the session the other calls use.
    for (const route of a.server.routes.filter((r) => !r.stream && r.pattern !== '/api/logout')) {
      const id = route.pattern.startsWith('/api/annotations') ? ann.id : review.id;
      const body = route.method === 'GET' ? undefined : { version: 1, title: 'T', label: 'L', reason: 'why not', username: 'admin', password: 'wrong-password-1' };
      await admin.raw({ method: route.method, path: `${pathFor(route.pattern, id)}${route.pattern === '/api/search' ? '?q=sk-' : ''}`, ...(body ? { body } : {}) });
      await admin.raw({ method: route.method, path: pathFor(route.pattern, 999_999), body: { nonsense: ENGINE_KEY.length } });
    }
    await admin.logout();
    expect(seen.length).toBeGreaterThan(100);
    const leaks = seen.filter((r) => r.text.includes(ENGINE_KEY) || r.text.includes(ENGINE_KEY.slice(3)));
    expect(leaks.map((l) => l.what)).toEqual([]);
  });
});

describe('the department server on SQLite (one machine, loopback HTTP)', () => {
  it('serves the same routes: an in-process hub for live updates, LIKE for search, a plain cookie', async () => {
    const handle = openLibraryDb({ kind: 'sqlite', file: path.join(dir, 'library.db') });
    await migrateLibrary(handle);
    const accounts = createAccounts(handle, { scrypt: FAST_SCRYPT });
    const events = inProcessReviewEvents();
    const server = await startDepartmentServer({ accounts, store: createLibraryStore(handle, { changes: events.sink }), events });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await accounts.bootstrapAdmin({ username: 'solo', displayName: 'Solo Surgeon', password: PASSWORD });
      const c = new DepartmentClient({ baseUrl: server.url });
      const login = await c.raw({ method: 'POST', path: '/api/login', body: { username: 'solo', password: PASSWORD } });
      expect(String(login.headers['set-cookie'])).toMatch(/^department_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
      const review = await c.call<LibraryReview>('POST', '/api/reviews', { title: 'Solo' });
      const received: StreamEvent[] = [];
      const stream = c.events(review.id, (e) => received.push(e));
      await stream.ready;
      const ann = await c.call<LibraryAnnotation>('POST', `/api/reviews/${review.id}/annotations`, BOX);
      await waitFor(() => received.find((e) => e.event === 'annotation.created'), 10_000, 'annotation.created');
      expect(received[1]!.data).toMatchObject({ annotation: { id: ann.id } });
      stream.close();
      await checkSearch(c);
    } finally {
      await server.close();
      await handle.close();
    }
  });
});
