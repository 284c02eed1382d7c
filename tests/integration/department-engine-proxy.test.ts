// The department server's engine proxy (/api/engine, electron/host/department/engine-proxy.ts), end to end over real
// HTTPS with a real peer: serve-model's OpenAI-compatible server (the tiny generated gemma3 model behind it, an API key
// required) as the department's engine. The workstation's own remote engine code, pointed at ${server}/api/engine with
// a department session token as its API key and the test certificate as its CA, uses the engine unchanged; the
// requests take turns with everyone's in the server's fair queue; the engine's key never leaves the server.
//
// The order of things is made certain, not timed: a "gate" is a long analysis run directly on the peer's model (its
// one slot), so whatever the department sends waits at the peer until the test ends the gate.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts } from '../../electron/core/department/accounts';
import { openLibraryDb, type LibraryDbHandle } from '../../electron/core/department/db';
import { createLibraryStore } from '../../electron/core/department/library-store';
import { migrateLibrary } from '../../electron/core/department/migrations';
import { DepartmentClient } from '../../electron/core/department/client';
import { createRemoteEngine } from '../../electron/inference/engines/remote-engine';
import { SEED_PROMPT } from '../../electron/inference/prompt';
import { chatBody, listModels, parseServerUrl, resolveTimeouts } from '../../electron/inference/remote/openai-api';
import { testRemoteConnection } from '../../electron/inference/remote/test-connection';
import { ENGINE_SIGN_IN_FIRST } from '../../electron/host/department/engine-proxy';
import { inProcessReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { NO_ENGINE_MESSAGE, type EngineConfig } from '../../electron/host/department/shared-inference';
import { FAST_SCRYPT, seedReviewers } from '../fixtures/department-library';
import { makePng } from '../fixtures/images';
import { selfSignedCertificate, type TestCertificate } from '../fixtures/tls-cert';
import { gate as holdPeer, until, startModelPeer, type ModelPeer } from '../fixtures/engine-gate';

const MODEL_ID = 'tiny-cataract';
const KEY = 'sk-peer-engine-key-5e19b0d3c7';
const PASSWORD = 'correct-horse-battery-1';

/** Every response (status, headers, body) the tests saw, and every log line: none may carry the key. */
const seen: string[] = [];
const logged: string[] = [];
const log = { info: (m: string) => logged.push(m), error: (m: string, err?: unknown) => logged.push(`${m} ${String(err)}`) };

let dir: string;
let cert: TestCertificate;
let ca: string;
let peer: ModelPeer;
let peerUrl: string;
const frames = [0, 1, 2, 3, 4, 5, 6].map((seed) => makePng(64, 48, seed + 1));

interface Department {
  server: DepartmentServer;
  base: string;
  close(): Promise<void>;
}

async function department(name: string, engine: EngineConfig | null): Promise<Department> {
  const handle: LibraryDbHandle = openLibraryDb({ kind: 'sqlite', file: path.join(dir, `${name}.db`) });
  await migrateLibrary(handle);
  const accounts = createAccounts(handle, { scrypt: FAST_SCRYPT });
  await seedReviewers(accounts, PASSWORD);
  const events = inProcessReviewEvents();
  const server = await startDepartmentServer({
    accounts,
    store: createLibraryStore(handle, { changes: events.sink }),
    events,
    engine,
    tls: { cert: cert.cert, key: cert.key },
    enginePingMs: 100,
    log,
  });
  return {
    server,
    base: `${server.url}/api/engine`,
    async close() {
      await server.close();
      await events.close();
      await handle.close();
    },
  };
}

/** Signs in as the desktop does and returns the session token it would use as the engine's API key. */
async function tokenFor(d: Department, username: string): Promise<string> {
  const c = new DepartmentClient({ baseUrl: d.server.url, ca: cert.cert });
  await c.login(username, PASSWORD);
  const token = c.sessionToken();
  c.close();
  expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  return token!;
}

interface Exchange {
  status: Promise<number>;
  /** Comment lines (`: …`) and data payloads, as they arrive. */
  comments: string[];
  data: string[];
  text(): string;
  ended: Promise<void>;
  abort(): void;
}

/** One raw request to the proxy, read as it arrives. */
function request(d: Department, method: 'GET' | 'POST', p: string, o: { token?: string | null; body?: string | Buffer; headers?: Record<string, string> } = {}): Exchange {
  const url = new URL(`${d.base}${p}`);
  const headers: Record<string, string> = {
    ...(o.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    ...(o.token ? { Authorization: `Bearer ${o.token}` } : {}),
    ...o.headers,
  };
  let raw = '';
  let line = '';
  const comments: string[] = [];
  const data: string[] = [];
  let setStatus!: (s: number) => void;
  const status = new Promise<number>((r) => (setStatus = r));
  let req!: http.ClientRequest;
  const ended = new Promise<void>((resolve) => {
    req = https.request(url, { method, headers, ca, agent: false }, (res) => {
      setStatus(res.statusCode ?? 0);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        const lines = (line + chunk).split('\n');
        line = lines.pop()!;
        for (const l of lines) {
          if (l.startsWith(':')) comments.push(l);
          else if (l.startsWith('data: ')) data.push(l.slice(6));
        }
      });
      res.on('end', () => {
        seen.push(`${method} ${p} → ${res.statusCode} ${JSON.stringify(res.headers)}\n${raw}`);
        resolve();
      });
      res.on('error', () => resolve());
      res.on('close', () => resolve());
    });
    req.on('error', () => resolve());
  });
  req.end(o.body);
  return { status, comments, data, text: () => raw, ended, abort: () => req.destroy() };
}

