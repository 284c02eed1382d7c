// HTTP for the remote engine, on node:http/https so that the two timeouts are real: one for setting up the
// connection (TCP + TLS) and one for silence (waiting for the response, and between streamed chunks). Connection
// errors carry a `code` (ECONNREFUSED, ECONNRESET, ...) so the caller can decide to retry.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Long enough for a busy server to queue the request and encode the image before the first token. */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_BASE_MS = 500;

export class ConnectTimeoutError extends Error {
  readonly code = 'CONNECT_TIMEOUT';
  constructor(ms: number) {
    super(`no connection within ${Math.round(ms / 1000)} s`);
  }
}

export class IdleTimeoutError extends Error {
  readonly code = 'IDLE_TIMEOUT';
  constructor(readonly ms: number) {
    super(`no data for ${ms < 10_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s`);
  }
}

/** Errors of the connection itself (not of an answer): worth a retry when nothing was shown yet. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
]);

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isConnectionError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && CONNECTION_CODES.has(code);
}

export function isAbortError(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'AbortError' || errorCode(err) === 'ABORT_ERR';
}

export interface RequestOptions {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** Extra trusted certificate(s), PEM: a server with its own certificate authority (a department server). */
  ca?: string;
}

/**
 * Sends a request and resolves with the response once its headers arrived; the body is left to the caller, still
 * under the idle timeout (a silent server destroys the response with an IdleTimeoutError).
 */
export function send(url: URL, o: RequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method: o.method, headers: o.headers, signal: o.signal, ...(o.ca ? { ca: o.ca } : {}) });
    const connectTimer = setTimeout(() => req.destroy(new ConnectTimeoutError(o.connectTimeoutMs)), o.connectTimeoutMs);
    req.on('socket', (socket) => {
      // A kept-alive socket is already connected.
      if (!socket.connecting) return clearTimeout(connectTimer);
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    req.setTimeout(o.idleTimeoutMs, () => req.destroy(new IdleTimeoutError(o.idleTimeoutMs)));
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      // Errors after this point (the socket closing, the idle timeout) surface while the body is read.
      req.on('error', (err) => res.destroy(err));
      resolve(res);
    });
    req.on('error', (err) => {
      clearTimeout(connectTimer);
      reject(err);
    });
    req.end(o.body);
  });
}

/** Reads a whole (small) body as text; at most `limit` bytes are kept. */
export async function readText(res: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (size < limit) parts.push(chunk.subarray(0, limit - size));
    size += chunk.length;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Waits `ms`, or rejects with an AbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(): Error {
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  return e;
}
