// The engine proxy: the department's model engine (--engine-url: vLLM, llama-server, serve-model) offered to the
// desktop workstations as an OpenAI-compatible server under /api/engine, so a workstation's own remote engine with the
// base URL https://dept:8443/api/engine and the reviewer's department session token as its API key works unchanged:
//
//   GET  /api/engine/v1/models            the engine's model list, as the engine says it
//   POST /api/engine/v1/chat/completions  one chat completion, streamed (SSE) or whole, as the engine answers it
//   GET  /api/engine/props                llama-server's own description (its media marker, context, build)
//   POST /api/engine/completion           llama-server's raw completion: with /props, the workstation sends its own
//                                         prompt layout (the one the model was trained on) instead of a chat template
//
// Auth: the session, as `Authorization: Bearer <session token>` (no cross-site check: a browser cannot send that
// header cross-site without a CORS preflight, which this server never allows) or as the session cookie (then a POST
// has the same cross-site checks as every other write). Errors are OpenAI-shaped: { error: { message, type, code } },
// code the HTTP status (as vLLM sends it; the workstation reads a numeric code in a stream's error event as a status).
//
// A completion waits its turn in the shared-inference queue (shared-inference.ts `schedule`: the web page's analyses
// and the workstations' requests take turns by user, one at a time on one GPU). A streamed one that waits gets its 200
// and text/event-stream headers at once and a comment (`: waiting, position N`) every few seconds, so the client's
// idle timeout does not fire; a failure after that is a `data: {"error":…}` event. A whole (JSON) one that waits gets
// its 200 headers and blank lines, then the engine's JSON or the error's. A client that goes away leaves the
// queue, or has its engine request aborted. The engine's key is sent to the engine only: every message that could
// quote it (the engine's error text, a connection error) is scrubbed, and the log line per request (user, status, ms)
// carries neither the key nor the prompt.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { WorkstationError } from '../../api/errors';
import type { Accounts } from '../../core/department/accounts';
import type { LibraryUser } from '../../core/department/roles';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, errorCode, isAbortError, readText, send } from '../../inference/remote/http';
import { serverMessage } from '../../inference/remote/messages';
import { parseServerUrl } from '../../inference/remote/openai-api';
import { checkSameOrigin, DATABASE_UNAVAILABLE, HttpRefusal, isDatabaseUnavailable, securityHeaders, sessionToken } from './http';
import { NO_ENGINE_MESSAGE, type EngineConfig, type SharedInference } from './shared-inference';

export const ENGINE_PROXY_PREFIX = '/api/engine/';
/** The largest chat request: frames travel base64 in the messages (a lossless 4K PNG is about 24 MB, 32 MB as base64). */
export const MAX_ENGINE_BODY_BYTES = 40 * 1024 * 1024;
/** Completions one reviewer may have waiting at once (each holds its request, frames and all, in memory). */
export const MAX_PROXY_WAITING_PER_USER = 16;
/** Default keep-alive interval for a streamed completion that waits. */
export const DEFAULT_ENGINE_PING_MS = 5_000;

export const ENGINE_SIGN_IN_FIRST =
  'Sign in to the department first: send your department session token as "Authorization: Bearer <token>" (your session has ended, or you are not signed in).';

const ROUTES: Record<string, 'GET' | 'POST'> = { '/v1/models': 'GET', '/v1/chat/completions': 'POST', '/props': 'GET', '/completion': 'POST' };

export interface EngineProxyOptions {
  engine: EngineConfig | null;
  accounts: Accounts;
  /** The shared-inference queue (shared-inference.ts). */
  schedule: SharedInference['schedule'];
  tls: boolean;
  /** A waiting streamed completion gets a comment this often. */
  pingMs: number;
  maxBodyBytes?: number;
  log: { info(message: string): void; error(message: string, err?: unknown): void };
}

/** A refusal or failure, answered in OpenAI's error shape. */
export class ProxyError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly headers: OutgoingHttpHeaders = {},
  ) {
    super(message);
  }
}

/** One request's state, for the answer and the log line. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** Aborts when the client goes away before its answer is complete. */
  gone: AbortController;
  /** The response is a stream of server-sent events (error events may follow). */
  sse: boolean;
  /** A whole (JSON) answer whose headers went early, with nothing but blank lines yet: an error body may follow. */
  earlyJson: boolean;
  note: string;
}

const TYPES: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 429: 'rate_limit_error' };
const typeFor = (status: number) => TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');

export function isEngineProxyPath(pathname: string): boolean {
  return pathname.startsWith(ENGINE_PROXY_PREFIX) || pathname === ENGINE_PROXY_PREFIX.slice(0, -1);
}