function chat(d: Department, token: string, frame: Uint8Array, maxTokens: number, stream = true): Exchange {
  return request(d, 'POST', '/v1/chat/completions', { token, body: chatBody(MODEL_ID, { image: frame, imageMime: 'image/png', prompt: SEED_PROMPT, maxTokens, stream }) });
}

/** Occupies the peer's one model slot until release(); resolves once it is generating. */
const gate = () => holdPeer(() => peer.client, frames[6]!);

const answer = (x: Exchange) =>
  x.data
    .filter((d) => d !== '[DONE]')
    .map((d) => (JSON.parse(d) as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content ?? '')
    .join('');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-engine-proxy-'));
  cert = selfSignedCertificate(dir);
  ca = cert.cert.toString('utf8');
  peer = await startModelPeer(MODEL_ID, KEY);
  peerUrl = peer.url;
});

afterAll(async () => {
  await peer?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the engine proxy over HTTPS, in front of serve-model with an API key', () => {
  let d: Department;
  beforeAll(async () => {
    d = await department('library', { url: peerUrl, key: KEY });
  });
  afterAll(async () => d?.close());

  it("the workstation's remote engine, with a session token as its key, lists the model and analyses a frame as it streams", async () => {
    const token = await tokenFor(d, 'rhea');
    const tested = await testRemoteConnection({ url: d.base, apiKey: token, ca });
    expect(tested).toMatchObject({ ok: true, models: [MODEL_ID] });
    const list = await listModels({ address: parseServerUrl(d.base), apiKey: token, timeouts: resolveTimeouts(undefined), ca }, new AbortController().signal);
    expect(list.models.map((m) => m.id)).toEqual([MODEL_ID]);

    const engine = createRemoteEngine();
    await engine.load({ engine: 'remote', url: d.base, model: MODEL_ID, apiKey: token, ca });
    const pieces: string[] = [];
    const r = await engine.analyze({ image: frames[0]!, prompt: SEED_PROMPT, maxTokens: 12 }, (t) => pieces.push(t));
    expect(r).toMatchObject({ stopReason: 'max-tokens', generatedTokens: 12 });
    expect(pieces.length).toBeGreaterThan(1); // piece by piece, as the model wrote it
    expect(pieces.join('')).toBe(r.text);

    // The same question straight to the engine (with its key): the same answer, the proxy changes nothing.
    const direct = createRemoteEngine();
    await direct.load({ engine: 'remote', url: peerUrl, model: MODEL_ID, apiKey: KEY });
    expect((await direct.analyze({ image: frames[0]!, prompt: SEED_PROMPT, maxTokens: 12 }, () => undefined)).text).toBe(r.text);
    expect(logged.some((l) => /^Engine proxy: rhea POST \/v1\/chat\/completions → 200 \(stream\) in \d+ ms/.test(l))).toBe(true);
  });

  it('answers 401 in the OpenAI error shape without a session or with a wrong token; a cookie works, cross-site cookie POSTs do not', async () => {
    for (const token of [null, 'not-a-session-token-0123456789abcdef0123456']) {
      for (const [method, p] of [['GET', '/v1/models'], ['POST', '/v1/chat/completions']] as const) {
        const x = request(d, method, p, { token, ...(method === 'POST' ? { body: '{}' } : {}) });
        expect(await x.status, `${method} ${p} with ${token ? 'a wrong token' : 'no token'}`).toBe(401);
        await x.ended;
        expect(JSON.parse(x.text())).toEqual({ error: { message: ENGINE_SIGN_IN_FIRST, type: 'authentication_error', code: 401 } });
      }
    }
    const refused = createRemoteEngine();
    await expect(refused.load({ engine: 'remote', url: d.base, model: MODEL_ID, apiKey: 'wrong-token', ca })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/401/) });

    const c = new DepartmentClient({ baseUrl: d.server.url, ca: cert.cert });
    await c.login('amir', PASSWORD);
    const models = await c.raw({ method: 'GET', path: '/api/engine/v1/models' });
    expect(models.status).toBe(200);
    expect(JSON.parse(models.text).data.map((m: { id: string }) => m.id)).toEqual([MODEL_ID]);
    const crossSite = await c.raw({ method: 'POST', path: '/api/engine/v1/chat/completions', body: {}, headers: { Origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect(JSON.parse(crossSite.text)).toMatchObject({ error: { type: 'permission_error', code: 403 } });
    c.close();
    // A bearer token needs no Origin check: this one reaches the body check.
    const bearer = request(d, 'POST', '/v1/chat/completions', { token: await tokenFor(d, 'amir'), body: 'not json', headers: { Origin: 'https://evil.example' } });
    expect(await bearer.status).toBe(400);
    // Frames travel base64 in the messages: up to 40 MB, no more.
    const big = request(d, 'POST', '/v1/chat/completions', { token: await tokenFor(d, 'amir'), body: Buffer.alloc(41 * 1024 * 1024, 0x20) });
    expect(await big.status).toBe(413);
    await big.ended;
    expect(JSON.parse(big.text()).error.message).toMatch(/^The request is too large for this department server's engine proxy \(41\.0 MB; at most 40\.0 MB\)/);
  });

  it("takes turns with everyone: a resident's four requests do not hold back another reviewer's single one beyond one turn", async () => {
    const rhea = await tokenFor(d, 'rhea');
    const amir = await tokenFor(d, 'amir');
    const g = await gate();
    const finished: string[] = [];
    const r1 = chat(d, rhea, frames[1]!, 3);
    await until(() => r1.text().length > 0, 'the first request to reach the engine'); // running: held at the peer
    const rs = [r1];
    for (let i = 2; i <= 4; i++) {
      const x = chat(d, rhea, frames[i]!, 3);
      await until(() => x.comments.length > 0, `request ${i} to wait`);
      expect(x.comments[0]).toBe(`: waiting, position ${i - 1}`);
      rs.push(x);
    }
    // Amir's single question, through the workstation's remote engine with a short idle timeout: the proxy's
    // keep-alive comments carry it through the wait.
    const engine = createRemoteEngine();
    await engine.load({ engine: 'remote', url: d.base, model: MODEL_ID, apiKey: amir, ca, timeouts: { idleMs: 1000, retries: 0 } });
    const single = engine.analyze({ image: frames[5]!, prompt: SEED_PROMPT, maxTokens: 3 }, () => undefined).then((r) => (finished.push('A1'), r));
    await until(() => rs[1]!.comments.includes(': waiting, position 2'), "amir's request to go ahead of rhea's second");
    rs.forEach((x, i) => void x.ended.then(() => finished.push(`R${i + 1}`)));
    await new Promise((r) => setTimeout(r, 1500)); // longer than the client's idle timeout
    await g.release();
    const a = await single;
    await Promise.all(rs.map((x) => x.ended));
    expect(a.stopReason).toBe('max-tokens');
    expect(finished).toEqual(['R1', 'A1', 'R2', 'R3', 'R4']);
    for (const x of rs) {
      expect(await x.status).toBe(200);
      expect(x.data.at(-1)).toBe('[DONE]');
      expect(answer(x).length).toBeGreaterThan(0);
    }
  });

  it('"Test connection" (a whole answer, not streamed) outlasts its idle timeout while it waits its turn', async () => {
    const [rhea, amir] = [await tokenFor(d, 'rhea'), await tokenFor(d, 'amir')];
    const g = await gate();
    const first = chat(d, rhea, frames[1]!, 3);
    await until(() => first.text().length > 0, 'the first request to reach the engine');
    const probe = testRemoteConnection({ url: d.base, apiKey: amir, ca, timeouts: { idleMs: 1000, retries: 0 } });
    await new Promise((r) => setTimeout(r, 1500));
    await g.release();
    expect(await probe).toMatchObject({ ok: true, models: [MODEL_ID], multimodal: true });
    await first.ended;
  });

  it('a client that goes away while waiting leaves the queue, one that goes away while answered aborts the engine request: the next runs', async () => {
    const rhea = await tokenFor(d, 'rhea');
    const g = await gate();
    const first = chat(d, rhea, frames[1]!, 3);
    await until(() => first.text().length > 0, 'the first request to reach the engine');
    const leaving = chat(d, rhea, frames[2]!, 3);
    await until(() => leaving.comments.length > 0, 'the second to wait');
    expect(leaving.comments[0]).toBe(': waiting, position 1');
    leaving.abort();
    await until(() => logged.some((l) => /^Engine proxy: rhea POST \/v1\/chat\/completions → 200 \(stream\) in \d+ ms \(client went away; left the queue\)$/.test(l)), 'the log line');
    const next = chat(d, rhea, frames[3]!, 3);
    await until(() => next.comments.length > 0, 'the third to wait');
    expect(next.comments[0]).toBe(': waiting, position 1'); // not 2: the one that left is gone
    // The running one's client goes away too: its engine request is aborted and the next one starts.
    first.abort();
    await until(() => next.comments.includes(': waiting for the engine') || next.data.length > 0, 'the next request to reach the engine');
    await until(() => logged.some((l) => /^Engine proxy: rhea POST \/v1\/chat\/completions → 200 \(stream\) in \d+ ms \(client went away; engine request aborted\)$/.test(l)), 'the log line');
    await g.release();
    await next.ended;
    expect(next.data.at(-1)).toBe('[DONE]');
    expect(answer(next).length).toBeGreaterThan(0);
  });
});

describe('the engine proxy when the engine is missing or misbehaves', () => {
  it('no engine configured: 503 with the administrator\'s instructions, in the OpenAI error shape', async () => {
    const bare = await department('bare', null);
    try {
      const token = await tokenFor(bare, 'rhea');
      for (const [method, p] of [['GET', '/v1/models'], ['POST', '/v1/chat/completions']] as const) {
        const x = request(bare, method, p, { token, ...(method === 'POST' ? { body: '{}' } : {}) });
        expect(await x.status).toBe(503);
        await x.ended;
        expect(JSON.parse(x.text())).toEqual({ error: { message: NO_ENGINE_MESSAGE, type: 'server_error', code: 503 } });
      }
      const engine = createRemoteEngine();
      await expect(engine.load({ engine: 'remote', url: bare.base, model: MODEL_ID, apiKey: token, ca })).rejects.toMatchObject({ message: expect.stringMatching(/no model engine configured \(--engine-url\)/) });
      expect((await request(bare, 'GET', '/v1/nothing', { token }).status)).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it('an engine whose words quote its key: scrubbed, also in a stream\'s error event; an engine that is down: 502 saying so', async () => {
    // An engine that repeats the Authorization header it got: in its model list, and (after a while) in every error.
    const echo = http.createServer((req, res) => {
      req.resume();
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: MODEL_ID, object: 'model', owned_by: String(req.headers.authorization) }] }));
        return;
      }
      setTimeout(() => res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: `engine failed for ${req.headers.authorization}` } })), 400);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const leaky = await department('leaky', { url: `http://127.0.0.1:${(echo.address() as AddressInfo).port}`, key: KEY, model: MODEL_ID });
    try {
      const token = await tokenFor(leaky, 'rhea');
      const models = request(leaky, 'GET', '/v1/models', { token });
      expect(await models.status).toBe(200);
      await models.ended;
      expect(JSON.parse(models.text()).data[0].owned_by).toBe('Bearer [redacted]');
      // Whole: the engine is slower than the keep-alive, so the 200 headers went early, then blank lines and the error.
      const whole = chat(leaky, token, frames[0]!, 3, false);
      expect(await whole.status).toBe(200);
      await whole.ended;
      expect(whole.text()).toMatch(/^\n+\{/);
      expect(JSON.parse(whole.text())).toEqual({ error: { message: 'engine failed for Bearer [redacted]', type: 'server_error', code: 500 } });
      // Streamed: the engine says nothing for longer than the keep-alive, so the headers went early; then an error event.
      const streamed = chat(leaky, token, frames[0]!, 3, true);
      expect(await streamed.status).toBe(200);
      await streamed.ended;
      expect(streamed.comments[0]).toBe(': waiting for the engine');
      expect(streamed.data.map((x) => JSON.parse(x))).toEqual([{ error: { message: 'engine failed for Bearer [redacted]', type: 'server_error', code: 500 } }]);
      // The workstation's client reads that event as the engine's failure, in the proxy's words.
      const engine = createRemoteEngine();
      await engine.load({ engine: 'remote', url: leaky.base, model: MODEL_ID, apiKey: token, ca });
      await expect(engine.analyze({ image: frames[0]!, prompt: SEED_PROMPT, maxTokens: 3 }, () => undefined)).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(/failed with an internal error \(500\)\. The server said: "engine failed for Bearer \[redacted\]"/),
      });
    } finally {
      await leaky.close();
      await new Promise((r) => echo.close(r));
    }

    const port = await new Promise<number>((resolve) => {
      const s = http.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const down = await department('down', { url: `http://127.0.0.1:${port}`, key: KEY, model: MODEL_ID, timeouts: { retries: 0 } });
    try {
      const token = await tokenFor(down, 'rhea');
      for (const [method, p] of [['GET', '/v1/models'], ['POST', '/v1/chat/completions']] as const) {
        const x = request(down, method, p, { token, ...(method === 'POST' ? { body: '{"messages":[]}' } : {}) });
        expect(await x.status).toBe(502);
        await x.ended;
        expect(JSON.parse(x.text()).error.message).toMatch(new RegExp(`^The department server could not reach its model engine at 127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED`));
      }
    } finally {
      await down.close();
    }
  });

  it('never lets the engine key out: no response, header, event or log line carries it', () => {
    expect(seen.length).toBeGreaterThanOrEqual(15);
    expect(logged.filter((l) => l.startsWith('Engine proxy: ')).length).toBeGreaterThanOrEqual(25);
    const leaks = [...seen.filter((s) => s.includes(KEY)), ...logged.filter((l) => l.includes(KEY))];
    expect(leaks).toEqual([]);
  });
});
