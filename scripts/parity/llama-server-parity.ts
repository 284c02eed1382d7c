// npm run parity:llama-server: the remote engine against llama.cpp's own llama-server (built from the source
// node-llama-cpp bundles, the release the app runs: npm run build:llama-server), on the fixture checkpoint
// that transformers' greedy answer was recorded on (tests/fixtures/gemma3-parity).
//
// It shows, on a real server:
//   1. the chat API's prompt (POST /apply-template renders the messages with the GGUF's template) next to the
//      layout the model was trained on (the app's prompt, electron/inference/prompt.ts): the template trims the
//      user text, so the blank lines around the image cannot be sent through the chat API;
//   2. the greedy answer through the chat API, and through /completion with the app's prompt and the image, each
//      compared with transformers' greedy ids, token for token;
//   3. the app's remote engine itself (load, analyze, a follow-up) on that server: it finds llama-server,
//      uses /completion, and stores the app's layout and the server's context and build.
// Prints a report; with --json one JSON object as the last line. Exit status 1 when /completion does not give
// transformers' answer or the engine does not take the /completion path.
//
// --record DIR writes what the server answered (model list, /props, a streamed /completion and the request it
// answered) for tests/integration/remote-llama-server.test.ts, which replays them to the engine in CI.
//
// Usage: npm run parity:llama-server [-- --server PATH] [--json] [--record DIR]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRemoteEngine } from '../../electron/inference/engines/remote-engine';
import { prepareForGemma3 } from '../../electron/inference/image/gemma3-preprocess';
import { encodePngRgb } from '../../electron/inference/image/encode-png';
import { gemmaFirstTurn, PROMPT_LAYOUT, SEED_PROMPT } from '../../electron/inference/prompt';
import { llamaServerProps } from '../../electron/inference/remote/llama-completion';
import { parseServerUrl, resolveTimeouts } from '../../electron/inference/remote/openai-api';
import { greedyFixture, PARITY_DIR, parityModel } from '../../tests/fixtures/gemma3-parity';

const args = process.argv.slice(2);
const json = args.includes('--json');
const serverArg = args.includes('--server') ? args[args.indexOf('--server') + 1] : undefined;
const recordDir = args.includes('--record') ? args[args.indexOf('--record') + 1] : undefined;
const log = (s: string) => (json ? process.stderr : process.stdout).write(`${s}\n`);

/** The llama-server npm run build:llama-server makes for the llama.cpp release node-llama-cpp bundles. */
function defaultServer(): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const info = path.join(root, 'node_modules', 'node-llama-cpp', 'llama', 'llama.cpp.info.json');
  const release = (JSON.parse(readFileSync(info, 'utf8')) as { tag: string }).tag;
  const binary = path.join(root, '.cache', 'llama-server', release, 'bin', process.platform === 'win32' ? 'llama-server.exe' : 'llama-server');
  if (!existsSync(binary)) throw new Error(`no llama-server at ${binary}: build it with npm run build:llama-server, or pass --server PATH`);
  return binary;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function post(base: string, route: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${route}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function waitHealthy(base: string, child: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`llama-server exited (status ${child.exitCode}) before it was ready`);
    try {
      const r = await fetch(`${base}/health`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`llama-server was not healthy within ${ms / 1000} s (GET ${base}/health)`);
}

/** The first index where two sequences differ (-1: equal). */
function firstDifference<T>(a: readonly T[], b: readonly T[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** What the server answers, for the replay test: the model list, /props, and one streamed /completion with its request. */
async function record(base: string, dir: string, prompt: string, png: Uint8Array, n: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const get = async (route: string) => JSON.stringify(await (await fetch(`${base}${route}`)).json(), null, 1);
  writeFileSync(path.join(dir, 'v1-models.json'), await get('/v1/models'));
  writeFileSync(path.join(dir, 'props.json'), await get('/props'));
  const request = { prompt: { prompt_string: prompt, multimodal_data: ['<the fixture frame as PNG, base64>'] }, n_predict: n, temperature: 0, stream: true, cache_prompt: true };
  const res = await fetch(`${base}/completion`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...request, prompt: { ...request.prompt, multimodal_data: [Buffer.from(png).toString('base64')] } }) });
  writeFileSync(path.join(dir, 'completion-request.json'), JSON.stringify(request, null, 1));
  writeFileSync(path.join(dir, 'completion-stream.sse'), await res.text());
  log(`recorded the server's answers in ${dir}`);
}

