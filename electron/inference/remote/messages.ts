// What the reviewer reads when a remote server says no. Each message names the server, what went wrong and what
// to do about it. Error bodies differ between servers: OpenAI and llama-server send {"error": {"message": ...}},
// vLLM {"object": "error", "message": ...} (or the OpenAI shape), some proxies plain text or HTML.
import { WorkstationError } from '../../api/errors';
import { errorCode } from './http';

export interface ServerContext {
  /** host:port, as the reviewer typed it. */
  host: string;
  /** The normalised base URL. */
  base: string;
  model?: string;
  hasKey: boolean;
}

/** The server's own words from an error body, shortened; null when it said nothing useful. */
export function serverMessage(body: string): string | null {
  const text = body.trim();
  if (!text) return null;
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const e = j.error;
    const m =
      typeof e === 'string'
        ? e
        : e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string'
          ? (e as { message: string }).message
          : typeof j.message === 'string'
            ? j.message
            : typeof j.detail === 'string'
              ? j.detail
              : null;
    return m ? clip(m) : null;
  } catch {
    if (/^\s*</.test(text)) {
      const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
      return title ? clip(title) : null; // an HTML error page from a proxy
    }
    return clip(text);
  }
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 300 ? `${one.slice(0, 297)}…` : one;
}

/**
 * Does the server's error say that it cannot take images? llama-server without --mmproj: "image input is not
 * supported - hint: ... provide the mmproj"; vLLM with a text-only model: "At most 0 image(s) may be provided in
 * one request" or "... is not a multimodal model"; others mention vision or multimodal input.
 */
export function saysNotMultimodal(text: string): boolean {
  const t = text.toLowerCase();
  if (/mmproj|at most 0 image|not a multimodal|multimodal (is )?not|not multimodal|no vision|vision (is )?not/.test(t)) return true;
  const aboutImages = /\b(image|images|image_url|vision|multimodal|multi-modal)\b/.test(t);
  const refusal = /not supported|unsupported|does not support|doesn't support|cannot (accept|handle|process)|not (enabled|available|allowed)|not configured/.test(t);
  return aboutImages && refusal;
}

/**
 * Does the server's error say the request does not fit its context? llama-server: "the request exceeds the available
 * context size, try increasing it" (type exceed_context_size_error); vLLM: "This model's maximum context length is
 * 4096 tokens. However, you requested …".
 */
export function saysContextTooSmall(text: string): boolean {
  return /exceed(s|ed)? the available context|exceed_context_size|maximum context length|context (size|length|window) (is )?(exceeded|too small)|context.*too (small|long)|n_ctx|the context holds \d+/i.test(text);
}

/** The conversation (image, prompt, earlier turns and the answer's room) does not fit the server's context. */
export function contextTooSmallError(ctx: ServerContext, said: string | null): WorkstationError {
  return new WorkstationError(
    'unsupported-input',
    `The server at ${ctx.host} has too small a context for this request${said ? ` (it said: "${said.replace(/[.\s]+$/, '')}")` : ''}. ` +
      'One analysis needs the image (256 tokens), the prompt and room for the answer (512 tokens); follow-up questions add the conversation. ' +
      "Ask its administrator to start the server with a larger context (llama-server -c 4096 or more, per slot; vLLM --max-model-len 4096), or start a new analysis of the frame.",
  );
}

/** The server cannot take images (so it cannot analyse frames). */
export class NotMultimodalError extends WorkstationError {}

/**
 * `said`: the server's own words (quoted as such); `found`: what this workstation found out itself (never shown as
 * the server's words).
 */
export function notMultimodalError(ctx: ServerContext, said: string | null, found?: string): WorkstationError {
  const why = said ? ` (it said: "${said}")` : found ? `: ${found}` : '';
  return new NotMultimodalError(
    'unsupported-input',
    `The server at ${ctx.host} runs ${ctx.model ? `"${ctx.model}"` : 'its model'} without image input${why}. ` +
      'This workstation sends a frame with every question, so the server must load a vision model: start llama-server with ' +
      '--mmproj (the gemma3 vision projector) or serve the multimodal checkpoint with vLLM, then test the connection again.',
  );
}

export type Operation = 'models' | 'chat' | 'completion';

