// The client half of the OpenAI-compatible API the remote engine speaks: the server address, /v1/models (ids, and
// what the list says about image input), retries on connection errors, and one streamed chat completion.
import type { IncomingMessage } from 'node:http';
import { WorkstationError } from '../../api/errors';
import type { RemoteTimeouts } from '../protocol';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_RETRIES,
  DEFAULT_RETRY_BASE_MS,
  isAbortError,
  isConnectionError,
  readText,
  send,
  sleep,
} from './http';
import { connectionError, httpError, type ServerContext } from './messages';
import { SseParser } from './sse';

export interface ServerAddress {
  /** Normalised base URL without a trailing slash or /v1, e.g. http://gpu-server:8000. */
  base: string;
  /** host:port for messages and provenance. */
  host: string;
}

/**
 * Accepts what people paste: http://host:8000, http://host:8000/, http://host:8000/v1, even the full
 * …/v1/chat/completions or …/v1/models address. Refuses other schemes, and credentials or a query in the URL
 * (the key has its own field so that it is kept as a secret, not in settings).
 */
export function parseServerUrl(input: string): ServerAddress {
  const raw = input.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WorkstationError('invalid-argument', `"${raw}" is not a server address. Enter it like http://gpu-server:8000.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WorkstationError('invalid-argument', `The server address must start with http:// or https:// (got ${url.protocol}//). Enter it like http://gpu-server:8000.`);
  }
  if (url.username || url.password) {
    throw new WorkstationError('invalid-argument', 'Remove the user name and password from the server address, and enter the API key in its own field (it is stored as a secret).');
  }
  if (url.search || url.hash) {
    throw new WorkstationError('invalid-argument', 'The server address must not contain a query (?…) or a fragment (#…). Enter it like http://gpu-server:8000.');
  }
  let path = url.pathname.replace(/\/+$/, '');
  path = path.replace(/\/v1(\/(chat\/completions|models))?$/, '');
  return { base: `${url.protocol}//${url.host}${path}`, host: url.host };
}

export interface Timeouts {
  connectMs: number;
  idleMs: number;
  retries: number;
  retryBaseMs: number;
}

export function resolveTimeouts(t: RemoteTimeouts | undefined): Timeouts {
  return {
    connectMs: t?.connectMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleMs: t?.idleMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    retries: t?.retries ?? DEFAULT_RETRIES,
    retryBaseMs: t?.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
  };
}

export interface Connection {
  address: ServerAddress;
  model?: string;
  apiKey: string | null;
  timeouts: Timeouts;
  /** Extra trusted certificate(s), PEM, for an https server with its own certificate authority. */
  ca?: string;
}

export function context(c: Connection): ServerContext {
  return { host: c.address.host, base: c.address.base, model: c.model, hasKey: !!c.apiKey };
}

export function headers(c: Connection, extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { Accept: 'application/json, text/event-stream', 'User-Agent': 'cataract-review-workstation', ...extra };
  if (c.apiKey) h.Authorization = `Bearer ${c.apiKey}`;
  return h;
}

/**
 * Runs `attempt` and retries it with exponential backoff (base, 2×base, 4×base…) while it fails with a connection
 * error and `canRetry()` says nothing has been shown yet. Any other error, or a cancel, ends it at once.
 */
export async function withRetries<T>(c: Connection, signal: AbortSignal, attempt: (n: number) => Promise<T>, canRetry: () => boolean = () => true): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (signal.aborted || isAbortError(err)) throw err;
      if (!isConnectionError(err) || !canRetry() || n > c.timeouts.retries) {
        (err as { attempts?: number }).attempts = n;
        throw err;
      }
      await sleep(c.timeouts.retryBaseMs * 2 ** (n - 1), signal);
    }
  }
}

// ------------------------------------------------------------------------------------------------ /v1/models

export interface ModelEntry {
  id: string;
  ownedBy: string | null;
  /** true/false when the list says whether it takes images (llama-server does), null when it does not say. */
  multimodal: boolean | null;
  /** The vision input side the server advertises (serve-model does), else null. */
  imageSize: number | null;
  imageTokens: number | null;
  contextSize: number | null;
  llamaCppRelease: string | null;
}

export interface ModelList {
  models: ModelEntry[];
  /** The HTTP Server header, when sent (a hint of what runs there). */
  server: string | null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}

/** Reads the list's answers about one model: OpenAI's `data`, llama-server's `models[].capabilities` and
 * `architecture.input_modalities`, vLLM's `max_model_len`, serve-model's `meta`. */
