// A workstation without a model of its own analyses frames on the department's engine: Settings → Engine →
// Department, through the department server's engine proxy over real HTTPS (a self-signed certificate trusted through
// the reviewer's certificate file), with the signed-in session as its key. The real peer is serve-model (the tiny
// generated gemma3 model, an API key required) as the department's engine. The workstation never holds the engine's
// key; signing out lets go of the engine; signing in again brings it back on the next analysis.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/api/contract';
import { inProcessReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { SEED_PROMPT } from '../../electron/inference/prompt';
import { BACKENDS, openDepartment, PASSWORDS, refusal, testClock, type Department } from '../fixtures/department-library';
import { makePng } from '../fixtures/images';
import { startTestServices, type TestServices } from '../fixtures/services';
import { selfSignedCertificate, type TestCertificate } from '../fixtures/tls-cert';
import { startModelPeer, type ModelPeer } from '../fixtures/engine-gate';

type Status = EventPayload<'analysis.status'>;
const finished = (s: Status) => s.status === 'completed' || s.status === 'cancelled' || s.status === 'failed';
const MODEL_ID = 'tiny-cataract';
const KEY = 'sk-department-engine-key-5c1e9b';

const sqlite = BACKENDS.find((b) => b.name === 'SQLite')!;
let dir: string;
let tlsCert: TestCertificate;
let peer: ModelPeer;
let dept: Department;
let server: DepartmentServer;
let app: TestServices;
let frameId: number;
const serverLog: string[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-engine-desktop-'));
  tlsCert = selfSignedCertificate(dir);
  peer = await startModelPeer(MODEL_ID, KEY);
  const peerUrl = peer.url;
  await sqlite.start();
  dept = await openDepartment(sqlite, testClock(new Date().toISOString()));
  server = await startDepartmentServer({
    accounts: dept.accounts,
    store: dept.store,
    events: inProcessReviewEvents(),
    tls: { cert: tlsCert.cert, key: tlsCert.key },
    engine: { url: peerUrl, key: KEY },
    log: { info: (m: string) => serverLog.push(m), error: (m: string, err?: unknown) => serverLog.push(`${m} ${String(err)}`) },
  });
  app = startTestServices();
  const caseId = (await app.call('cases.create', { code: 'DE-1', surgeryDate: null, eye: 'OD', surgeon: '', notes: '' })).id;
  frameId = (await app.call('frames.addImage', { caseId, fileName: 'still.png', data: makePng(320, 180, 5) })).id;
});

afterAll(async () => {
  await app?.close();
  await server?.close();
  await sqlite.closeAll();
  await sqlite.stop();
  await peer?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function analyse(maxTokens: number) {
  const { jobId } = await app.call('analysis.start', { frameId, maxTokens });
  const end = await app.waitFor('analysis.status', (p) => p.jobId === jobId && finished(p));
  const tokens = app.events.filter((e) => e.name === 'analysis.token' && (e.payload as { jobId: string }).jobId === jobId).map((e) => (e.payload as { text: string }).text);
  return { end, tokens };
}

const signIn = () => app.call('department.connect', { url: server.url, username: 'rhea', password: PASSWORDS.resident, caFile: tlsCert.certFile });

describe("the department's engine from the workstation", () => {
  it('needs a department session first, and says so', async () => {
    const err = await refusal(app.call('inference.load', { engine: 'department' }));
    expect([err.code, err.message]).toEqual(['unavailable', 'Connect to a department library first (Settings → Department library).']);
    expect((await app.call('settings.get', {})).engine).toBe('local');
  });

  it('loads through the signed-in session and analyses a frame there: the answer streams in, with the department as its server', async () => {
    await signIn();
    const st = await app.call('inference.load', { engine: 'department' });
    expect(st.state).toBe('ready');
    expect(st.model).toMatchObject({ engine: 'remote', serverUrl: `${server.url}/api/engine`, remoteModel: MODEL_ID });
    expect((await app.call('settings.get', {})).engine).toBe('department');

    const { end, tokens } = await analyse(12);
    expect(end.status).toBe('completed');
    const a = end.analysis!;
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.join('')).toBe(a.rawText);
    expect(a).toMatchObject({ status: 'completed', prompt: SEED_PROMPT, params: { maxTokens: 12 }, error: null, provenance: { serverUrl: `${server.url}/api/engine`, remoteModel: MODEL_ID } });
    expect((await app.call('analysis.list', { frameId })).map((x) => x.id)).toContain(a.id);
  });

  it('lets go of the engine when the reviewer signs out, and refuses the next analysis until they sign in again', async () => {
    await app.call('department.disconnect', {});
    await expect.poll(async () => (await app.call('inference.status', {})).state).not.toBe('ready');
    const err = await refusal(app.call('analysis.start', { frameId, maxTokens: 4 }));
    expect(err.message).toBe('Connect to a department library first (Settings → Department library).');

    await signIn(); // a new session, a new token: the next analysis loads the engine with it
    const { end } = await analyse(6);
    expect(end.status).toBe('completed');
    expect((await app.call('inference.status', {})).model).toMatchObject({ serverUrl: `${server.url}/api/engine` });
  });

  it("never holds the engine's key: not in the library, the settings, the events or the status", async () => {
    const files = fs.readdirSync(app.dataDir, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(app.dataDir, f)).isFile());
    for (const f of files) expect(fs.readFileSync(path.join(app.dataDir, f)).toString('latin1').includes(KEY), f).toBe(false);
    expect(JSON.stringify(app.events)).not.toContain(KEY);
    expect(JSON.stringify(await app.call('inference.status', {}))).not.toContain(KEY);
    expect(serverLog.join('\n')).not.toContain(KEY);
  });
});
