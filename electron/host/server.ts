// The browser host: the same services as the Electron app, on 127.0.0.1, over HTTP + Server-Sent Events.
// It is how tests drive the real UI in Chromium and how the workstation runs without a display.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { dispatch } from '../api/dispatch';
import { toApiError, WorkstationError } from '../api/errors';
import { decodeWire, encodeWire } from '../api/wire';
import type { AppServices } from '../core/app-services';
import { silentLog, type AppLog } from '../core/logging/app-log';
import { noteCallSecrets } from '../core/logging/log-secrets';
import { decodeSegment, emptyResult, serveFileRange, writeServeResult } from '../core/media/serve-file';
import { isAllowedHost, isAllowedOrigin, isAuthorized, newToken, tokenCookie } from './auth';
import type { EventHub } from './event-hub';
import { serveStatic } from './static-files';

export interface BrowserHostOptions {
  services: AppServices;
  events: EventHub;
  rendererDir: string;
  port?: number;
  token?: string;
  /** Largest request body accepted (a frame PNG as base64 plus JSON). */
  maxBodyBytes?: number;
  /** Where unexpected errors go, with their stack (the token never does). */
  log?: AppLog;
}

export interface BrowserHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new WorkstationError('invalid-argument', `The request is too large (over ${Math.round(limit / 1024 / 1024)} MB).`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = encodeWire(body);
  res.writeHead(status, { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(text) }).end(text);
}

function statusFor(code: string): number {
  switch (code) {
    case 'invalid-argument':
    case 'unsupported-input':
      return 400;
    case 'not-found':
      return 404;
    case 'conflict':
      return 409;
    case 'forbidden':
      return 403;
    case 'unavailable':
      return 503;
    default:
      return 500;
  }
}

/** An error the services did not expect (not a WorkstationError they threw on purpose): logged with its stack. */
export function isUnexpected(err: unknown): boolean {
  return !(err instanceof WorkstationError) || err.code === 'internal';
}

/** A request that opens the page (the one place the printed ?token= is accepted): a GET of the app, not of an asset, the API or media. */
export function isPageLoad(method: string | undefined, pathname: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (pathname.startsWith('/api/') || pathname.startsWith('/media/') || pathname.startsWith('/assets/')) return false;
  const ext = path.posix.extname(pathname);
  return ext === '' || ext === '.html';
}

export async function startBrowserHost(o: BrowserHostOptions): Promise<BrowserHost> {
  const token = o.token ?? newToken();
  const log = o.log ?? silentLog;
  log.addSecret(token);
  const maxBody = o.maxBodyBytes ?? 100 * 1024 * 1024;
  let port = 0;
  const sse = new Set<ServerResponse>();

  async function handleInvoke(channel: string, req: IncomingMessage, res: ServerResponse) {
    try {
      const text = await readBody(req, maxBody);
      let input: unknown;
      try {
        input = text.trim() === '' ? {} : decodeWire(text);
      } catch {
        throw new WorkstationError('invalid-argument', 'The request body is not valid JSON (or is nested too deeply).');
      }
      noteCallSecrets(log, channel, input);
      const value = await dispatch(o.services.handlers, channel, input);
      sendJson(res, 200, { ok: true, value });
    } catch (err) {
      if (isUnexpected(err)) log.error(`Unexpected error in ${channel.slice(0, 80)}`, err, { transport: 'browser-host' });
      const error = toApiError(err);
      sendJson(res, statusFor(error.code), { ok: false, error });
    }
  }

  function handleEvents(req: IncomingMessage, res: ServerResponse) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    sse.add(res);
    const unsubscribe = o.events.subscribe((name, payload) => {
      res.write(`event: ${name}\ndata: ${encodeWire(payload)}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      unsubscribe();
      sse.delete(res);
    });
  }

  async function handleMedia(pathname: string, req: IncomingMessage, res: ServerResponse) {
    // /media/frames/<sha256> (stored images), /media/videos/<id> (registered videos) and /media/videos/<id>/proxy (a
    // video's scrub proxy): the same file serving as media://.
    const m = /^\/media\/frames\/([^/]+)$/.exec(pathname);
    const v = /^\/media\/videos\/([1-9]\d{0,15})(\/proxy)?$/.exec(pathname);
    const sha = m ? decodeSegment(m[1]!) : undefined;
    if (sha === null) {
      writeServeResult(res, emptyResult(400));
      return;
    }
    const known = sha !== undefined ? o.services.resolveFrame(sha) : v ? o.services.resolveVideo(Number(v[1]), v[2] ? 'proxy' : undefined) : null;
    if (!known) {
      writeServeResult(res, emptyResult(404));
      return;
    }
    const result = await serveFileRange(known.file, known.mime, req.headers.range ?? null, { head: req.method === 'HEAD' });
    writeServeResult(res, result, (err) => log.warn('A media response ended early', { error: err.message }));
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      if (!isAllowedHost(req, port)) {
        res.writeHead(421, { 'Content-Type': 'text/plain' }).end('Misdirected request');
        return;
      }
      let url: URL;
      try {
        url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      } catch {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Bad request');
        return;
      }
      if (!isAuthorized(req, url, token, isPageLoad(req.method, url.pathname))) {
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end('This workstation needs its access token: open the URL it printed.');
        return;
      }
      if (req.method === 'POST' && url.pathname.startsWith('/api/invoke/')) {
        if (!isAllowedOrigin(req, port)) {
          sendJson(res, 403, { ok: false, error: { code: 'forbidden', message: 'Cross-origin requests are refused.' } });
          return;
        }
        await handleInvoke(url.pathname.slice('/api/invoke/'.length), req, res);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'Content-Type': 'text/plain', Allow: 'GET, HEAD, POST' }).end('Method not allowed');
        return;
      }
      if (url.pathname === '/api/events') return handleEvents(req, res);
      if (url.pathname.startsWith('/media/')) return await handleMedia(url.pathname, req, res);
      if (url.pathname.startsWith('/api/')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Unknown API path');
        return;
      }
      // A page load with ?token= stores it as a cookie so assets, media and API calls carry it.
      const cookie: Record<string, string> = url.searchParams.has('token') ? { 'Set-Cookie': tokenCookie(token) } : {};
      await serveStatic(o.rendererDir, url.pathname, req, res, cookie, (err) => log.warn('A page response ended early', { error: err.message }));
    })().catch((err: unknown) => {
      // The details go to the log, not to whoever asked.
      log.error('Unexpected error in the browser host', err, { method: req.method });
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain', 'X-Content-Type-Options': 'nosniff' });
      res.end('Internal error (the details are in the log).');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      // Stop accepting, then drop every connection now: an open page keeps keep-alive sockets on which it would
      // reconnect its event stream, and server.close() alone waits for those to end (minutes).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const res of sse) res.end();
      server.closeAllConnections();
      await closed;
    },
  };
}
