// What the OpenAI-compatible server (openai-server.ts) accepts and how it refuses: reading a request body under a size
// cap, parsing and validating a chat completion request into one conversation about one image (ChatJob: system
// text, earlier turns, the question, the image from a base64 data URL, max_tokens, stream), and the OpenAI error
// shape (ApiError) every refusal is answered with, the app's own errors mapped to an HTTP status.
import type { IncomingMessage } from 'node:http';
import { WorkstationError } from '../api/errors';
import { ImageInputError, probeImage } from './image/decode';
import { SEED_MAX_TOKENS } from './prompt';

const MAX_TOKENS_LIMIT = 4096;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
  get type(): string {
    return this.status >= 500 ? 'server_error' : this.status === 401 ? 'authentication_error' : 'invalid_request_error';
  }
  body() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code ?? this.status } };
  }
}

/** Reads the body; beyond `limit` bytes it keeps draining (so the client can read the answer) and then fails with 413. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) parts.push(chunk);
  }
  if (size > limit) {
    throw new ApiError(413, `The request is ${(size / 1024 / 1024).toFixed(1)} MB; this server accepts at most ${(limit / 1024 / 1024).toFixed(1)} MB. Send a smaller image.`, 'request_too_large');
  }
  return Buffer.concat(parts);
}

export interface ChatJob {
  prompt: string;
  system: string | undefined;
  conversation: { question: string; answer: string }[];
  image: Uint8Array;
  maxTokens: number;
  stream: boolean;
  includeUsage: boolean;
}

type Part = { type?: unknown; text?: unknown; image_url?: unknown };

function textOf(content: unknown, where: string): { text: string; images: unknown[] } {
  if (typeof content === 'string') return { text: content, images: [] };
  if (!Array.isArray(content)) throw new ApiError(400, `${where}.content must be a string or a list of content parts.`, null, `${where}.content`);
  const texts: string[] = [];
  const images: unknown[] = [];
  for (const [i, p] of (content as Part[]).entries()) {
    if (p?.type === 'text' && typeof p.text === 'string') texts.push(p.text);
    else if (p?.type === 'image_url') images.push(p.image_url);
    else throw new ApiError(400, `${where}.content[${i}] has type ${JSON.stringify(p?.type)}; this server reads "text" and "image_url" parts.`, null, `${where}.content[${i}]`);
  }
  return { text: texts.join(''), images };
}

function decodeImageUrl(value: unknown, maxImageBytes: number): Uint8Array {
  const url = typeof value === 'string' ? value : value && typeof value === 'object' ? (value as { url?: unknown }).url : undefined;
  if (typeof url !== 'string') throw new ApiError(400, 'image_url needs a "url".', null, 'image_url.url');
  const m = /^data:([^;,]*)((?:;[^;,]*)*),/i.exec(url.slice(0, 256));
  if (!m) {
    throw new ApiError(400, 'This server does not download images. Send the frame inline as a base64 data URL (data:image/png;base64,...).', 'invalid_image_url', 'image_url.url');
  }
  if (!/;base64$/i.test(m[2] ?? '')) throw new ApiError(400, 'The image data URL must be base64-encoded (data:image/png;base64,...).', 'invalid_image_url', 'image_url.url');
  const b64 = url.slice(m[0].length);
  if (Math.floor((b64.length * 3) / 4) > maxImageBytes + 2) {
    throw new ApiError(413, `The image is larger than ${(maxImageBytes / 1024 / 1024).toFixed(0)} MB, the most this server accepts. Send a smaller frame (an 896×896 PNG is enough).`, 'image_too_large', 'image_url.url');
  }
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) throw new ApiError(400, 'The image data URL is not valid base64.', 'invalid_image_url', 'image_url.url');
  const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
  try {
    probeImage(bytes);
  } catch (err) {
    if (err instanceof ImageInputError) throw new ApiError(err.code === 'too-large' ? 413 : 400, err.message, err.code === 'too-large' ? 'image_too_large' : 'invalid_image', 'image_url.url');
    throw err;
  }
  return bytes;
}

export function parseChat(body: unknown, modelId: string, maxImageBytes: number): ChatJob {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'The request body must be a JSON object.');
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || !b.model) throw new ApiError(400, `Send "model": "${modelId}".`, null, 'model');
  if (b.model !== modelId) throw new ApiError(404, `The model "${b.model}" does not exist on this server. It serves "${modelId}".`, 'model_not_found', 'model');
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw new ApiError(400, '"messages" must be a non-empty list.', null, 'messages');
  // System messages first, then user and assistant in turn, ending with the user's question (Gemma 3's template rules).
  const system: string[] = [];
  const turns: { role: 'user' | 'assistant'; text: string; images: unknown[]; at: number }[] = [];
  for (const [i, msg] of (b.messages as Array<Record<string, unknown>>).entries()) {
    const role = msg?.role;
    if (role === 'system' || role === 'developer') {
      if (turns.length) throw new ApiError(400, 'Put system messages before the conversation.', null, `messages[${i}]`);
      const t = textOf(msg.content, `messages[${i}]`);
      if (t.images.length) throw new ApiError(400, 'Put the image in the first user message.', null, `messages[${i}]`);
      system.push(t.text);
    } else if (role === 'user' || role === 'assistant') {
      const expected = turns.length % 2 === 0 ? 'user' : 'assistant';
      if (role !== expected) throw new ApiError(400, `messages[${i}] must be a ${expected} message: user and assistant messages alternate, starting with the user.`, null, `messages[${i}].role`);
      turns.push({ role, ...textOf(msg.content, `messages[${i}]`), at: i });
    } else {
      throw new ApiError(400, `messages[${i}] has role ${JSON.stringify(role)}; this server reads system, user and assistant messages.`, null, `messages[${i}].role`);
    }
  }
  const last = turns[turns.length - 1];
  if (!last || last.role !== 'user') throw new ApiError(400, 'End the messages with the user\'s question.', null, 'messages');
  const first = turns[0]!;
  if (first.images.length !== 1) throw new ApiError(400, `Send exactly one image (an image_url part) with the first question; got ${first.images.length}.`, null, 'messages');
  const later = turns.slice(1).find((t) => t.images.length > 0);
  if (later) throw new ApiError(400, 'Only the first question may carry the image: a conversation is about one frame.', null, `messages[${later.at}]`);
  if (b.temperature !== undefined && b.temperature !== null && b.temperature !== 0) {
    throw new ApiError(400, 'This server decodes greedily only: send "temperature": 0 or leave it out.', null, 'temperature');
  }
  if (b.n !== undefined && b.n !== null && b.n !== 1) throw new ApiError(400, 'This server returns one answer per request ("n": 1).', null, 'n');
  const maxTokens = b.max_completion_tokens ?? b.max_tokens ?? SEED_MAX_TOKENS;
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1 || (maxTokens as number) > MAX_TOKENS_LIMIT) {
    throw new ApiError(400, `"max_tokens" must be a whole number from 1 to ${MAX_TOKENS_LIMIT}.`, null, 'max_tokens');
  }
  const image = decodeImageUrl(first.images[0], maxImageBytes);
  const conversation: { question: string; answer: string }[] = [];
  for (let i = 0; i + 1 < turns.length; i += 2) conversation.push({ question: turns[i]!.text, answer: turns[i + 1]!.text });
  const opts = (b.stream_options ?? {}) as { include_usage?: unknown };
  return {
    prompt: last.text,
    image,
    // Gemma has no system role: its chat template puts the system text first in the first user turn, before the
    // image, followed by a blank line (the engine does the same).
    system: system.length ? system.join('\n\n') : undefined,
    conversation,
    maxTokens: maxTokens as number,
    stream: b.stream === true,
    includeUsage: opts.include_usage === true,
  };
}

export function statusFor(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err instanceof WorkstationError ? err : new WorkstationError('internal', (err as Error)?.message ?? String(err));
  const status = e.code === 'unsupported-input' || e.code === 'invalid-argument' ? 400 : e.code === 'unavailable' || e.code === 'conflict' ? 503 : 500;
  return new ApiError(status, e.message);
}
