// The remote engine against stand-in servers on loopback that answer the way text-only, misconfigured or failing
// OpenAI-compatible servers do (llama-server without --mmproj, vLLM with a text-only model, 404s, odd TCP
// framing, unreachable, silent, errors mid-stream): each gives a clear message, retries only where it helps,
// and cancels cleanly.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createRemoteEngine } from '../../electron/inference/engines/remote-engine';
import { SEED_PROMPT } from '../../electron/inference/prompt';
import { testRemoteConnection } from '../../electron/inference/remote/test-connection';
import { makePng } from '../fixtures/images';

// ------------------------------------------------------------------------------------------ stand-in servers

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void | Promise<void>;

async function standIn(routes: Record<string, Handler>) {
  const hits: string[] = [];
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = `${req.method} ${req.url}`;
      hits.push(key);
      const h = routes[key];
      if (!h) {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end('{"error":{"message":"not found"}}');
        return;
      }
      void h(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  const listen = (port = 0) => new Promise<number>((r) => srv.listen(port, '127.0.0.1', () => r((srv.address() as AddressInfo).port)));
  const port = await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        srv.close(() => r());
        srv.closeAllConnections();
      }),
    reopen: () => listen(port),
  };
}

const modelList = (id: string, extra: Record<string, unknown> = {}): Handler => (_q, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ object: 'list', data: [{ id, object: 'model', owned_by: 'test' }], ...extra }));
};
const replyJson = (status: number, body: unknown): Handler => (_q, res) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};
const sse = (pieces: string[], finish = 'stop') =>
  [
    { choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    ...pieces.map((p) => ({ choices: [{ index: 0, delta: { content: p }, finish_reason: null }] })),
    { choices: [{ index: 0, delta: {}, finish_reason: finish }] },
    { choices: [], usage: { prompt_tokens: 270, completion_tokens: pieces.length } },
  ]
    .map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`)
    .join('') + 'data: [DONE]\r\n\r\n';

describe('remote engine against servers that refuse or fail', () => {
  const frame = makePng(200, 120, 4);
  const ask = (e: ReturnType<typeof createRemoteEngine>, onToken: (t: string) => void = () => undefined) => e.analyze({ image: frame, prompt: SEED_PROMPT, maxTokens: 16 }, onToken);

  it('recognises llama-server without --mmproj and vLLM with a text-only model, and says what to do', async () => {
    const llama = await standIn({
      'GET /v1/models': modelList('text-only.gguf'),
      'POST /v1/chat/completions': replyJson(500, { error: { code: 500, message: 'image input is not supported - hint: if this is unexpected, you may need to provide the mmproj', type: 'server_error' } }),
    });
    const vllm = await standIn({
      'GET /v1/models': modelList('meta-llama/Llama-3.1-8B-Instruct'),
      'POST /v1/chat/completions': replyJson(400, { object: 'error', message: 'At most 0 image(s) may be provided in one request.', type: 'BadRequestError', param: null, code: 400 }),
    });
    for (const [srv, id] of [
      [llama, 'text-only.gguf'],
      [vllm, 'meta-llama/Llama-3.1-8B-Instruct'],
    ] as const) {
      const e = createRemoteEngine();
      await e.load({ engine: 'remote', url: srv.url, model: id, apiKey: null });
      await expect(ask(e)).rejects.toThrow(/runs ".+" without image input .*start llama-server with --mmproj .* or serve the multimodal checkpoint with vLLM/);
      const t = await testRemoteConnection({ url: srv.url, model: id, apiKey: null });
      expect(t).toMatchObject({ ok: false, multimodal: false, models: [id] });
      expect(t.message).toMatch(/without image input/);
      await srv.close();
    }
  });

  it("maps the chat endpoint's own 404 for a model it does not have", async () => {
    const srv = await standIn({
      'GET /v1/models': replyJson(200, { object: 'list', data: [] }),
      'POST /v1/chat/completions': replyJson(404, { object: 'error', message: 'The model `medgemma` does not exist.', type: 'NotFoundError', param: null, code: 404 }),
    });
    const e = createRemoteEngine();
    await e.load({ engine: 'remote', url: srv.url, model: 'medgemma', apiKey: null });
    await expect(ask(e)).rejects.toThrow(/has no model "medgemma" \(404\)\. The server said: "The model `medgemma` does not exist"\. Press "Test connection"/);
    await srv.close();
  });

  it('believes a model list that says the model takes no images, without asking it', async () => {
    const srv = await standIn({
      'GET /v1/models': modelList('qwen.gguf', { models: [{ name: 'qwen.gguf', model: 'qwen.gguf', capabilities: ['completion'] }] }),
    });
    await expect(createRemoteEngine().load({ engine: 'remote', url: srv.url, model: 'qwen.gguf', apiKey: null })).rejects.toThrow(/without image input/);
    expect(await testRemoteConnection({ url: srv.url, apiKey: null })).toMatchObject({ ok: false, multimodal: false });
    expect(srv.hits.filter((h) => h.startsWith('POST'))).toEqual([]);
    await srv.close();
  });

  it('reads a stream that arrives in odd pieces over TCP, with CR LF line ends', async () => {
    const stream = sse(['Thinking Process:', ' the capsulorhexis — 5 mm', '\n\nFinal Answer:', ' continue.']);
    const bytes = Buffer.from(stream);
    const srv = await standIn({
      'GET /v1/models': modelList('m'),
      'POST /v1/chat/completions': async (_q, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        for (let at = 0; at < bytes.length; at += 7) {
          res.write(bytes.subarray(at, at + 7));
          await new Promise((r) => setImmediate(r));
        }
        res.end();
      },
    });
    const e = createRemoteEngine();
    await e.load({ engine: 'remote', url: srv.url, model: 'm', apiKey: null });
    const pieces: string[] = [];
    const r = await ask(e, (t) => pieces.push(t));
    expect(r.text).toBe('Thinking Process: the capsulorhexis — 5 mm\n\nFinal Answer: continue.');
    expect(pieces).toHaveLength(4);
    expect(r).toMatchObject({ stopReason: 'eos', generatedTokens: 4, promptTokens: 270 });
    await srv.close();
  });

  it('retries with backoff while the server cannot be reached, and says so when it never comes back', async () => {
    const srv = await standIn({
      'GET /v1/models': modelList('m'),
      'POST /v1/chat/completions': (_q, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.end(sse(['back', ' again']));
      },
    });
    const e = createRemoteEngine();
    await e.load({ engine: 'remote', url: srv.url, model: 'm', apiKey: null, timeouts: { retries: 4, retryBaseMs: 100 } });
    await srv.close();
    setTimeout(() => void srv.reopen(), 250); // comes back during the second or third wait
    expect((await ask(e)).text).toBe('back again');
    await srv.close();

    const gone = createRemoteEngine();
    const tmp = await standIn({ 'GET /v1/models': modelList('m') });
    await gone.load({ engine: 'remote', url: tmp.url, model: 'm', apiKey: null, timeouts: { retries: 2, retryBaseMs: 20 } });
    await tmp.close();
    await expect(ask(gone)).rejects.toThrow(/Nothing accepts connections at 127\.0\.0\.1:\d+ \(tried 3 times\)\. Check that the server is running/);
  });

  it('gives up on a server that goes silent, and passes on an error sent mid-stream', async () => {
    let silent = true;
    const srv = await standIn({
      'GET /v1/models': modelList('m'),
      'POST /v1/chat/completions': (_q, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        if (silent) return res.flushHeaders(); // the headers, then nothing
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'Think' }, finish_reason: null }] })}\n\n`);
        res.end(`data: ${JSON.stringify({ error: { message: 'CUDA error: out of memory', type: 'server_error', code: 500 } })}\n\n`);
      },
    });
    const e = createRemoteEngine();
    await e.load({ engine: 'remote', url: srv.url, model: 'm', apiKey: null, timeouts: { idleMs: 300 } });
    await expect(ask(e)).rejects.toThrow(/accepted the request but then sent nothing for 0\.3 s\. It may be overloaded or stuck/);
    silent = false;
    await expect(ask(e)).rejects.toThrow(/failed with an internal error \(500\)\. The server said: "CUDA error: out of memory"/);
    await srv.close();
  });

  it('cancels a request that is waiting for a reply (the engine resolves as aborted)', async () => {
    const srv = await standIn({
      'GET /v1/models': modelList('m'),
      'POST /v1/chat/completions': (_q, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'partial' }, finish_reason: null }] })}\n\n`);
      },
    });
    const e = createRemoteEngine();
    await e.load({ engine: 'remote', url: srv.url, model: 'm', apiKey: null });
    const pending = ask(e, () => e.abort());
    const r = await pending;
    expect(r).toMatchObject({ stopReason: 'aborted', text: 'partial', generatedTokens: 1 });
    await srv.close();
  });
});
