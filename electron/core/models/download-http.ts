// The HTTP side of a download: one GET following redirects (the token sent to the URL's own host only, never
// over a downgrade to http), a stall timer, the Content-Range parser, the first request that learns the file's
// size, Range support and validator, and the abortable back-off sleep between retries.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { cancelled, DownloadError, describeUrl, statusError } from './download-errors';

export interface NetOptions {
  token: string | null;
  signal: AbortSignal;
  stallMs: number;
  userAgent: string;
}

export interface Opened {
  res: IncomingMessage;
  close(): void;
  /** Why the connection was dropped by the stall timer, if it was. */
  stalled(): string | null;
}

/** One GET, following redirects; the token is dropped when a redirect leaves the original host. */
export function get(url: string, o: NetOptions & { range: string | null }): Promise<Opened> {
  const origin = new URL(url);
  return new Promise<Opened>((resolve, reject) => {
    const attempt = (current: URL, hops: number) => {
      if (o.signal.aborted) return reject(cancelled());
      const headers: Record<string, string> = { 'User-Agent': o.userAgent, 'Accept-Encoding': 'identity' };
      if (o.range) headers.Range = o.range;
      if (o.token && current.host === origin.host && current.protocol === origin.protocol) headers.Authorization = `Bearer ${o.token}`;
      const lib = current.protocol === 'https:' ? https : http;
      let settled = false;
      let stalled: string | null = null;
      const req = lib.get(current, { headers, signal: o.signal }, (res) => {
        const status = res.statusCode ?? 0;
        if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
          res.resume();
          if (hops >= 10) return fail(new DownloadError('unavailable', `Too many redirects while downloading ${describeUrl(url)}.`));
          let next: URL;
          try {
            next = new URL(res.headers.location, current);
          } catch {
            return fail(new DownloadError('unavailable', `The server sent an invalid redirect for ${describeUrl(url)}.`));
          }
          if (current.protocol === 'https:' && next.protocol !== 'https:') {
            return fail(new DownloadError('unavailable', `The server for ${describeUrl(url)} redirected to an insecure (http) address; refused.`));
          }
          settled = true;
          req.setTimeout(0);
          return attempt(next, hops + 1);
        }
        settled = true;
        resolve({ res, close: () => req.destroy(), stalled: () => stalled });
      });
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(e);
      };
      req.setTimeout(o.stallMs, () => {
        stalled = `no data for ${Math.round(o.stallMs / 100) / 10} s`;
        req.destroy(new DownloadError('unavailable', stalled, true));
      });
      req.on('error', (e) => {
        if (o.signal.aborted) return fail(cancelled());
        fail(e);
      });
    };
    attempt(origin, 0);
  });
}

export function parseContentRange(v: string | undefined): { start: number; end: number; total: number | null } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(v ?? '');
  if (!m) return null;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? null : Number(m[3]) };
}

/** What the server has: size, Range support, a validator to tell whether a partial file is still the same file. */
export interface ServerInfo {
  total: number | null;
  ranges: boolean;
  validator: string | null;
}

export async function probe(url: string, o: NetOptions): Promise<ServerInfo> {
  const { res, close } = await get(url, { ...o, range: 'bytes=0-0' });
  try {
    const err = statusError(res.statusCode ?? 0, url, !!o.token);
    if (err) throw err;
    const validator = (res.headers.etag as string | undefined) ?? (res.headers['last-modified'] as string | undefined) ?? null;
    if (res.statusCode === 206) {
      const cr = parseContentRange(res.headers['content-range'] as string | undefined);
      if (cr && cr.start === 0) return { total: cr.total, ranges: cr.total !== null, validator };
    }
    const len = Number(res.headers['content-length']);
    return { total: Number.isFinite(len) && len >= 0 && res.headers['content-length'] !== undefined ? len : null, ranges: false, validator };
  } finally {
    close();
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(cancelled());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