export function parseModelList(json: unknown): ModelEntry[] {
  const j = (json ?? {}) as { data?: unknown; models?: unknown };
  if (!Array.isArray(j.data)) throw new Error('the answer has no "data" list');
  const caps = new Map<string, string[]>();
  if (Array.isArray(j.models)) {
    for (const m of j.models as Array<Record<string, unknown>>) {
      const c = Array.isArray(m?.capabilities) ? (m.capabilities as unknown[]).filter((x): x is string => typeof x === 'string') : null;
      if (!c) continue;
      for (const key of [m.model, m.name]) if (typeof key === 'string') caps.set(key, c);
    }
  }
  const out: ModelEntry[] = [];
  for (const e of j.data as Array<Record<string, unknown>>) {
    if (!e || typeof e.id !== 'string') continue;
    const meta = (e.meta && typeof e.meta === 'object' ? e.meta : {}) as Record<string, unknown>;
    const arch = (e.architecture && typeof e.architecture === 'object' ? e.architecture : {}) as Record<string, unknown>;
    let multimodal: boolean | null = null;
    if (Array.isArray(arch.input_modalities)) multimodal = arch.input_modalities.includes('image');
    else if (caps.has(e.id)) multimodal = caps.get(e.id)!.includes('multimodal');
    else if (caps.size === 1) multimodal = [...caps.values()][0]!.includes('multimodal'); // llama-server, one model
    out.push({
      id: e.id,
      ownedBy: typeof e.owned_by === 'string' ? e.owned_by : null,
      multimodal,
      imageSize: num(meta.image_size),
      imageTokens: num(meta.image_tokens),
      // vLLM: max_model_len; llama-server: meta.n_ctx (per slot); serve-model: meta.context_size.
      contextSize: num(e.max_model_len) ?? num(meta.n_ctx) ?? num(meta.context_size),
      llamaCppRelease: typeof meta.llama_cpp_release === 'string' ? meta.llama_cpp_release : null,
    });
  }
  return out;
}

export async function listModels(c: Connection, signal: AbortSignal): Promise<ModelList> {
  const ctx = context(c);
  const url = new URL(`${c.address.base}/v1/models`);
  let attempts = 1;
  try {
    return await withRetries(c, signal, async (n) => {
      attempts = n;
      const res = await send(url, { method: 'GET', headers: headers(c), signal, connectTimeoutMs: c.timeouts.connectMs, idleTimeoutMs: c.timeouts.idleMs, ca: c.ca });
      const body = await readText(res);
      if (res.statusCode !== 200) throw httpError(res.statusCode ?? 0, body, ctx, 'models');
      let models: ModelEntry[];
      try {
        models = parseModelList(JSON.parse(body));
      } catch (err) {
        throw new WorkstationError(
          'unsupported-input',
          `The server at ${ctx.host} answered /v1/models with something that is not an OpenAI-compatible model list (${(err as Error).message}). Check the URL: it should point to a vLLM, llama-server or serve-model server.`,
        );
      }
      return { models, server: typeof res.headers.server === 'string' ? res.headers.server : null };
    });
  } catch (err) {
    if (err instanceof WorkstationError || isAbortError(err)) throw err;
    throw connectionError(err, ctx, 0, attempts);
  }
}

// ---------------------------------------------------------------------------------------- chat completions

export interface ChatRequest {
  /** PNG or JPEG bytes, sent as a base64 data URL. */
  image: Uint8Array;
  imageMime: 'image/png' | 'image/jpeg';
  prompt: string;
  maxTokens: number;
  stream: boolean;
  /** Earlier turns of a conversation about this frame: sent before the question (the image with the first one). */
  history?: { question: string; answer: string }[];
}

export interface ChatOutcome {
  text: string;
  finishReason: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  /** Content pieces received (the token count when the server sends no usage). */
  pieces: number;
  firstTokenAt: number | null;
  lastTokenAt: number | null;
  /** llama-server and OpenAI: the server's build (system_fingerprint). */
  systemFingerprint: string | null;
}

/** The request body: the image first, then the text (the order of the Gemma 3 chat template), greedy. */
export function chatBody(model: string, r: ChatRequest): string {
  const dataUrl = `data:${r.imageMime};base64,${Buffer.from(r.image.buffer, r.image.byteOffset, r.image.byteLength).toString('base64')}`;
  const history = r.history ?? [];
  const image = { type: 'image_url', image_url: { url: dataUrl } };
  // A conversation: the image with the first question, then each answer and question in turn, then the new one.
  const messages = history.length
    ? [
        { role: 'user', content: [image, { type: 'text', text: history[0]!.question }] },
        ...history.flatMap((h, i) => [
          { role: 'assistant', content: h.answer },
          { role: 'user', content: i + 1 < history.length ? history[i + 1]!.question : r.prompt },
        ]),
      ]
    : [{ role: 'user', content: [image, { type: 'text', text: r.prompt }] }];
  return JSON.stringify({
    model,
    messages,
    temperature: 0,
    max_tokens: r.maxTokens,
    stream: r.stream,
    ...(r.stream ? { stream_options: { include_usage: true } } : {}),
  });
}

class StreamEndedError extends Error {
  readonly code = 'ECONNRESET';
  constructor() {
    super('the stream ended before the answer was complete');
  }
}

interface Chunk {
  error?: unknown;
  object?: unknown;
  message?: unknown;
  code?: unknown;
  choices?: Array<{ delta?: { content?: unknown }; message?: { content?: unknown }; finish_reason?: unknown }> | null;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
  system_fingerprint?: unknown;
}

