// llama.cpp's own server (llama-server) through its raw-prompt endpoint. Its chat API renders the messages with
// the GGUF's Jinja template, which trims the user text: the blank lines that Gemma 3's processor puts around the
// image (what the model was trained on) cannot be sent that way. `/completion` takes the prompt as it is, with the
// image where mtmd's marker stands, so llama-server gets exactly the app's layout (electron/inference/prompt.ts),
// the one the local engine and transformers use. `npm run parity:llama-server` checks it against a real server.
import type { IncomingMessage } from 'node:http';
import { WorkstationError } from '../../api/errors';
import { MEDIA_MARKER } from '../prompt';
import { isAbortError, readText, send } from './http';
import { connectionError, httpError, type ServerContext } from './messages';
import { context, headers, withRetries, type ChatOutcome, type Connection } from './openai-api';
import { SseParser } from './sse';

/** What GET /props says about a llama-server (null when the server is not one). */
export interface LlamaServerProps {
  buildInfo: string | null;
  /** Per-slot context (tokens). */
  contextSize: number | null;
  vision: boolean;
  /** Where the image goes in a raw prompt (llama-server draws a random one per start unless LLAMA_MEDIA_MARKER). */
  mediaMarker: string;
}

export function parseProps(json: unknown): LlamaServerProps | null {
  if (!json || typeof json !== 'object') return null;
  const o = json as { build_info?: unknown; default_generation_settings?: { n_ctx?: unknown }; modalities?: { vision?: unknown }; media_marker?: unknown };
  if (o.default_generation_settings === undefined && o.build_info === undefined) return null;
  const nCtx = o.default_generation_settings?.n_ctx;
  return {
    buildInfo: typeof o.build_info === 'string' ? o.build_info : null,
    contextSize: typeof nCtx === 'number' && nCtx > 0 ? nCtx : null,
    vision: o.modalities?.vision === true,
    mediaMarker: typeof o.media_marker === 'string' && o.media_marker ? o.media_marker : MEDIA_MARKER,
  };
}

/** Asks a server whether it is llama-server (GET /props); null for any other server or any failure. */
export async function llamaServerProps(c: Connection, signal: AbortSignal): Promise<LlamaServerProps | null> {
  try {
    const res = await send(new URL(`${c.address.base}/props`), { method: 'GET', headers: headers(c), signal, connectTimeoutMs: c.timeouts.connectMs, idleTimeoutMs: c.timeouts.idleMs, ca: c.ca });
    const body = await readText(res);
    if (res.statusCode !== 200) return null;
    return parseProps(JSON.parse(body));
  } catch (err) {
    if (isAbortError(err)) throw err;
    return null;
  }
}

export interface RawCompletionRequest {
  /** The whole prompt, special tokens written out (llama-server adds <bos>), the server's media marker where the image goes. */
  prompt: string;
  /** PNG bytes of the image for the marker. */
  image: Uint8Array;
  maxTokens: number;
}

/** The request body: greedy (temperature 0), streamed, the image as base64 multimodal data. */
export function completionBody(r: RawCompletionRequest): string {
  const b64 = Buffer.from(r.image.buffer, r.image.byteOffset, r.image.byteLength).toString('base64');
  return JSON.stringify({ prompt: { prompt_string: r.prompt, multimodal_data: [b64] }, n_predict: r.maxTokens, temperature: 0, stream: true, cache_prompt: true });
}

interface CompletionChunk {
  content?: unknown;
  stop?: unknown;
  stop_type?: unknown;
  tokens_predicted?: unknown;
  tokens_evaluated?: unknown;
  error?: unknown;
}

/** llama-server's stop_type as an OpenAI finish_reason ('limit': n_predict or the slot's context ran out). */
function finishOf(stopType: unknown): string {
  return stopType === 'limit' ? 'length' : 'stop';
}

function handle(obj: CompletionChunk, ctx: ServerContext, onPiece: (text: string) => void, out: ChatOutcome): void {
  if (obj.error !== undefined) {
    const e = obj.error && typeof obj.error === 'object' ? (obj.error as { code?: unknown }) : {};
    const status = typeof e.code === 'number' && e.code >= 400 ? e.code : 500;
    throw httpError(status, JSON.stringify(obj), ctx, 'completion');
  }
  if (typeof obj.content === 'string' && obj.content.length > 0) {
    const now = performance.now();
    out.firstTokenAt ??= now;
    out.lastTokenAt = now;
    out.pieces++;
    out.text += obj.content;
    onPiece(obj.content);
  }
  if (obj.stop === true) {
    out.finishReason = finishOf(obj.stop_type);
    if (typeof obj.tokens_predicted === 'number') out.completionTokens = obj.tokens_predicted;
    if (typeof obj.tokens_evaluated === 'number') out.promptTokens = obj.tokens_evaluated;
  }
}

async function readCompletionStream(res: IncomingMessage, ctx: ServerContext, onPiece: (text: string) => void, out: ChatOutcome): Promise<void> {
  let failure: unknown = null;
  const parser = new SseParser((ev) => {
    if (failure || out.finishReason !== null) return;
    try {
      handle(JSON.parse(ev.data) as CompletionChunk, ctx, onPiece, out);
    } catch (err) {
      failure = err instanceof WorkstationError ? err : new WorkstationError('unavailable', `${ctx.host} sent a /completion stream this workstation cannot read ("${ev.data.slice(0, 80)}").`);
    }
  });
  for await (const chunk of res as AsyncIterable<Buffer>) {
    parser.push(chunk);
    if (failure || out.finishReason !== null) break;
  }
  parser.end();
  res.destroy();
  if (failure) throw failure;
  if (out.finishReason === null) throw Object.assign(new Error('the stream ended before the answer was complete'), { code: 'ECONNRESET' });
}

/** One raw completion, streamed; the same retry and error rules as the chat API (openai-api.ts). */
export async function rawCompletion(c: Connection, r: RawCompletionRequest, signal: AbortSignal, onPiece: (text: string) => void, out: ChatOutcome): Promise<void> {
  const ctx = context(c);
  const body = completionBody(r);
  let attempts = 1;
  try {
    await withRetries(
      c,
      signal,
      async (n) => {
        attempts = n;
        const res = await send(new URL(`${c.address.base}/completion`), {
          method: 'POST',
          headers: headers(c, { 'Content-Type': 'application/json' }),
          body,
          signal,
          connectTimeoutMs: c.timeouts.connectMs,
          idleTimeoutMs: c.timeouts.idleMs,
          ca: c.ca,
        });
        if (res.statusCode !== 200) throw httpError(res.statusCode ?? 0, await readText(res), ctx, 'completion', Buffer.byteLength(body));
        await readCompletionStream(res, ctx, onPiece, out);
      },
      () => out.pieces === 0,
    );
  } catch (err) {
    if (err instanceof WorkstationError || isAbortError(err) || signal.aborted) throw err;
    throw connectionError(err, ctx, out.pieces, attempts);
  }
}
