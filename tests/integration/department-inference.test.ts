// Shared inference on the department server, end to end on loopback with a real peer: serve-model's OpenAI-compatible
// server (the tiny generated gemma3 model behind it, an API key required) as the department's engine. Reviewers ask
// through the department server; they never hold the engine's key. Each stored analysis reaches the review's other
// viewers live (`analysis.created` on its event stream; on PostgreSQL through NOTIFY, a long one as a reference).
//
// The order of things is made certain, not timed: a "gate" is a long analysis run directly on the peer's model (its
// one slot), so whatever the department sends waits at the peer until the test ends the gate.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts, type Accounts } from '../../electron/core/department/accounts';
import { createAnalysesStore, type AnalysesStore, type StoredAnalysis } from '../../electron/core/department/analyses-store';
import { openLibraryDb, type LibraryDbHandle, type LibraryTarget } from '../../electron/core/department/db';
import { createLibraryStore, type LibraryReview, type LibraryStore } from '../../electron/core/department/library-store';
import { migrateLibrary } from '../../electron/core/department/migrations';
import { SEED_PROMPT } from '../../electron/inference/prompt';
import { DepartmentClient, type RawRequest, type RawResponse, type StreamEvent } from '../../electron/core/department/client';
import { inProcessReviewEvents, postgresReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import type { EngineConfig, FinishedJobEvent, JobEvent } from '../../electron/host/department/shared-inference';
import { FAST_SCRYPT } from '../fixtures/department-library';
import { makePng } from '../fixtures/images';
import { startPostgres } from '../fixtures/postgres';
import { gate as holdPeer, until, startModelPeer, type ModelPeer } from '../fixtures/engine-gate';

const MODEL_ID = 'tiny-cataract';
const KEY = 'sk-peer-engine-key-8d2f41c7a9';
const PASSWORD = 'correct-horse-battery-1';
const BUILD = '9.9.9-test';

/** Every response, header and event any client saw, and every log line: none may carry the key. */
const seen: Array<{ what: string; text: string }> = [];
const logged: string[] = [];

class RecordingClient extends DepartmentClient {
  override async raw(r: RawRequest): Promise<RawResponse> {
    const res = await super.raw(r);
    seen.push({ what: `${r.method} ${r.path} → ${res.status}`, text: `${JSON.stringify(res.headers)}\n${res.text}` });
    return res;
  }
  override stream(p: string, onEvent: (e: StreamEvent) => void, readyOn?: 'ready' | 'open') {
    return super.stream(
      p,
      (e) => {
        seen.push({ what: `event ${e.event} on ${p}`, text: JSON.stringify(e) });
        onEvent(e);
      },
      readyOn,
    );
  }
}

let peer: ModelPeer;
let peerUrl: string;
let dir: string;
const frames = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((seed) => makePng(64, 48, seed + 1));

interface Department {
  handle: LibraryDbHandle;
  store: LibraryStore;
  accounts: Accounts;
  analyses: AnalysesStore;
  server: DepartmentServer;
  close(): Promise<void>;
}

const log = { info: (m: string) => logged.push(m), error: (m: string, err?: unknown) => logged.push(`${m} ${String(err)}`) };

async function department(target: LibraryTarget, engine: EngineConfig | null, users = true): Promise<Department> {
  const handle = openLibraryDb(target);
  await migrateLibrary(handle);
  const accounts = createAccounts(handle, { scrypt: FAST_SCRYPT });
  // PostgreSQL: the changes go through NOTIFY / LISTEN, as between the processes of a department.
  const events = target.kind === 'postgres' ? await postgresReviewEvents({ url: target.url }) : inProcessReviewEvents();
  const store = createLibraryStore(handle, { changes: events.sink });
  const analyses = createAnalysesStore(handle, { changes: events.sink });
  if (users) {
    const admin = await accounts.bootstrapAdmin({ username: 'admin', displayName: 'Ada Admin', password: PASSWORD });
    await accounts.createUser(admin, { username: 'rhea', displayName: 'Dr Rhea Resident', role: 'resident', password: PASSWORD });
    await accounts.createUser(admin, { username: 'bo', displayName: 'Dr Bo Resident', role: 'resident', password: PASSWORD });
  }
  const server = await startDepartmentServer({ accounts, store, events, engine, analyses, version: BUILD, log });
  return {
    handle,
    store,
    accounts,
    analyses,
    server,
    async close() {
      await server.close();
      await events.close();
      await handle.close();
    },
  };
}

async function signedIn(d: Department, username: string): Promise<RecordingClient> {
  const c = new RecordingClient({ baseUrl: d.server.url });
  await c.login(username, PASSWORD);
  return c;
}

/** Occupies the peer's one model slot until release(); resolves once it is generating. */
const gate = () => holdPeer(() => peer.client, frames[8]!);

/** A review's event stream as another reviewer watches it: its `analysis.created` events, once it is open. */
async function watchAnalyses(c: DepartmentClient, reviewId: number) {
  const created: unknown[] = [];
  const stream = c.events(reviewId, (e) => e.event === 'analysis.created' && created.push(e.data));
  await stream.ready;
  return { created, close: stream.close };
}

/** Follows a job, keeping its events; `finished` is its last event. */
function follow(c: DepartmentClient, jobId: number) {
  const events: JobEvent[] = [];
  const f = c.followAnalysis(jobId, (e) => events.push(e));
  return { events, finished: f.finished };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-inference-'));
  peer = await startModelPeer(MODEL_ID, KEY);
  peerUrl = peer.url;
});