/**
 * One chat completion. Streams content pieces to `onPiece`; retries connection errors while nothing has arrived.
 * Resolves when the server finished ([DONE] or a finish_reason); rejects with a WorkstationError written for the
 * reviewer, or with an AbortError when `signal` aborted (the caller keeps what arrived).
 */
export async function chatCompletion(c: Connection, r: ChatRequest, signal: AbortSignal, onPiece: (text: string) => void, out: ChatOutcome): Promise<void> {
  const ctx = context(c);
  const url = new URL(`${c.address.base}/v1/chat/completions`);
  const body = chatBody(c.model!, r);
  let attempts = 1;
  try {
    await withRetries(
      c,
      signal,
      async (n) => {
        attempts = n;
        const res = await send(url, {
          method: 'POST',
          headers: headers(c, { 'Content-Type': 'application/json' }),
          body,
          signal,
          connectTimeoutMs: c.timeouts.connectMs,
          idleTimeoutMs: c.timeouts.idleMs,
          ca: c.ca,
        });
        if (res.statusCode !== 200) throw httpError(res.statusCode ?? 0, await readText(res), ctx, 'chat', Buffer.byteLength(body));
        const type = String(res.headers['content-type'] ?? '');
        if (type.includes('text/event-stream')) await readStream(res, ctx, onPiece, out);
        else await readWhole(res, ctx, onPiece, out);
      },
      () => out.pieces === 0,
    );
  } catch (err) {
    if (err instanceof WorkstationError || isAbortError(err) || signal.aborted) throw err;
    throw connectionError(err, ctx, out.pieces, attempts);
  }
}

function handleChunk(obj: Chunk, ctx: ServerContext, onPiece: (text: string) => void, out: ChatOutcome): void {
  if (obj.error !== undefined || obj.object === 'error') {
    // A failure after the stream started (vLLM and serve-model send it as a data event).
    const e = obj.error && typeof obj.error === 'object' ? (obj.error as { code?: unknown }) : obj;
    const status = typeof e.code === 'number' ? e.code : 500;
    throw httpError(status >= 400 ? status : 500, JSON.stringify(obj), ctx, 'chat');
  }
  if (typeof obj.system_fingerprint === 'string' && obj.system_fingerprint) out.systemFingerprint = obj.system_fingerprint;
  const choice = obj.choices?.[0];
  const piece = choice?.delta?.content ?? choice?.message?.content;
  if (typeof piece === 'string' && piece.length > 0) {
    const now = performance.now();
    out.firstTokenAt ??= now;
    out.lastTokenAt = now;
    out.pieces++;
    out.text += piece;
    onPiece(piece);
  }
  if (typeof choice?.finish_reason === 'string') out.finishReason = choice.finish_reason;
  if (obj.usage) {
    if (typeof obj.usage.prompt_tokens === 'number') out.promptTokens = obj.usage.prompt_tokens;
    if (typeof obj.usage.completion_tokens === 'number') out.completionTokens = obj.usage.completion_tokens;
  }
}

async function readStream(res: IncomingMessage, ctx: ServerContext, onPiece: (text: string) => void, out: ChatOutcome): Promise<void> {
  let done = false;
  let failure: unknown = null;
  const parser = new SseParser((ev) => {
    if (done || failure) return;
    if (ev.data.trim() === '[DONE]') {
      done = true;
      return;
    }
    let obj: Chunk;
    try {
      obj = JSON.parse(ev.data) as Chunk;
    } catch {
      failure = new WorkstationError('unavailable', `The server at ${ctx.host} sent a stream this workstation cannot read (not JSON: "${ev.data.slice(0, 80)}"). Is it an OpenAI-compatible server?`);
      return;
    }
    if (ev.event === 'error' && obj.error === undefined) obj = { error: obj };
    try {
      handleChunk(obj, ctx, onPiece, out);
    } catch (err) {
      failure = err;
    }
  });
  for await (const chunk of res as AsyncIterable<Buffer>) {
    parser.push(chunk);
    if (failure) break;
    if (done) break;
  }
  parser.end();
  if (failure) {
    res.destroy();
    throw failure;
  }
  if (done) {
    res.destroy(); // anything after [DONE] is ignored; keep-alive is not worth a half-read body
    return;
  }
  if (out.finishReason === null) throw new StreamEndedError();
}

async function readWhole(res: IncomingMessage, ctx: ServerContext, onPiece: (text: string) => void, out: ChatOutcome): Promise<void> {
  // A server that ignored `stream: true` (or a non-streamed request): one JSON completion.
  const text = await readText(res, 16 * 1024 * 1024);
  let obj: Chunk;
  try {
    obj = JSON.parse(text) as Chunk;
  } catch {
    throw new WorkstationError('unavailable', `The server at ${ctx.host} answered with something that is not an OpenAI chat completion. Check the server URL.`);
  }
  handleChunk(obj, ctx, onPiece, out);
  out.finishReason ??= 'stop';
}

export function newOutcome(): ChatOutcome {
  return { text: '', finishReason: null, promptTokens: null, completionTokens: null, pieces: 0, firstTokenAt: null, lastTokenAt: null, systemFingerprint: null };
}