async function main(): Promise<void> {
  const fx = greedyFixture();
  const files = await parityModel();
  const server = serverArg ?? defaultServer();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(server, ['-m', files.model, '--mmproj', files.mmproj, '-c', '4096', '-np', '1', '-t', '1', '--host', '127.0.0.1', '--port', String(port), '--no-warmup'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let serverLog = '';
  child.stderr!.on('data', (d: Buffer) => (serverLog = (serverLog + d.toString()).slice(-4000)));
  try {
    await waitHealthy(base, child, 120_000);
    const conn = { address: parseServerUrl(base), apiKey: null, timeouts: resolveTimeouts(undefined) };
    const props = await llamaServerProps(conn, new AbortController().signal);
    if (!props) throw new Error('GET /props did not describe a llama-server');
    const image = prepareForGemma3(new Uint8Array(readFileSync(path.join(PARITY_DIR, fx.image))), fx.image_size);
    const png = encodePngRgb(image);
    const dataUrl = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
    const messages = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: dataUrl } }, { type: 'text', text: SEED_PROMPT }] }];

    // 1. The prompt each way.
    const rendered = String((await post(base, '/apply-template', { messages })).prompt ?? '');
    const trained = gemmaFirstTurn(SEED_PROMPT, true, props.mediaMarker);
    const renderedNoBos = rendered.replace(/^<bos>/, '');
    const at = firstDifference([...renderedNoBos], [...trained]);
    log(`llama-server ${props.buildInfo ?? '(build unknown)'}; context ${props.contextSize ?? '?'} tokens; vision ${props.vision}`);
    log(`chat API prompt ${at === -1 ? 'equals' : 'differs from'} the trained layout${at === -1 ? '' : ` at character ${at}:`}`);
    if (at !== -1) {
      log(`  chat API: ${JSON.stringify(renderedNoBos.slice(Math.max(0, at - 30), at + 30))}`);
      log(`  trained : ${JSON.stringify(trained.slice(Math.max(0, at - 30), at + 30))}`);
    }

    // 2. Greedy answers, token for token.
    const n = fx.greedy_ids.length;
    const raw = await post(base, '/completion', { prompt: { prompt_string: trained, multimodal_data: [Buffer.from(png).toString('base64')] }, n_predict: n, temperature: 0, return_tokens: true, cache_prompt: false });
    const rawIds = (raw.tokens as number[]) ?? [];
    const rawDiff = firstDifference(rawIds, fx.greedy_ids);
    const chat = await post(base, '/v1/chat/completions', { messages, max_tokens: n, temperature: 0 });
    const chatText = String((chat.choices as Array<{ message: { content: string } }>)[0]?.message.content ?? '');
    const chatSame = chatText === fx.greedy_text;
    const chatPromptTokens = (chat.usage as { prompt_tokens?: number } | undefined)?.prompt_tokens;
    log(`/completion with the app's prompt: ${rawDiff === -1 ? `transformers' ${n} greedy ids, token for token` : `differs from transformers at token ${rawDiff}`} (${raw.tokens_evaluated} prompt tokens; through the chat API ${chatPromptTokens ?? '?'})`);
    log(`chat API: ${chatSame ? "transformers' greedy text" : `not transformers' answer (${JSON.stringify(chatText.slice(0, 60))} vs ${JSON.stringify(fx.greedy_text.slice(0, 60))})`}`);

    // 3. The app's remote engine on this server. It sends frames at 896 px (the real model's input; no server says its
    //    size), so on this 224-px fixture llama-server resizes once more: the text is reported, the path is checked.
    const engine = createRemoteEngine();
    const model = String(((await (await fetch(`${base}/v1/models`)).json()) as { data: Array<{ id: string }> }).data[0]!.id);
    const loaded = await engine.load({ engine: 'remote', url: base, model, apiKey: null });
    const first = await engine.analyze({ image: new Uint8Array(readFileSync(path.join(PARITY_DIR, fx.image))), prompt: SEED_PROMPT, maxTokens: n }, () => undefined);
    const engineSame = first.text === fx.greedy_text;
    const follow = await engine.analyze({ image: new Uint8Array(readFileSync(path.join(PARITY_DIR, fx.image))), prompt: 'What is the main risk at this moment?', maxTokens: 8, conversation: [{ question: SEED_PROMPT, answer: first.text }] }, () => undefined);
    await engine.unload();
    log(`remote engine: layout "${loaded.promptLayout}", context ${loaded.contextSize}, release "${loaded.llamaCppRelease}"; answer ${engineSame ? "is transformers' greedy text" : 'differs from transformers'}; follow-up ${follow.generatedTokens} tokens (${follow.stopReason}), ${follow.promptTokens} prompt tokens`);

    if (recordDir) await record(base, recordDir, trained, png, n);

    const result = {
      llama_server: props.buildInfo,
      chat_api_prompt_equal: at === -1,
      chat_api_prompt_diff_at: at,
      completion_ids_equal: rawDiff === -1,
      chat_api_text_equal: chatSame,
      completion_prompt_tokens: raw.tokens_evaluated,
      chat_api_prompt_tokens: chatPromptTokens ?? null,
      engine_prompt_layout: loaded.promptLayout,
      engine_text_equal: engineSame,
      engine_context: loaded.contextSize,
      followup_tokens: follow.generatedTokens,
    };
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    if (rawDiff !== -1 || loaded.promptLayout !== PROMPT_LAYOUT || loaded.contextSize !== props.contextSize) process.exitCode = 1;
  } catch (err) {
    log(`llama-server log (tail):\n${serverLog}`);
    throw err;
  } finally {
    child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
