// The remote engine against llama-server's recorded answers (tests/fixtures/llama-server, written by
// `npm run parity:llama-server -- --record` from a real llama-server built from the bundled source, on the fixture
// checkpoint): the engine recognises llama-server, sends the app's own prompt with the image at the server's media
// marker to /completion (the very prompt the parity run checked token for token against transformers), streams the
// answer, and records the layout, context and build. Building llama-server takes minutes, so CI replays its bytes.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteEngine } from '../../electron/inference/engines/remote-engine';
import { PROMPT_LAYOUT, SEED_PROMPT, wholePrompt } from '../../electron/inference/prompt';
import { greedyFixture, PARITY_DIR } from '../fixtures/gemma3-parity';

const DIR = path.join(__dirname, '..', 'fixtures', 'llama-server');
const read = (f: string) => readFileSync(path.join(DIR, f), 'utf8');
const models = JSON.parse(read('v1-models.json')) as { data: Array<{ id: string }> };
const props = JSON.parse(read('props.json')) as { media_marker: string; build_info: string; default_generation_settings: { n_ctx: number } };
const recorded = JSON.parse(read('completion-request.json')) as { prompt: { prompt_string: string } };
const stream = read('completion-stream.sse');
const fx = greedyFixture();
const frame = new Uint8Array(readFileSync(path.join(PARITY_DIR, fx.image)));

interface Sent {
  prompt: { prompt_string: string; multimodal_data: string[] };
  n_predict: number;
  temperature: number;
}
const sent: Sent[] = [];
const chatCalls: string[] = [];
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/v1/models') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(read('v1-models.json'));
      if (req.method === 'GET' && req.url === '/props') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(read('props.json'));
      if (req.method === 'POST' && req.url === '/completion') {
        sent.push(JSON.parse(body) as Sent);
        return void res.writeHead(200, { 'Content-Type': 'text/event-stream' }).end(stream);
      }
      if (req.url === '/v1/chat/completions') chatCalls.push(body);
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('the remote engine on llama-server (its recorded answers)', () => {
  it("sends the app's prompt to /completion, streams the answer and records the layout, context and build", async () => {
    const engine = createRemoteEngine();
    const loaded = await engine.load({ engine: 'remote', url: `${base}/v1`, model: models.data[0]!.id, apiKey: null });
    expect(loaded.promptLayout).toBe(PROMPT_LAYOUT);
    expect(loaded.contextSize).toBe(props.default_generation_settings.n_ctx);
    expect(loaded.llamaCppRelease).toBe(props.build_info);

    const pieces: string[] = [];
    const r = await engine.analyze({ image: frame, prompt: SEED_PROMPT, maxTokens: fx.greedy_ids.length }, (p) => pieces.push(p));
    // The prompt the parity run sent a real llama-server and got transformers' greedy ids for.
    expect(sent[0]!.prompt.prompt_string).toBe(recorded.prompt.prompt_string);
    expect(sent[0]!.prompt.prompt_string).toBe(wholePrompt(SEED_PROMPT, [], undefined, props.media_marker));
    expect(sent[0]!.prompt.prompt_string.split(props.media_marker)).toHaveLength(2);
    expect(Buffer.from(sent[0]!.prompt.multimodal_data[0]!, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(sent[0]).toMatchObject({ n_predict: fx.greedy_ids.length, temperature: 0 });
    expect(r.text).toBe(fx.greedy_text);
    expect(pieces.join('')).toBe(fx.greedy_text);
    expect(r.generatedTokens).toBe(fx.greedy_ids.length);
    expect(r.promptTokens).toBe(91);
    // n_predict reached: the token limit, not a cut.
    expect(r.stopReason).toBe('max-tokens');
    expect(chatCalls).toEqual([]);
  });

  it('a follow-up is the whole conversation as one raw prompt, the image once; an answer the server stopped early is marked cut', async () => {
    const engine = createRemoteEngine();
    await engine.load({ engine: 'remote', url: base, model: models.data[0]!.id, apiKey: null });
    const conversation = [{ question: SEED_PROMPT, answer: fx.greedy_text }];
    const r = await engine.analyze({ image: frame, prompt: 'What is the main risk at this moment?', maxTokens: 512, conversation }, () => undefined);
    const prompt = sent.at(-1)!.prompt.prompt_string;
    expect(prompt).toBe(wholePrompt('What is the main risk at this moment?', conversation, undefined, props.media_marker));
    expect(prompt.split(props.media_marker)).toHaveLength(2);
    expect(prompt.endsWith('<start_of_turn>user\nWhat is the main risk at this moment?<end_of_turn>\n<start_of_turn>model\n')).toBe(true);
    // The server stopped at its limit (24 tokens here) before the 512 asked: the slot's context ran out.
    expect(r.stopReason).toBe('length');
  });
});
