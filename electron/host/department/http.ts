// The department server's HTTP plumbing: headers every answer carries, JSON in and out (the envelope of the browser
// host: { ok: true, value } or { ok: false, error } with error as electron/api/errors.ts toApiError shapes it), the
// cross-site request checks, the session cookie, and which failures mean "the database is down, try again".
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { toApiError, WorkstationError, type ApiErrorShape } from '../../api/errors';

/** A refusal with its own HTTP status (401, 405, 413, 415 …), not one derived from the error code. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiErrorShape,
    readonly headers: OutgoingHttpHeaders = {},
  ) {
    super(error.message);
  }
}

export const SIGN_IN_FIRST: ApiErrorShape = { code: 'forbidden', message: 'Sign in first: your session has ended or you are not signed in.' };

/** On every answer: nothing is sniffed, framed, cached or sent on as a referrer; with TLS, browsers keep to HTTPS. */
export function securityHeaders(tls: boolean): OutgoingHttpHeaders {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...(tls ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
  };
}

export function sendJson(res: ServerResponse, tls: boolean, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, { ...securityHeaders(tls), ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) })
    .end(text);
}

export function statusForCode(code: ApiErrorShape['code']): number {
  switch (code) {
    case 'invalid-argument':
    case 'unsupported-input':
      return 400;
    case 'forbidden':
      return 403;
    case 'not-found':
      return 404;
    case 'conflict':
      return 409;
    case 'unavailable':
      return 503;
    default:
      return 500;
  }
}

// node-postgres / PostgreSQL / SQLite failures that mean "not now" rather than "never": the server restarting, the
// connection cut, no free connection. The client retries those (the write did not happen, or it will find out by
// the version that it did).
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300', 'SQLITE_BUSY']);
const UNAVAILABLE_MESSAGE = /connection terminated|connection ended unexpectedly|client has encountered a connection error|timeout exceeded when trying to connect|not queryable/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) || UNAVAILABLE_MESSAGE.test(err.message);
}

export const DATABASE_UNAVAILABLE: ApiErrorShape = {
  code: 'unavailable',
  message: 'The department library database is not reachable right now. Nothing was saved by this request; try again in a moment.',
};

/** What an error becomes on the wire. Unexpected ones say only that the details are in the server's log. */
export function errorReply(err: unknown): { status: number; error: ApiErrorShape; headers: OutgoingHttpHeaders; unexpected: boolean } {
  if (err instanceof HttpRefusal) return { status: err.status, error: err.error, headers: err.headers, unexpected: false };
  if (err instanceof WorkstationError && err.code !== 'internal') return { status: statusForCode(err.code), error: toApiError(err), headers: {}, unexpected: false };
  if (isDatabaseUnavailable(err)) return { status: 503, error: DATABASE_UNAVAILABLE, headers: { 'Retry-After': '1' }, unexpected: false };
  return { status: 500, error: { code: 'internal', message: 'Internal error (the details are in the server log).' }, headers: {}, unexpected: true };
}

/** The request body as JSON (empty means {}), at most `limit` bytes. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      throw new HttpRefusal(413, { code: 'invalid-argument', message: `The request is too large (over ${Math.round(limit / 1024)} KB).` }, { Connection: 'close' });
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WorkstationError('invalid-argument', 'The request body is not valid JSON.');
  }
}

/**
 * Cross-site request checks for a request that changes something (and for sign-in): its body must be declared JSON
 * (a form or a "simple" cross-site request cannot do that without a CORS preflight, which this server never
 * allows), and an Origin or Sec-Fetch-Site header, when the browser sends one, must say it comes from this server.
 */
export function checkSameOrigin(req: IncomingMessage, tls: boolean): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpRefusal(415, { code: 'invalid-argument', message: 'Send the request body as JSON (Content-Type: application/json).' });
  }
  const origin = req.headers.origin;
  const own = `${tls ? 'https' : 'http'}://${req.headers.host ?? ''}`;
  const site = req.headers['sec-fetch-site'];
  if ((origin !== undefined && origin !== own) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
    throw new HttpRefusal(403, { code: 'forbidden', message: 'Cross-origin requests are refused.' });
  }
}

/** The session cookie: HttpOnly, SameSite=Strict, and with TLS Secure and __Host- (so only this host can set it). */
export function sessionCookieName(tls: boolean): string {
  return tls ? '__Host-department_session' : 'department_session';
}

export function sessionCookie(tls: boolean, token: string, expiresAt: string): string {
  const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000));
  return `${sessionCookieName(tls)}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${tls ? '; Secure' : ''}`;
}

export function clearedSessionCookie(tls: boolean): string {
  return `${sessionCookieName(tls)}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${tls ? '; Secure' : ''}`;
}

/** The session token the request's cookie carries, or null. */
export function sessionToken(req: IncomingMessage, tls: boolean): string | null {
  const name = sessionCookieName(tls);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}
