// The remote engine (OpenAI-compatible) end to end on loopback: the app's services and inference process talking
// to serve-model's server (started in this process on port 0, the tiny generated gemma3 model behind it). The
// stand-in servers that refuse or fail are in remote-engine-failures.test.ts. Nothing leaves 127.0.0.1.
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/api/contract';
import { createRemoteEngine } from '../../electron/inference/engines/remote-engine';
import { forkWorker } from '../../electron/inference/fork-worker';
import { createInferenceClient, type InferenceClient } from '../../electron/inference/inference-client';
import { createOpenAIServer, type CompletionRecord, type OpenAIServer } from '../../electron/inference/openai-server';
import { SEED_PROMPT } from '../../electron/inference/prompt';
import { makePng } from '../fixtures/images';
import { startTestServices, type TestServices } from '../fixtures/services';
import { ensureTestModel } from '../fixtures/test-model';

type Status = EventPayload<'analysis.status'>;
const finished = (s: Status) => s.status === 'completed' || s.status === 'cancelled' || s.status === 'failed';

const MODEL_ID = 'tiny-cataract';
const KEY = 'test-key-7f3a';

function picture(width: number, height: number, rgb: (x: number, y: number) => [number, number, number]): Uint8Array {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      [png.data[i], png.data[i + 1], png.data[i + 2]] = rgb(x, y);
      png.data[i + 3] = 255;
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('Timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('remote engine against serve-model on loopback', () => {
  let serving: InferenceClient;
  let server: OpenAIServer;
  let url: string;
  const records: CompletionRecord[] = [];
  let s: TestServices;
  let frames: number[];

  beforeAll(async () => {
    const model = await ensureTestModel(224);
    serving = createInferenceClient({ spawnWorker: forkWorker });
    await serving.load({ ...model, device: 'cpu', contextSize: 4096 });
    server = createOpenAIServer({ client: serving, modelId: MODEL_ID, apiKey: KEY, onCompletion: (r) => records.push(r) });
    url = (await server.listen(0)).url;

    s = startTestServices();
    const caseId = (await s.call('cases.create', { code: 'RM-1', surgeryDate: null, eye: 'OS', surgeon: '', notes: '' })).id;
    // Three frames, none of them square (each must be stretched the same way on both paths), different enough that
    // the tiny random model writes a different text for each.
    const images = [makePng(640, 360, 3), picture(400, 200, (x, y) => [x & 255, 0, y]), picture(400, 200, (x, y) => [(x * y) & 255, 200, 0])];
    frames = [];
    for (const [i, data] of images.entries()) frames.push((await s.call('frames.addImage', { caseId, fileName: `f${i}.png`, data })).id);
    await s.call('inference.load', { ...model, device: 'cpu', contextSize: 4096 });
  });
  afterAll(async () => {
    await s?.close();
    await server?.close();
    await serving?.close();
  });

  async function analyse(frameId: number, maxTokens: number, during?: (jobId: string) => void | Promise<void>) {
    const { jobId } = await s.call('analysis.start', { frameId, maxTokens });
    await during?.(jobId);
    const end = await s.waitFor('analysis.status', (p) => p.jobId === jobId && finished(p));
    const tokens = s.events.filter((e) => e.name === 'analysis.token' && (e.payload as { jobId: string }).jobId === jobId).map((e) => (e.payload as { text: string }).text);
    return { jobId, end, tokens };
  }

  const useServer = (apiKey?: string | null, at = url) => s.call('inference.load', { engine: 'remote', url: at, model: MODEL_ID, ...(apiKey === undefined ? {} : { apiKey }) });

  it('gives exactly the same text as the local engine for the same frame (greedy), on three frames', async () => {
    const local: string[] = [];
    for (const f of frames) {
      const { end } = await analyse(f, 40);
      expect(end.status).toBe('completed');
      local.push(end.analysis!.rawText);
    }
    expect(new Set(local).size).toBe(3); // the frames matter, so equal texts mean equal inputs

    const st = await useServer(KEY);
    expect(st.state).toBe('ready');
    expect(st.model).toMatchObject({ name: MODEL_ID, engine: 'remote', serverUrl: url, remoteModel: MODEL_ID, imageSize: 224 });
    expect(st.device?.backend).toBe('remote');

    for (const [i, f] of frames.entries()) {
      const { end, tokens } = await analyse(f, 40);
      expect(end.status).toBe('completed');
      const a = end.analysis!;
      expect(a.rawText).toBe(local[i]);
      expect(a.rawText).toBe(tokens.join(''));
      expect(a.prompt).toBe(SEED_PROMPT);
      expect(a.params).toEqual({ maxTokens: 40, temperature: 0 });
      expect(a.provenance).toMatchObject({
        engine: 'remote (OpenAI-compatible)',
        serverUrl: url,
        remoteModel: MODEL_ID,
        modelFile: MODEL_ID,
        modelSha256: 'remote',
        modelName: MODEL_ID,
      });
      expect(a.provenance.device).toMatch(/^remote: 127\.0\.0\.1:\d+ \(tiny-cataract\)$/);
      expect(a.timings.encodeMs).toBeNull(); // the server's encode time is not visible from here
      expect(a.timings.generatedTokens).toBe(40);
      expect(a.timings.promptTokens).toBeGreaterThan(0);
      expect(a.timings.timeToFirstTokenMs).toBeGreaterThan(0);
    }
    const settings = await s.call('settings.get', {});
    expect(settings).toMatchObject({ engine: 'remote', remoteUrl: url, remoteModel: MODEL_ID });
    // The key lives in the secret store only: not in settings, events, the library database or anything else on disk.
    expect(JSON.stringify(settings)).not.toContain(KEY);
    expect(JSON.stringify(s.events)).not.toContain(KEY);
    const onDisk = fs.readdirSync(s.dataDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    for (const f of onDisk) {
      const text = fs.readFileSync(path.join(f.parentPath, f.name)).toString('latin1');
      expect(text.includes(KEY), f.name).toBe(f.name === 'secrets.json');
    }
    expect(onDisk.some((f) => f.name === 'secrets.json')).toBe(true);
  });

  it('a follow-up question through the server: the whole conversation is sent, and the answer equals the local engine\'s', async () => {
    const model = await ensureTestModel(224);
    const ask = async (analysisId: number, question: string) => {
      const { jobId } = await s.call('analysis.ask', { analysisId, question, maxTokens: 16 });
      return s.waitFor('analysis.status', (p) => p.jobId === jobId && finished(p));
    };
    const conversation = async () => {
      const first = await analyse(frames[1]!, 24);
      const one = await ask(first.end.analysis!.id, 'What is the main risk at this moment?');
      const two = await ask(first.end.analysis!.id, 'Which instrument is in use and where?');
      expect([one.status, two.status]).toEqual(['completed', 'completed']);
      return [first.end.analysis!.rawText, one.turn!, two.turn!] as const;
    };
    await s.call('inference.load', { ...model, device: 'cpu', contextSize: 4096 });
    const local = await conversation();
    expect(local[2].timings.imageEncoded).toBe(false);
    await useServer(KEY);
    const before = records.length;
    const remote = await conversation();
    expect(remote[0]).toBe(local[0]);
    expect(remote[1].answer).toBe(local[1].answer);
    expect(remote[2].answer).toBe(local[2].answer);
    expect(remote[2].provenance.promptLayout).toBe('server chat template');
    expect(records.slice(before).map((r) => r.outcome)).toEqual(['completed', 'completed', 'completed']);
  });

  it('a server whose context is too small: the test says so, a cut answer is marked as cut, a follow-up that does not fit says "start the server with a larger context"', async () => {
    const model = await ensureTestModel(224);
    const small = createInferenceClient({ spawnWorker: forkWorker });
    await small.load({ ...model, device: 'cpu', contextSize: 512 }); // 16 image tokens + prompt + 512 answer tokens do not fit
    const tiny = createOpenAIServer({ client: small, modelId: MODEL_ID });
    const at = (await tiny.listen(0)).url;
    try {
      const test = await s.call('inference.testConnection', { url: at, model: MODEL_ID, apiKey: '' });
      expect(test.ok).toBe(false);
      expect(test.message).toMatch(/context of 512 tokens, but one analysis needs about 628.*larger context/);
      const st = await s.call('inference.load', { engine: 'remote', url: at, model: MODEL_ID, apiKey: '' });
      expect(st.model?.contextSize).toBe(512);
      // The server's context ends the answer before 512 tokens: finish_reason "length", stored as cut.
      const { end } = await analyse(frames[0]!, 512);
      expect(end.status).toBe('completed');
      const a = end.analysis!;
      expect(a.timings.cutByContext).toBe(true);
      expect(a.timings.generatedTokens).toBeLessThan(512);
      expect(a.provenance.serverContextSize).toBe(512);
      expect(a.provenance.serverFingerprint).toMatch(/^node-llama-cpp \d+\.\d+\.\d+, llama\.cpp v\d/);
      // A follow-up that cannot fit: the server refuses it (400), and the message says what to do.
      const { jobId } = await s.call('analysis.ask', { analysisId: a.id, question: 'And now?', maxTokens: 512 });
      const turn = await s.waitFor('analysis.status', (p) => p.jobId === jobId && finished(p));
      expect(turn.status).toBe('failed');
      expect(turn.message).toMatch(/too small a context.*start the server with a larger context/);
      expect(turn.message).not.toMatch(/model id/);
    } finally {
      await useServer(KEY);
      await tiny.close();
      await small.close();
    }
  });

  it('tests a connection: the models it serves and that the model reads images; a wrong or missing key says so', async () => {
    const good = await s.call('inference.testConnection', { url, model: MODEL_ID, apiKey: KEY });
    expect(good).toMatchObject({ ok: true, models: [MODEL_ID], multimodal: true });
    expect(good.message).toMatch(/Connected to 127\.0\.0\.1:\d+: "tiny-cataract" answered/);
    // Without a key in the call, the saved key is used.
    expect((await s.call('inference.testConnection', { url: `${url}/v1/` })).ok).toBe(true);
    const wrong = await s.call('inference.testConnection', { url, apiKey: 'nope' });
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toMatch(/API key was refused .*\(401 Unauthorized\)\. Check the key in Settings/);
    const none = await s.call('inference.testConnection', { url, apiKey: '' });
    expect(none.message).toMatch(/needs an API key \(401 Unauthorized\)\. Enter the key/);
    const model404 = await s.call('inference.testConnection', { url, model: 'medgemma-27b', apiKey: KEY });
    expect(model404).toMatchObject({ ok: false, models: [MODEL_ID] });
    expect(model404.message).toMatch(/does not serve "medgemma-27b"\. It serves "tiny-cataract"/);
  });

  it('cancels mid-stream: the row says cancelled, and the generation on the server stops too', async () => {
    await useServer();
    const before = records.length;
    const { end, tokens } = await analyse(frames[0]!, 4000, async (jobId) => {
      await s.waitFor('analysis.token', (p) => p.jobId === jobId);
      await s.call('analysis.cancel', { jobId });
    });
    expect(end.status).toBe('cancelled');
    expect(end.analysis!.status).toBe('cancelled');
    expect(end.analysis!.rawText).toBe(tokens.join(''));
    expect(end.analysis!.timings.generatedTokens).toBeLessThan(4000);
    await until(() => records.length > before);
    expect(records[before]).toMatchObject({ outcome: 'cancelled', clientGone: true, stream: true });
    expect(records[before]!.generatedTokens).toBeLessThan(4000);
    expect(serving.status().runningAnalysisId).toBeNull();
    expect((await analyse(frames[1]!, 8)).end.status).toBe('completed');
  });

  it('reports a server stopped mid-stream clearly, and stores a failed row without the partial text', async () => {
    const second = createOpenAIServer({ client: serving, modelId: MODEL_ID, apiKey: KEY, onCompletion: (r) => records.push(r) });
    const url2 = (await second.listen(0)).url;
    await useServer(KEY, url2); // a new address: the key is typed again (the saved one goes to the saved server only)
    const before = await s.call('analysis.list', { frameId: frames[2]! });
    const { end, tokens } = await analyse(frames[2]!, 4000, async (jobId) => {
      await s.waitFor('analysis.token', (p) => p.jobId === jobId);
      await second.close();
    });
    expect(tokens.length).toBeGreaterThan(0);
    expect(end.status).toBe('failed');
    expect(end.message).toMatch(/connection to the server at 127\.0\.0\.1:\d+ was lost in the middle of the answer, after \d+ tokens? .*The partial answer was not saved\. Check that the server is still running/);
    const after = await s.call('analysis.list', { frameId: frames[2]! });
    expect(after.length).toBe(before.length + 1);
    expect(after[0]).toMatchObject({ status: 'failed', rawText: '', answer: '', error: end.message });
    expect(after[0]!.provenance.serverUrl).toBe(url2);
    await until(() => serving.status().runningAnalysisId === null);
    await useServer(KEY);
  });

  it('refuses a wrong API key at load with the 401 message, and keeps the saved one', async () => {
    await expect(useServer('wrong-key')).rejects.toThrow(/The API key was refused by the server at 127\.0\.0\.1:\d+ \(401 Unauthorized\)\. Check the key in Settings/);
    expect((await s.call('inference.status', {})).state).toBe('no-model');
    await expect(s.call('analysis.start', { frameId: frames[0]!, maxTokens: 4 })).resolves.toBeTruthy(); // reconnects with the saved key
    const done = await s.waitFor('analysis.status', (p) => p.frameId === frames[0]! && p.analysis?.params.maxTokens === 4 && finished(p));
    expect(done.status).toBe('completed');
  });

  it('says which model ids exist when the model id is wrong, and what to fix when the URL is', async () => {
    await expect(s.call('inference.load', { engine: 'remote', url, model: 'no-such-model' })).rejects.toThrow(
      /does not serve "no-such-model"\. It serves "tiny-cataract"\. Choose one of those in Settings/,
    );
    await expect(s.call('inference.load', { engine: 'remote', url: `${url}/api`, model: MODEL_ID })).rejects.toThrow(
      /Nothing answers at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/models \(404 Not Found\)\. Check the server URL/,
    );
    await useServer();
  });

  it('says the frame is too large when the server answers 413', async () => {
    const small = createOpenAIServer({ client: serving, modelId: MODEL_ID, apiKey: KEY, maxImageBytes: 20_000 });
    const smallUrl = (await small.listen(0)).url;
    const engine = createRemoteEngine();
    await engine.load({ engine: 'remote', url: smallUrl, model: MODEL_ID, apiKey: KEY });
    await expect(engine.analyze({ image: makePng(640, 480, 11), prompt: SEED_PROMPT, maxTokens: 4 }, () => undefined)).rejects.toThrow(
      /The frame is larger than the server at 127\.0\.0\.1:\d+ accepts \(0\.\d MB as sent\) \(413 Payload Too Large\).*raise the request size limit/,
    );
    await small.close();
  });
});

describe('serve-model speaks the OpenAI API', () => {
  let serving: InferenceClient;
  let server: OpenAIServer;
  let url: string;
  const image = `data:image/png;base64,${Buffer.from(makePng(96, 64, 5)).toString('base64')}`;
  const records: CompletionRecord[] = [];
  const body = (extra: Record<string, unknown> = {}, content: unknown = [{ type: 'image_url', image_url: { url: image } }, { type: 'text', text: SEED_PROMPT }]) =>
    JSON.stringify({ model: MODEL_ID, messages: [{ role: 'user', content }], max_tokens: 6, temperature: 0, ...extra });
  const post = (b: string, key: string | null = KEY) =>
    fetch(`${url}/v1/chat/completions`, { method: 'POST', body: b, headers: { 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) } });

  beforeAll(async () => {
    const model = await ensureTestModel(224);
    serving = createInferenceClient({ spawnWorker: forkWorker });
    await serving.load({ ...model, device: 'cpu', contextSize: 2048 });
    server = createOpenAIServer({ client: serving, modelId: MODEL_ID, apiKey: KEY, maxImageBytes: 200_000, onCompletion: (r) => records.push(r) });
    url = (await server.listen(0)).url;
  });
  afterAll(async () => {
    await server?.close();
    await serving?.close();
  });

  it('lists the model, with its image input and image size', async () => {
    const r = await fetch(`${url}/v1/models`, { headers: { Authorization: `Bearer ${KEY}` } });
    expect(r.status).toBe(200);
    const j = (await r.json()) as { object: string; data: Array<Record<string, unknown>> };
    expect(j.object).toBe('list');
    expect(j.data[0]).toMatchObject({ id: MODEL_ID, object: 'model', architecture: { input_modalities: ['text', 'image'] }, meta: { image_size: 224 } });
  });

  it('answers as one JSON completion and as a stream with the same text', async () => {
    const whole = (await (await post(body())).json()) as { choices: Array<{ message: { content: string }; finish_reason: string }>; usage: { completion_tokens: number } };
    expect(whole.choices[0]!.finish_reason).toBe('length');
    expect(whole.usage.completion_tokens).toBe(6);
    const r = await post(body({ stream: true, stream_options: { include_usage: true } }));
    expect(r.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await r.text();
    const events = text.split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { choices: Array<{ delta: { content?: string }; finish_reason: string | null }>; usage?: { completion_tokens: number } });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(whole.choices[0]!.message.content);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(6);
  });

  it('cancels the generation when a client of a non-streamed request goes away', async () => {
    const gone = new AbortController();
    const before = records.length;
    const pending = fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      body: body({ max_tokens: 4000 }),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` },
      signal: gone.signal,
    }).catch((e: unknown) => e);
    await until(() => serving.status().runningAnalysisId !== null);
    gone.abort();
    await pending;
    await until(() => records.length > before);
    expect(records[before]).toMatchObject({ stream: false, outcome: 'cancelled', clientGone: true });
    expect(records[before]!.generatedTokens).toBeLessThan(4000);
    await until(() => serving.status().runningAnalysisId === null);
  });

  it.each([
    ['no API key', () => post(body(), null), 401, /needs an API key/],
    ['a wrong API key', () => post(body(), 'wrong'), 401, /not valid/],
    ['an unknown model', () => post(body({ model: 'gpt-4o' })), 404, /"gpt-4o" does not exist on this server\. It serves "tiny-cataract"/],
    ['a text file as the image', () => post(body({}, [{ type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from('hello, not an image').toString('base64')}` } }, { type: 'text', text: 'x' }])), 400, /not a PNG or JPEG/],
    ['an image URL to fetch', () => post(body({}, [{ type: 'image_url', image_url: { url: 'https://example.org/frame.png' } }, { type: 'text', text: 'x' }])), 400, /does not download images/],
    ['an image over the limit', () => post(body({}, [{ type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(400_000)}` } }, { type: 'text', text: 'x' }])), 413, /at most|larger than/],
    ['no image', () => post(body({}, 'What phase is this?')), 400, /exactly one image/],
    ['sampling', () => post(body({ temperature: 0.7 })), 400, /greedily/],
    ['invalid JSON', () => post('{"model": '), 400, /not valid JSON/],
  ])('refuses %s with an OpenAI-style error', async (_name, send, status, message) => {
    const r = await send();
    expect(r.status).toBe(status);
    const j = (await r.json()) as { error: { message: string; type: string } };
    expect(j.error.message).toMatch(message);
    expect(typeof j.error.type).toBe('string');
  });
});