export function createEngineProxy(o: EngineProxyOptions) {
  const key = o.engine?.key ?? null;
  const maxBody = o.maxBodyBytes ?? MAX_ENGINE_BODY_BYTES;
  const waiting = new Map<number, number>();
  const scrub = (text: string) => (key ? text.split(key).join('[redacted]') : text);
  const errorBody = (status: number, message: string, type = typeFor(status)) => JSON.stringify({ error: { message: scrub(message), type, code: status } });

  /** The bearer token, '' for a malformed Authorization header, null without one. */
  function bearer(req: IncomingMessage): string | null {
    const h = req.headers.authorization;
    if (h === undefined) return null;
    return /^Bearer\s+(\S+)\s*$/i.exec(h)?.[1] ?? '';
  }

  async function authenticate(req: IncomingMessage): Promise<LibraryUser> {
    let token = bearer(req);
    if (token === null) {
      token = sessionToken(req, o.tls);
      if (token && req.method === 'POST') checkSameOrigin(req, o.tls); // a cookie travels cross-site; a bearer header does not
    }
    if (!token) throw new ProxyError(401, ENGINE_SIGN_IN_FIRST, 'authentication_error');
    const user = await o.accounts.session(token);
    if (!user) throw new ProxyError(401, ENGINE_SIGN_IN_FIRST, 'authentication_error');
    return user;
  }

  /** Sends a request to the engine with the server's key; resolves once its headers arrived. */
  async function forward(method: 'GET' | 'POST', path: string, body: string | undefined, signal: AbortSignal): Promise<IncomingMessage> {
    const engine = o.engine!;
    try {
      const url = new URL(`${parseServerUrl(engine.url).base}${path}`);
      const headers: Record<string, string> = {
        Accept: 'application/json, text/event-stream',
        'User-Agent': 'department-server engine proxy',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(key ? { Authorization: `Bearer ${key}` } : {}),
      };
      const t = engine.timeouts;
      return await send(url, { method, headers, body, signal, connectTimeoutMs: t?.connectMs ?? DEFAULT_CONNECT_TIMEOUT_MS, idleTimeoutMs: t?.idleMs ?? DEFAULT_IDLE_TIMEOUT_MS });
    } catch (err) {
      if (signal.aborted || isAbortError(err)) throw err;
      throw unreachable(err);
    }
  }

  function unreachable(err: unknown, midAnswer = false): ProxyError {
    if (err instanceof WorkstationError) return new ProxyError(502, `The department server's model engine setting is not usable: ${err.message}`, 'server_error');
    const e = err as { message?: string };
    const code = errorCode(err);
    const why = `${e?.message ?? String(err)}${code && !(e?.message ?? '').includes(code) ? `, ${code}` : ''}`;
    const host = (() => {
      try {
        return parseServerUrl(o.engine!.url).host;
      } catch {
        return 'its address';
      }
    })();
    return new ProxyError(
      502,
      midAnswer
        ? `The department server lost its connection to its model engine at ${host} in the middle of the answer (${why}). Try again.`
        : `The department server could not reach its model engine at ${host} (${why}). Ask the department server's administrator to check that the engine is running.`,
      'server_error',
    );
  }

  /** The engine's refusal, in its own words (scrubbed); its refusing the server's key is the administrator's to fix. */
  function upstreamError(status: number, body: string): ProxyError {
    if (status === 401 || status === 403) {
      return new ProxyError(502, `The department server's model engine refused the server's own API key (${status}). Ask the department server's administrator to check --engine-key-file.`, 'server_error');
    }
    const said = serverMessage(scrub(body));
    return new ProxyError(status >= 400 && status < 600 ? status : 502, said ?? `The department's model engine answered HTTP ${status} without a reason.`, typeFor(status));
  }

  function fail(x: Exchange, err: unknown): void {
    const { res } = x;
    let e: ProxyError;
    if (err instanceof ProxyError) e = err;
    else if (err instanceof HttpRefusal) e = new ProxyError(err.status, err.error.message, typeFor(err.status), err.headers);
    else if (isDatabaseUnavailable(err)) e = new ProxyError(503, DATABASE_UNAVAILABLE.message, 'server_error', { 'Retry-After': '1' });
    else if (err instanceof WorkstationError && err.code === 'cancelled') e = new ProxyError(503, `${err.message} Nothing was sent to the engine; try again.`, 'server_error');
    else {
      o.log.error('Engine proxy: unexpected error', err);
      e = new ProxyError(500, 'Internal error in the engine proxy (the details are in the department server log).', 'server_error');
    }
    x.note = `${x.note}${x.note ? '; ' : ''}${e.status} ${e.message.slice(0, 120)}`;
    if (res.writableEnded || res.destroyed) return;
    if (res.headersSent) {
      if (x.earlyJson) return void res.end(errorBody(e.status, e.message, e.type)); // JSON allows the blank lines before it
      if (!x.sse) return void res.destroy(); // a JSON body cut short: the client sees the connection fail
      res.end(`data: ${errorBody(e.status, e.message, e.type)}\n\n`);
      return;
    }
    const text = errorBody(e.status, e.message, e.type);
    const close = x.req.complete ? {} : { Connection: 'close' };
    res.writeHead(e.status, { ...securityHeaders(o.tls), ...e.headers, ...close, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) }).end(text);
  }

  /** The request body, at most `maxBody` bytes; a bigger one is read to its end (within reason) and refused. */
  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const declared = Number(req.headers['content-length'] ?? NaN);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= maxBody) chunks.push(chunk);
      else if (size > 4 * maxBody) break;
    }
    if (size > maxBody || declared > maxBody) {
      const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
      throw new ProxyError(
        413,
        `The request is too large for this department server's engine proxy (${mb(Math.max(size, Number.isFinite(declared) ? declared : 0))}; at most ${mb(maxBody)}). Send the frame as the model's input size (an 896×896 PNG is 1–3 MB).`,
        'invalid_request_error',
        { Connection: 'close' },
      );
    }
    return Buffer.concat(chunks);
  }

  async function drained(res: ServerResponse): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }

  /** Sends the engine's answer on: its status and type, then its body as it arrives (whole SSE events only). */
  async function relay(x: Exchange, up: IncomingMessage, signal: AbortSignal): Promise<void> {
    const { res } = x;
    const status = up.statusCode ?? 502;
    if (status !== 200) throw upstreamError(status, await readText(up));
    const type = String(up.headers['content-type'] ?? 'application/json');
    const sse = type.includes('text/event-stream');
    if (res.headersSent && !sse && x.sse) {
      // Streamed to the client (it waited), answered whole by the engine: one event, then [DONE].
      const text = await readText(up, 64 * 1024 * 1024);
      let compact: string;
      try {
        compact = JSON.stringify(JSON.parse(text));
      } catch {
        throw new ProxyError(502, "The department's model engine answered with something that is not JSON.", 'server_error');
      }
      res.end(`data: ${compact}\n\ndata: [DONE]\n\n`);
      return;
    }
    if (!res.headersSent) {
      x.sse = sse;
      res.writeHead(200, { ...securityHeaders(o.tls), 'Content-Type': type, ...(sse ? { 'X-Accel-Buffering': 'no' } : {}) });
    }
    x.earlyJson = false; // the engine's bytes follow
    let pending: Buffer = Buffer.alloc(0);
    try {
      for await (const chunk of up as AsyncIterable<Buffer>) {
        let out = chunk;
        if (sse) {
          // Only whole events go on, so that an error event never lands inside a half-sent one.
          pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
          const lf = pending.lastIndexOf('\n\n');
          const crlf = pending.lastIndexOf('\r\n\r\n');
          const cut = Math.max(lf < 0 ? 0 : lf + 2, crlf < 0 ? 0 : crlf + 4);
          out = pending.subarray(0, cut);
          pending = pending.subarray(cut);
        }
        if (res.destroyed || signal.aborted) return;
        if (out.length && !res.write(out)) await drained(res);
      }
    } catch (err) {
      if (signal.aborted || res.destroyed) return;
      throw unreachable(err, true);
    }
    res.end(pending);
  }

  /** A description (the model list, llama-server's /props): not queued, answered whole, scrubbed. */
  async function describe(x: Exchange, path: string): Promise<void> {
    const up = await forward('GET', path, undefined, x.gone.signal);
    const text = await readText(up, 4 * 1024 * 1024);
    if (up.statusCode !== 200) throw upstreamError(up.statusCode ?? 502, text);
    const body = scrub(text);
    x.res
      .writeHead(200, { ...securityHeaders(o.tls), 'Content-Type': String(up.headers['content-type'] ?? 'application/json'), 'Content-Length': Buffer.byteLength(body) })
      .end(body);
  }

  /** A completion (chat, or llama-server's raw one): queued with the department's other questions, relayed as it comes. */
  async function complete(x: Exchange, user: LibraryUser, path: string): Promise<void> {
    const raw = await readBody(x.req);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ProxyError(400, 'The request body is not valid JSON.', 'invalid_request_error');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ProxyError(400, 'Send a completion request: a JSON object (with "messages" for a chat).', 'invalid_request_error');
    const request = body as Record<string, unknown>;
    if (o.engine!.model && path === '/v1/chat/completions') request.model = o.engine!.model;
    const stream = request.stream === true;
    const mine = waiting.get(user.id) ?? 0;
    if (mine >= MAX_PROXY_WAITING_PER_USER) {
      throw new ProxyError(429, `You have ${mine} requests waiting for the department's engine already: wait for some to finish.`, 'rate_limit_error', { 'Retry-After': '5' });
    }
    waiting.set(user.id, mine + 1);
    let counted = true;
    const uncount = () => {
      if (!counted) return;
      counted = false;
      const n = (waiting.get(user.id) ?? 1) - 1;
      if (n > 0) waiting.set(user.id, n);
      else waiting.delete(user.id);
    };
    const payload = JSON.stringify(request);
    const { res } = x;
    let position: number | null = null;
    let answered = false;
    const queuedAt = performance.now();
    /**
     * A completion with nothing from the engine yet: the 200 headers now (once), then a comment; a whole (JSON) answer
     * gets blank lines (allowed before JSON), so that "Test connection" (stream: false) outlasts a queue too.
     */
    const comment = () => {
      if (answered || res.writableEnded || res.destroyed) return;
      if (!res.headersSent) {
        x.sse = stream;
        x.earlyJson = !stream;
        const type = stream ? 'text/event-stream; charset=utf-8' : 'application/json; charset=utf-8';
        res.writeHead(200, { ...securityHeaders(o.tls), 'Content-Type': type, 'X-Accel-Buffering': 'no' });
      }
      if (!stream) res.write('\n');
      else res.write(position !== null ? `: waiting, position ${position}\n\n` : ': waiting for the engine\n\n');
    };
    const ping = setInterval(comment, o.pingMs);
    try {
      await o.schedule(
        user,
        async (signal) => {
          const up = await forward('POST', path, payload, signal);
          answered = true;
          clearInterval(ping);
          await relay(x, up, signal);
        },
        x.gone.signal,
        {
          onQueued(p) {
            position = p;
            comment();
          },
          onStart() {
            position = null;
            uncount();
            const waited = performance.now() - queuedAt;
            if (waited >= 1) x.note = `waited ${Math.round(waited)} ms`;
          },
        },
      );
    } catch (err) {
      if (!x.gone.signal.aborted) throw err;
    } finally {
      clearInterval(ping);
      if (x.gone.signal.aborted) x.note = `${x.note}${x.note ? '; ' : ''}${counted ? 'left the queue' : 'engine request aborted'}`;
      uncount();
    }
  }

  return {
    /** Answers a request under /api/engine/; never throws. */
    async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
      const started = performance.now();
      const op = url.pathname.slice(ENGINE_PROXY_PREFIX.length - 1);
      const x: Exchange = { req, res, gone: new AbortController(), sse: false, earlyJson: false, note: '' };
      res.on('close', () => {
        if (!res.writableFinished) {
          x.note = `${x.note}${x.note ? '; ' : ''}client went away`;
          x.gone.abort();
        }
      });
      res.on('error', () => undefined);
      let who = 'anonymous';
      try {
        const method = ROUTES[op];
        if (!method) throw new ProxyError(404, `There is no ${op} on this engine proxy: use ${ENGINE_PROXY_PREFIX}v1/models or ${ENGINE_PROXY_PREFIX}v1/chat/completions (llama-server: also props and completion).`, 'not_found_error');
        if (req.method !== method) throw new ProxyError(405, `Use ${method} on this path.`, 'invalid_request_error', { Allow: method });
        const user = await authenticate(req);
        who = user.username;
        if (!o.engine) throw new ProxyError(503, NO_ENGINE_MESSAGE, 'server_error');
        if (method === 'GET') await describe(x, op);
        else await complete(x, user, op);
      } catch (err) {
        if (!x.gone.signal.aborted || !(isAbortError(err) || err instanceof WorkstationError)) fail(x, err);
      } finally {
        const status = res.headersSent ? res.statusCode : 'none';
        o.log.info(scrub(`Engine proxy: ${who} ${req.method} ${op.slice(0, 100)} → ${status}${x.sse ? ' (stream)' : ''} in ${Math.round(performance.now() - started)} ms${x.note ? ` (${x.note})` : ''}`));
      }
    },
  };
}

export type EngineProxy = ReturnType<typeof createEngineProxy>;
