// The department's engine is llama-server (its recorded answers, tests/fixtures/llama-server, as in
// remote-llama-server.test.ts): a workstation asking through the department server's engine proxy still sends the
// app's own prompt layout to /completion (the prompt the parity run checked token for token against transformers),
// not a chat template, because the proxy passes llama-server's /props and /completion on as it does /v1.
import { readFileSync } from 'node:fs';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepartmentClient } from '../../electron/core/department/client';
import { inProcessReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { createRemoteEngine } from '../../electron/inference/engines/remote-engine';
import { PROMPT_LAYOUT, SEED_PROMPT } from '../../electron/inference/prompt';
import { BACKENDS, openDepartment, PASSWORDS, testClock, type Department } from '../fixtures/department-library';
import { greedyFixture, PARITY_DIR } from '../fixtures/gemma3-parity';
import { selfSignedCertificate, type TestCertificate } from '../fixtures/tls-cert';

const DIR = path.join(__dirname, '..', 'fixtures', 'llama-server');
const read = (f: string) => readFileSync(path.join(DIR, f), 'utf8');
const models = JSON.parse(read('v1-models.json')) as { data: Array<{ id: string }> };
const props = JSON.parse(read('props.json')) as { build_info: string; default_generation_settings: { n_ctx: number } };
const recorded = JSON.parse(read('completion-request.json')) as { prompt: { prompt_string: string } };
const KEY = 'sk-llama-server-key-0a7c';
const fx = greedyFixture();
const frame = new Uint8Array(readFileSync(path.join(PARITY_DIR, fx.image)));

const sent: Array<{ prompt: { prompt_string: string } }> = [];
const chatCalls: string[] = [];
const auth: string[] = [];
let engine: http.Server;
let dir: string;
let tlsCert: TestCertificate;
let dept: Department;
let server: DepartmentServer;
const sqlite = BACKENDS.find((b) => b.name === 'SQLite')!;

beforeAll(async () => {
  engine = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      auth.push(String(req.headers.authorization));
      if (req.method === 'GET' && req.url === '/v1/models') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(read('v1-models.json'));
      if (req.method === 'GET' && req.url === '/props') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(read('props.json'));
      if (req.method === 'POST' && req.url === '/completion') {
        sent.push(JSON.parse(body) as (typeof sent)[number]);
        return void res.writeHead(200, { 'Content-Type': 'text/event-stream' }).end(read('completion-stream.sse'));
      }
      if (req.url === '/v1/chat/completions') chatCalls.push(body);
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => engine.listen(0, '127.0.0.1', r));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-llama-'));
  tlsCert = selfSignedCertificate(dir);
  await sqlite.start();
  dept = await openDepartment(sqlite, testClock(new Date().toISOString()));
  server = await startDepartmentServer({
    accounts: dept.accounts,
    store: dept.store,
    events: inProcessReviewEvents(),
    tls: { cert: tlsCert.cert, key: tlsCert.key },
    engine: { url: `http://127.0.0.1:${(engine.address() as AddressInfo).port}`, key: KEY },
  });
});

afterAll(async () => {
  await server?.close();
  await sqlite.closeAll();
  await sqlite.stop();
  await new Promise<void>((r) => engine.close(() => r()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("a workstation on the department's llama-server, through the engine proxy", () => {
  it("sends the app's own prompt layout to /completion and streams the answer; the engine sees only the server's key", async () => {
    const ca = tlsCert.cert.toString('utf8');
    const rhea = new DepartmentClient({ baseUrl: server.url, ca });
    await rhea.login('rhea', PASSWORDS.resident);
    const token = rhea.sessionToken()!;

    const remote = createRemoteEngine();
    const loaded = await remote.load({ engine: 'remote', url: `${server.url}/api/engine`, model: models.data[0]!.id, apiKey: token, ca });
    expect(loaded.promptLayout).toBe(PROMPT_LAYOUT);
    expect(loaded.contextSize).toBe(props.default_generation_settings.n_ctx);
    expect(loaded.llamaCppRelease).toBe(props.build_info);

    const pieces: string[] = [];
    const r = await remote.analyze({ image: frame, prompt: SEED_PROMPT, maxTokens: fx.greedy_ids.length }, (p) => pieces.push(p));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.prompt.prompt_string).toBe(recorded.prompt.prompt_string);
    expect(r.text).toBe(fx.greedy_text);
    expect(pieces.join('')).toBe(fx.greedy_text);
    expect(chatCalls).toEqual([]);
    // The engine got the department's key on every request, never the reviewer's session token.
    expect(new Set(auth)).toEqual(new Set([`Bearer ${KEY}`]));
    await remote.unload();
    rhea.close();
  });

  it('refuses /props and /completion without a session, as /v1 is', async () => {
    for (const [method, p] of [['GET', '/api/engine/props'], ['POST', '/api/engine/completion']] as const) {
      const res = await new DepartmentClient({ baseUrl: server.url, ca: tlsCert.cert.toString('utf8') }).raw({ method, path: p, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect([p, res.status]).toEqual([p, 401]);
    }
  });
});
