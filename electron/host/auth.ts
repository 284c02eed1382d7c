// The host's access token: printed once in the URL, then carried as an HttpOnly cookie or a Bearer header.
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'workstation_token';

export function newToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export function cookieToken(req: IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

/** The token a request carries: ?token= (only where `allowQuery`: page loads), Authorization: Bearer, or the cookie. */
export function requestToken(req: IncomingMessage, url: URL, allowQuery = false): string | null {
  const q = allowQuery ? url.searchParams.get('token') : null;
  if (q) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return cookieToken(req);
}

/**
 * The printed URL's ?token= is accepted only to open the page (`allowQuery`), which turns it into the HttpOnly cookie;
 * everywhere else (API, events, media, assets) a token in the URL would end up in logs and history, so it does not count.
 */
export function isAuthorized(req: IncomingMessage, url: URL, token: string, allowQuery = false): boolean {
  const given = requestToken(req, url, allowQuery);
  return given !== null && safeEqual(given, token);
}

/** DNS-rebinding guard: the Host header must name this loopback server. */
export function isAllowedHost(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** Cross-site guard for state-changing requests: an Origin, when sent, must be ours. */
export function isAllowedOrigin(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