/** An HTTP error status from the server, as a message that says what to do. */
export function httpError(status: number, body: string, ctx: ServerContext, op: Operation, sentBytes?: number): WorkstationError {
  const said = serverMessage(body);
  const quote = said ? ` The server said: "${said.replace(/[.\s]+$/, '')}".` : '';
  const where = `the server at ${ctx.host}`;
  if (status === 401) {
    return new WorkstationError(
      'forbidden',
      ctx.hasKey
        ? `The API key was refused by ${where} (401 Unauthorized). Check the key in Settings → Engine (ask the server's administrator for a valid one), then test the connection again.`
        : `${cap(where)} needs an API key (401 Unauthorized). Enter the key in Settings → Engine, then test the connection again.`,
    );
  }
  if (status === 403) {
    return new WorkstationError(
      'forbidden',
      `${cap(where)} refused access (403 Forbidden): ${ctx.hasKey ? 'the API key is not allowed to use it' : 'it needs an API key'}.${quote} Check the key in Settings → Engine or ask the server's administrator.`,
    );
  }
  if (status === 404) {
    const aboutModel = op === 'chat' && (!said || /model/i.test(said));
    if (aboutModel && ctx.model) {
      return new WorkstationError(
        'not-found',
        `${cap(where)} has no model "${ctx.model}" (404).${quote} Press "Test connection" in Settings → Engine to see the models it serves, and pick one.`,
      );
    }
    const path = op === 'models' ? '/v1/models' : op === 'completion' ? '/completion' : '/v1/chat/completions';
    return new WorkstationError(
      'not-found',
      `Nothing answers at ${ctx.base}${path} (404 Not Found). Check the server URL in Settings → Engine: enter the server's base address, ` +
        `e.g. http://gpu-server:8000, without /v1/chat/completions.`,
    );
  }
  if (status === 413) {
    const size = sentBytes ? ` (${(sentBytes / 1024 / 1024).toFixed(1)} MB as sent)` : '';
    return new WorkstationError(
      'unsupported-input',
      `The frame is larger than ${where} accepts${size} (413 Payload Too Large).${quote} Ask its administrator to raise the request size limit ` +
        '(for example client_max_body_size in an nginx proxy in front of it); frames are sent as an 896×896 PNG, 1–3 MB.',
    );
  }
  if (said && saysNotMultimodal(said) && (status === 400 || status === 422 || status >= 500)) return notMultimodalError(ctx, said);
  if (said && saysContextTooSmall(said) && (status === 400 || status === 422 || status >= 500)) return contextTooSmallError(ctx, said);
  if (status === 400 || status === 422) {
    return new WorkstationError('unsupported-input', `${cap(where)} refused the request (${status}).${quote || ' It gave no reason.'} Check that the model id is right and that the server runs a Gemma 3 vision model.`);
  }
  if (status === 408 || status === 429) {
    return new WorkstationError('unavailable', `${cap(where)} is busy (${status}).${quote} Try again in a minute.`);
  }
  if (status === 502 || status === 503 || status === 504) {
    return new WorkstationError(
      'unavailable',
      `${cap(where)} is not available right now (${status}).${quote} It may be starting, loading the model or overloaded: try again in a minute, or ask its administrator.`,
    );
  }
  if (status >= 500) {
    return new WorkstationError('unavailable', `${cap(where)} failed with an internal error (${status}).${quote} Try again; if it keeps failing, the server's log says why.`);
  }
  return new WorkstationError('unavailable', `${cap(where)} answered with HTTP ${status}, which this workstation does not expect.${quote}`);
}

/** A failure to reach the server or a connection lost before the answer was complete. */
export function connectionError(err: unknown, ctx: ServerContext, tokens: number, attempts: number): WorkstationError {
  const code = errorCode(err);
  const tries = attempts > 1 ? ` (tried ${attempts} times)` : '';
  if (tokens > 0) {
    return new WorkstationError(
      'unavailable',
      `The connection to the server at ${ctx.host} was lost in the middle of the answer, after ${tokens} token${tokens === 1 ? '' : 's'} ` +
        `(${describe(err)}). The partial answer was not saved. Check that the server is still running, then analyse the frame again.`,
    );
  }
  if (code === 'IDLE_TIMEOUT') {
    return new WorkstationError(
      'unavailable',
      `The server at ${ctx.host} accepted the request but then sent nothing for ${seconds((err as { ms?: number }).ms)}. It may be overloaded or stuck: ` +
        'try again later, or ask its administrator to check it.',
    );
  }
  if (code === 'ENOTFOUND') {
    return new WorkstationError('unavailable', `The server name "${ctx.host.replace(/:\d+$/, '')}" was not found (DNS). Check the server URL in Settings → Engine.`);
  }
  if (code === 'ECONNREFUSED') {
    return new WorkstationError(
      'unavailable',
      `Nothing accepts connections at ${ctx.host}${tries}. Check that the server is running and that the URL's port is right (vLLM uses 8000, llama-server 8080 by default).`,
    );
  }
  if (code === 'CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new WorkstationError(
      'unavailable',
      `The server at ${ctx.host} could not be reached${tries} (${describe(err)}). Check the address, the network and any firewall between this workstation and the server.`,
    );
  }
  if (code && /^(ERR_TLS|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/.test(code)) {
    return new WorkstationError(
      'unavailable',
      `The secure connection to ${ctx.host} failed (${describe(err)}). If the server uses its own certificate authority, start the workstation with NODE_EXTRA_CA_CERTS pointing to it, or use the http:// address on a trusted network.`,
    );
  }
  return new WorkstationError(
    'unavailable',
    `The connection to the server at ${ctx.host} failed${tries} (${describe(err)}). Check that the server is running and reachable, then try again.`,
  );
}

function describe(err: unknown): string {
  const e = err as { message?: string; code?: string };
  const msg = e?.message ?? String(err);
  return e?.code && !msg.includes(e.code) ? `${msg}, ${e.code}` : msg;
}

function seconds(ms: number | undefined): string {
  if (ms === undefined) return 'too long';
  return `${ms < 10_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s`;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
