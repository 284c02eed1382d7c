// The local engine behind an OpenAI-compatible HTTP API (`npm run serve-model`): POST /v1/chat/completions
// (streamed as server-sent events, or one JSON answer) and GET /v1/models. Requests go through the same inference
// client and process as the app's analyses, so they run one at a time in its queue; a client that disconnects
// cancels its generation. Each request is a conversation about one image: system messages, then user and assistant
// messages in turn, the first user message with one image_url (a base64 data URL: this server never fetches URLs).
// Here: the HTTP side (Host check, API key, routes, streaming); parsing and validating a request: openai-request.ts.
import crypto from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { InferenceClient } from './inference-client';
import { ApiError, parseChat, readBody, statusFor } from './openai-request';
import type { AnalyzeResult } from './protocol';

/** OpenAI's own per-image limit. */
export const DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024;

export interface OpenAIServerOptions {
  /** A client with the model loaded (local engine). */
  client: InferenceClient;
  /** The id clients send as "model" and /v1/models lists. */
  modelId: string;
  /** When set, every /v1 request needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string | null;
  maxImageBytes?: number;
  /** One line per request (method, path, status, tokens, time); never the key, the prompt or the image. */
  log?: (line: string) => void;
  /** Called when a completion request ends (tests look at how the generation ended). */
  onCompletion?: (info: CompletionRecord) => void;
  /**
   * Host names (besides the loopback names and the address it listens on) that clients may use to reach it, e.g.
   * the server's DNS name. Any other Host header is refused (421): a web page cannot reach it by DNS rebinding.
   */
  allowedHosts?: readonly string[];
  /** Serve HTTPS with this key and certificate (PEM): what travels to a server on the network is patient frames. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The Host header as name and port (the scheme's default port when none is written). */
function parseHostHeader(value: string | undefined, defaultPort: number): { name: string; port: number } | null {
  if (!value) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return null;
  return { name: m[1]!.toLowerCase(), port: m[2] ? Number(m[2]) : defaultPort };
}

/**
 * Whether a request's Host header names this server: the loopback names, the address it listens on, or an allowed
 * name, each with its port. A server on a wildcard address with an API key and no names given takes any Host (the
 * key is what protects it; a rebinding page does not have it).
 */
export function hostAllowed(header: string | undefined, at: { address: string; port: number; tls: boolean }, allowed: readonly string[], hasApiKey: boolean): boolean {
  const h = parseHostHeader(header, at.tls ? 443 : 80);
  if (!h || h.port !== at.port) return false;
  const bare = h.name.replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.has(h.name) || LOOPBACK_NAMES.has(bare)) return true;
  const wildcard = at.address === '0.0.0.0' || at.address === '::';
  if (!wildcard && bare === at.address.toLowerCase()) return true;
  if (allowed.some((a) => a.toLowerCase() === bare)) return true;
  return wildcard && hasApiKey && allowed.length === 0;
}