afterAll(async () => {
  await peer?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('shared inference on the department server (SQLite), against serve-model with an API key', () => {
  let d: Department;
  beforeAll(async () => {
    d = await department({ kind: 'sqlite', file: path.join(dir, 'library.db') }, { url: peerUrl, key: KEY });
  });
  afterAll(async () => d?.close());

  it('a resident asks about a frame: the answer streams in, with its provenance, and is stored in the review', async () => {
    const rhea = await signedIn(d, 'rhea');
    const review = await rhea.call<LibraryReview>('POST', '/api/reviews', { title: 'Phaco, case 12' });
    const watcher = await watchAnalyses(await signedIn(d, 'bo'), review.id);
    const g = await gate();
    const ticket = await rhea.askAnalysis(review.id, { frameIndex: 120, image: frames[0]!, maxTokens: 12 });
    expect(ticket).toEqual({ jobId: expect.any(Number), position: 0, state: 'running' });
    const job = follow(rhea, ticket.jobId);
    await until(() => job.events.length > 0, 'the stream to open');
    await g.release();
    const end = (await job.finished) as Extract<FinishedJobEvent, { type: 'done' }>;
    expect(end.type).toBe('done');
    const a = end.analysis;
    const tokens = job.events.filter((e): e is Extract<JobEvent, { type: 'token' }> => e.type === 'token');
    expect(job.events[0]).toEqual({ type: 'started' });
    expect(tokens.length).toBeGreaterThan(1); // piece by piece, as the model wrote it
    expect(tokens.map((t) => t.text).join('')).toBe(a.rawText);
    expect(a).toMatchObject({
      reviewId: review.id,
      frameIndex: 120,
      status: 'completed',
      prompt: SEED_PROMPT,
      params: { maxTokens: 12, temperature: 0 },
      stopReason: 'max-tokens',
      askedBy: { displayName: 'Dr Rhea Resident' },
      departmentBuild: BUILD,
      imageSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      provenance: {
        engine: 'remote (OpenAI-compatible)',
        serverUrl: peerUrl,
        remoteModel: MODEL_ID,
        modelName: MODEL_ID,
        modelSha256: 'remote',
        promptLayout: expect.any(String),
      },
      timings: { generatedTokens: 12, encodeMs: null },
    });
    expect(a.rawText.length).toBeGreaterThan(0);
    expect(await rhea.listAnalyses(review.id)).toEqual([a]);
    // Another reviewer watching the review sees it arrive, whole.
    await until(() => watcher.created.length > 0, 'analysis.created on the review stream');
    watcher.close();
    expect(watcher.created).toEqual([{ type: 'analysis.created', reviewId: review.id, analysis: a }]);
    const audit = await d.store.audit({ action: 'analysis.create' });
    expect(audit[0]).toMatchObject({ user: 'Dr Rhea Resident', entity: 'review', entityId: review.id, detail: { analysisId: a.id, frameIndex: 120 } });
  });

  it("takes turns: one resident's eight frames do not hold back another's single frame", async () => {
    const rhea = await signedIn(d, 'rhea');
    const bo = await signedIn(d, 'bo');
    const review = await rhea.call<LibraryReview>('POST', '/api/reviews', { title: 'Timeline' });
    const g = await gate();
    const timeline = [];
    for (let i = 0; i < 8; i++) timeline.push(await rhea.askAnalysis(review.id, { frameIndex: i * 30, image: frames[i]!, maxTokens: 3 }));
    expect(timeline.map((t) => t.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const single = await bo.askAnalysis(review.id, { frameIndex: 999, image: frames[8]!, maxTokens: 3 });
    expect(single.position).toBe(1); // next, ahead of the rest of the timeline

    const finished: string[] = [];
    const all = [...timeline.map((t, i) => ({ name: `A${i + 1}`, c: rhea, t })), { name: 'B1', c: bo, t: single }].map(({ name, c, t }) => {
      const job = follow(c, t.jobId);
      return { name, job, done: job.finished.then((e) => (finished.push(name), e)) };
    });
    await until(() => all.every((j) => j.job.events.length > 0), 'every stream to open');
    // The timeline's second frame was moved back one place when the single frame arrived.
    expect(all[1]!.job.events[0]).toEqual({ type: 'queued', position: 2 });
    await g.release();
    const ends = await Promise.all(all.map((j) => j.done));
    expect(ends.map((e) => e.type)).toEqual(Array(9).fill('done'));
    expect(finished.indexOf('B1')).toBeLessThan(finished.indexOf('A3'));
    expect(finished).toEqual(['A1', 'B1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8']);
    // Stored in the order they finished.
    const stored = (await bo.listAnalyses(review.id)).sort((x, y) => x.id - y.id);
    expect(stored.map((s) => s.askedBy.displayName)).toEqual(['Dr Rhea Resident', 'Dr Bo Resident', ...Array(7).fill('Dr Rhea Resident')]);
  });

  it('cancels: a queued question never runs, a running one stops; only who asked or an administrator may', async () => {
    const rhea = await signedIn(d, 'rhea');
    const bo = await signedIn(d, 'bo');
    const admin = await signedIn(d, 'admin');
    const review = await rhea.call<LibraryReview>('POST', '/api/reviews', { title: 'Cancel' });
    const g = await gate();
    const [first, second, third] = [
      await rhea.askAnalysis(review.id, { frameIndex: 1, image: frames[1]!, maxTokens: 3 }),
      await rhea.askAnalysis(review.id, { frameIndex: 2, image: frames[2]!, maxTokens: 3 }),
      await rhea.askAnalysis(review.id, { frameIndex: 3, image: frames[3]!, maxTokens: 3 }),
    ];
    const jobs = [first!, second!, third!].map((t) => follow(rhea, t.jobId));
    await until(() => jobs.every((j) => j.events.length > 0), 'every stream to open');

    await expect(bo.cancelAnalysis(third!.jobId)).rejects.toMatchObject({ status: 403, error: { message: 'Only who asked for this analysis, or an administrator, can cancel it.' } });
    expect(await rhea.cancelAnalysis(third!.jobId)).toEqual({ jobId: third!.jobId, cancelled: true });
    expect(await jobs[2]!.finished).toEqual({ type: 'cancelled', message: 'Cancelled by the reviewer.' });
    expect(await admin.cancelAnalysis(first!.jobId)).toEqual({ jobId: first!.jobId, cancelled: true }); // running: waiting at the engine
    expect(await jobs[0]!.finished).toMatchObject({ type: 'cancelled' });
    // Bo withdraws all of his at once; Rhea's stays.
    const bos = [
      await bo.askAnalysis(review.id, { frameIndex: 4, image: frames[4]!, maxTokens: 3 }),
      await bo.askAnalysis(review.id, { frameIndex: 5, image: frames[5]!, maxTokens: 3 }),
    ].map((t) => follow(bo, t.jobId));
    expect(await bo.call('DELETE', '/api/analysis-jobs', {})).toEqual({ cancelled: 2 });
    expect((await Promise.all(bos.map((j) => j.finished))).map((e) => e.type)).toEqual(['cancelled', 'cancelled']);
    await g.release();
    expect(await jobs[1]!.finished).toMatchObject({ type: 'done', analysis: { frameIndex: 2 } });
    await expect(rhea.cancelAnalysis(second!.jobId)).rejects.toMatchObject({ status: 409, error: { message: 'This analysis has already finished.' } });
    expect((await rhea.listAnalyses(review.id)).map((a) => a.frameIndex)).toEqual([2]);
  });

  it('refuses what it cannot answer, with words a reviewer can act on', async () => {
    const rhea = await signedIn(d, 'rhea');
    const review = await rhea.call<LibraryReview>('POST', '/api/reviews', { title: 'Refusals' });
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...Array(40).fill(0)]);
    await expect(rhea.askAnalysis(review.id, { frameIndex: 1, image: jpeg })).rejects.toMatchObject({ status: 400, error: { message: expect.stringMatching(/must be a PNG/) } });
    await expect(rhea.askAnalysis(999_999, { frameIndex: 1, image: frames[0]! })).rejects.toMatchObject({ status: 404 });
    await expect(rhea.call('POST', `/api/reviews/${review.id}/analyses`, { frameIndex: -1, image: 'AAAA' })).rejects.toMatchObject({ status: 400 });
    const res = await rhea.raw({ method: 'POST', path: `/api/reviews/${review.id}/analyses`, body: 'frameIndex=1', headers: { 'Content-Type': 'text/plain' } });
    expect(res.status).toBe(415);

    // No engine configured: 503 at once, saying what the administrator must do.
    const bare = await department({ kind: 'sqlite', file: path.join(dir, 'bare.db') }, null);
    try {
      const c = await signedIn(bare, 'rhea');
      const r = await c.call<LibraryReview>('POST', '/api/reviews', { title: 'No engine' });
      await expect(c.askAnalysis(r.id, { frameIndex: 1, image: frames[0]! })).rejects.toMatchObject({
        status: 503,
        error: { code: 'unavailable', message: expect.stringMatching(/^This department server has no model engine configured \(--engine-url\)/) },
      });
    } finally {
      await bare.close();
    }

    // An engine that is not there: the remote engine's own message, in the job's stream.
    const closed = await freePort();
    const gone = await department({ kind: 'sqlite', file: path.join(dir, 'gone.db') }, { url: `http://127.0.0.1:${closed}`, key: KEY, timeouts: { retries: 0 } });
    try {
      const c = await signedIn(gone, 'rhea');
      const r = await c.call<LibraryReview>('POST', '/api/reviews', { title: 'Engine down' });
      const t = await c.askAnalysis(r.id, { frameIndex: 1, image: frames[0]! });
      expect(await follow(c, t.jobId).finished).toEqual({ type: 'error', code: 'unavailable', message: expect.stringMatching(new RegExp(`^Nothing accepts connections at 127\\.0\\.0\\.1:${closed}`)) });
      expect(await c.listAnalyses(r.id)).toEqual([]);
    } finally {
      await gone.close();
    }
  });

  it('never lets the engine key out: no response body, header, event or log line carries it', async () => {
    const admin = await signedIn(d, 'admin');
    const status = await admin.call<{ engine: unknown }>('GET', '/api/status');
    expect(status.engine).toEqual({ url: peerUrl, keyConfigured: true });
    expect(seen.length).toBeGreaterThan(40);
    expect(seen.filter((s) => s.what.startsWith('event ')).length).toBeGreaterThan(20);
    const leaks = [...seen.filter((s) => s.text.includes(KEY)).map((s) => s.what), ...logged.filter((l) => l.includes(KEY))];
    expect(leaks).toEqual([]);
  });
});

describe('shared inference on PostgreSQL', () => {
  it('stores the analysis and its audit row in the department database, and announces it through NOTIFY', async () => {
    const pg = await startPostgres();
    const d = await department({ kind: 'postgres', url: pg.url, poolSize: 4 }, { url: peerUrl, key: KEY, model: MODEL_ID });
    try {
      const rhea = await signedIn(d, 'rhea');
      const review = await rhea.call<LibraryReview>('POST', '/api/reviews', { title: 'On PostgreSQL' });
      const watcher = await watchAnalyses(await signedIn(d, 'bo'), review.id);
      const t = await rhea.askAnalysis(review.id, { frameIndex: 42, image: frames[4]!, question: 'Which instrument is visible?', maxTokens: 4 });
      const end = await follow(rhea, t.jobId).finished;
      expect(end.type).toBe('done');
      const stored = (end as { analysis: StoredAnalysis }).analysis;
      const row = await sql<{ frame_index: number; prompt: string; asked_by: number; stop_reason: string; asked_at: string }>`select * from analyses`.execute(d.handle.db);
      expect(row.rows).toEqual([expect.objectContaining({ frame_index: 42, prompt: 'Which instrument is visible?', stop_reason: 'max-tokens', asked_at: stored.askedAt })]);
      expect(JSON.parse((row.rows[0] as unknown as { provenance_json: string }).provenance_json)).toMatchObject({ remoteModel: MODEL_ID, serverUrl: peerUrl });
      expect(await d.store.audit({ action: 'analysis.create' })).toEqual([expect.objectContaining({ user: 'Dr Rhea Resident', entityId: review.id })]);
      expect(await rhea.listAnalyses(review.id)).toEqual([stored]);
      await until(() => watcher.created.length > 0, 'analysis.created through NOTIFY');
      expect(watcher.created).toEqual([{ type: 'analysis.created', reviewId: review.id, analysis: stored }]);

      // An answer too long for NOTIFY (8000 bytes) arrives as a reference to read.
      const { user } = await d.accounts.login('rhea', PASSWORD);
      const long = await d.analyses.insert(user, { ...stored, rawText: 'The capsule is intact. '.repeat(400) });
      await until(() => watcher.created.length > 1, 'the reference to a long analysis');
      watcher.close();
      expect(watcher.created[1]).toEqual({ type: 'analysis.created', reviewId: review.id, analysisId: long.id, reload: true });
      expect((await rhea.listAnalyses(review.id)).map((a) => a.id)).toEqual([stored.id, long.id]);
    } finally {
      await d.close();
      await pg.stop();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