export interface CompletionRecord {
  stream: boolean;
  outcome: 'completed' | 'cancelled' | 'failed';
  stopReason: AnalyzeResult['stopReason'] | null;
  generatedTokens: number;
  /** The client went away before the answer was complete. */
  clientGone: boolean;
  message: string | null;
}

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export function createOpenAIServer(o: OpenAIServerOptions) {
  const maxImageBytes = o.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  // base64 is 4/3 of the bytes, plus the JSON around it.
  const maxBodyBytes = Math.ceil((maxImageBytes * 4) / 3) + 256 * 1024;
  const created = Math.floor(Date.now() / 1000);

  function modelEntry() {
    const m = o.client.model;
    return {
      id: o.modelId,
      object: 'model',
      created,
      owned_by: 'cataract-review-workstation',
      max_model_len: m?.contextSize,
      // The shape llama-server uses to say that a model takes images.
      architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] },
      // What a client needs to send exactly the pixels the model sees (the remote engine reads image_size).
      meta: m
        ? { image_size: m.imageSize, image_tokens: m.imageTokens, context_size: m.contextSize, llama_cpp_release: m.llamaCppRelease, engine: m.engine, engine_version: m.engineVersion }
        : {},
    };
  }

  async function chat(req: IncomingMessage, res: ServerResponse, started: number): Promise<string> {
    const raw = await readBody(req, maxBodyBytes);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiError(400, 'The request body is not valid JSON.');
    }
    const job = parseChat(body, o.modelId, maxImageBytes);
    if (o.client.status().state !== 'ready' && o.client.status().state !== 'crashed') {
      throw new ApiError(503, `The model is not ready (${o.client.status().message ?? o.client.status().state}). Try again in a moment.`);
    }
    const id = `chatcmpl-${crypto.randomUUID().replace(/-/g, '')}`;
    const ts = Math.floor(Date.now() / 1000);
    let clientGone = false;
    res.on('close', () => {
      if (!res.writableEnded) {
        clientGone = true;
        o.client.cancel(id);
      }
    });
    // The build, as OpenAI and llama-server send it (clients store it with what the model said).
    const m = o.client.model;
    const fingerprint = m ? `${m.engineVersion}, llama.cpp ${m.llamaCppRelease}` : undefined;
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      id,
      object: 'chat.completion.chunk',
      created: ts,
      model: o.modelId,
      system_fingerprint: fingerprint,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    const write = (data: unknown) => {
      if (!res.writableEnded && !res.destroyed) res.write(`data: ${JSON.stringify(data)}\n\n`);
    };
    const record = (outcome: CompletionRecord['outcome'], r: AnalyzeResult | null, message: string | null, generated = 0) =>
      o.onCompletion?.({ stream: job.stream, outcome, stopReason: r?.stopReason ?? null, generatedTokens: r?.generatedTokens ?? generated, clientGone, message });

    if (job.stream) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      write(chunk({ role: 'assistant', content: '' }, null));
    }
    let pieces = 0;
    let result: AnalyzeResult;
    try {
      // The image's sha256 names the frame: a client's follow-up continues the conversation kept in the engine.
      const frameKey = crypto.createHash('sha256').update(job.image).digest('hex');
      const request = { image: job.image, prompt: job.prompt, maxTokens: job.maxTokens, frameKey, ...(job.conversation.length ? { conversation: job.conversation } : {}), ...(job.system !== undefined ? { system: job.system } : {}) };
      result = await o.client.analyze(id, request, {
        onToken: (text) => {
          pieces++;
          if (job.stream) write(chunk({ content: text }, null));
        },
      });
    } catch (err) {
      if (clientGone) {
        record('cancelled', null, 'client disconnected', pieces);
        return `cancelled (client gone) after ${pieces} tokens`;
      }
      const e = statusFor(err);
      record('failed', null, e.message, pieces);
      if (!job.stream) throw e;
      write(e.body());
      res.end();
      return `failed mid-stream: ${e.message}`;
    }
    const finish = result.stopReason === 'max-tokens' ? 'length' : 'stop';
    const usage = { prompt_tokens: result.promptTokens, completion_tokens: result.generatedTokens, total_tokens: result.promptTokens + result.generatedTokens };
    if (clientGone || result.stopReason === 'aborted') {
      record('cancelled', result, 'client disconnected');
      return `cancelled (client gone) after ${result.generatedTokens} tokens`;
    }
    record('completed', result, null);
    if (job.stream) {
      write(chunk({}, finish));
      if (job.includeUsage) write({ id, object: 'chat.completion.chunk', created: ts, model: o.modelId, choices: [], usage });
      if (!res.writableEnded) res.end('data: [DONE]\n\n');
    } else {
      json(res, 200, {
        id,
        object: 'chat.completion',
        created: ts,
        model: o.modelId,
        system_fingerprint: fingerprint,
        choices: [{ index: 0, message: { role: 'assistant', content: result.text }, logprobs: null, finish_reason: finish }],
        usage,
      });
    }
    return `200 ${job.stream ? 'stream' : 'json'} ${result.generatedTokens} tokens (${finish}) in ${Math.round(performance.now() - started)} ms`;
  }

  let listening: { address: string; port: number; tls: boolean } | null = null;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
    let line = '';
    try {
      if (!listening || !hostAllowed(req.headers.host, listening, o.allowedHosts ?? [], Boolean(o.apiKey))) {
        throw new ApiError(421, 'This server does not answer to that host name. Use its address, or start it with --allowed-host NAME.', 'misdirected_request');
      }
      if (req.method === 'GET' && path === '/health') return json(res, 200, { status: 'ok' });
      if (!path.startsWith('/v1/')) throw new ApiError(404, `Nothing here: ${req.method} ${path}. This server offers GET /v1/models and POST /v1/chat/completions.`, 'not_found');
      if (o.apiKey) {
        const auth = req.headers.authorization ?? '';
        const given = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
        if (!given) throw new ApiError(401, 'This server needs an API key: send "Authorization: Bearer <key>".', 'missing_api_key');
        if (!sameSecret(given, o.apiKey)) throw new ApiError(401, 'The API key is not valid for this server.', 'invalid_api_key');
      }
      if (path === '/v1/models') {
        if (req.method !== 'GET') throw new ApiError(405, 'Use GET for /v1/models.');
        return json(res, 200, { object: 'list', data: [modelEntry()] });
      }
      if (path.startsWith('/v1/models/')) {
        const id = decodeURIComponent(path.slice('/v1/models/'.length));
        if (id !== o.modelId) throw new ApiError(404, `The model "${id}" does not exist on this server. It serves "${o.modelId}".`, 'model_not_found');
        return json(res, 200, modelEntry());
      }
      if (path === '/v1/chat/completions') {
        if (req.method !== 'POST') throw new ApiError(405, 'Use POST for /v1/chat/completions.');
        line = await chat(req, res, started);
        return;
      }
      throw new ApiError(404, `Nothing here: ${req.method} ${path}. This server offers GET /v1/models and POST /v1/chat/completions.`, 'not_found');
    } catch (err) {
      const e = statusFor(err);
      line = `${e.status} ${e.message}`;
      if (!res.headersSent) {
        // Drain what the client is still sending, so that it can read the answer.
        req.resume();
        json(res, e.status, e.body(), e.status === 413 ? { Connection: 'close' } : {});
      } else if (!res.writableEnded) {
        res.end();
      }
    } finally {
      if (path !== '/health') o.log?.(`${req.method} ${path} ${line || `200 in ${Math.round(performance.now() - started)} ms`}`);
    }
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => void route(req, res);
  const server = o.tls ? https.createServer({ key: o.tls.key, cert: o.tls.cert }, handler) : http.createServer(handler);

  return {
    server,
    /** Starts listening; port 0 picks a free one. Resolves with the base URL (no /v1). */
    listen(port = 0, host = '127.0.0.1'): Promise<{ url: string; port: number }> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          listening = { address: a.address, port: a.port, tls: Boolean(o.tls) };
          const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          resolve({ url: `${o.tls ? 'https' : 'http'}://${h}:${a.port}`, port: a.port });
        });
      });
    },
    /** Stops at once: open connections are cut, which cancels their generations. */
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
export type OpenAIServer = ReturnType<typeof createOpenAIServer>;
