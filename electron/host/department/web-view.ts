// The reviewer web page (renderer/department, built into dist/department by scripts/build-department-web.mjs),
// served at / beside the API. Static files only: GET and HEAD, the files of that one folder (no traversal, no
// hidden files, no directory listing), their own content types, a strict CSP (scripts and styles from this origin
// only, no inline script; fetch and the event stream to this origin only) and the API's other security headers.
// No session here: the page is public (like the sign-in form it shows); the cookie-based session applies to /api.
import fs from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import path from 'node:path';
import { securityHeaders } from './http';

/** The page's policy: its own script and styles, its own API; nothing inline, nothing framed, no forms posted. */
export const WEB_VIEW_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export interface WebView {
  /** Answers a request outside /api/ (always: a file, 404, or 405). */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): void;
}

/** Whether a request path is the web view's (anything but the API). */
export function isWebViewPath(pathname: string): boolean {
  return pathname !== '/api' && !pathname.startsWith('/api/');
}

function headersFor(tls: boolean, type: string, length: number): OutgoingHttpHeaders {
  return {
    ...securityHeaders(tls),
    'Content-Security-Policy': WEB_VIEW_CSP,
    'Cross-Origin-Opener-Policy': 'same-origin',
    // Unhashed file names: the browser asks again each time (cheap on a LAN), never a stale page after an update.
    'Cache-Control': 'no-cache',
    'Content-Type': type,
    'Content-Length': length,
  };
}

function plain(res: ServerResponse, tls: boolean, status: number, text: string, head: boolean, extra: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { ...securityHeaders(tls), ...extra, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}

/** The file a path names inside `root`, or null: decoded once, no '..', no hidden or odd names, a real file. */
export function resolveWebFile(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded === '/' || decoded === '/index.html') decoded = '/index.html';
  const segments = decoded.split('/').slice(1);
  if (segments.some((s) => s === '' || s.startsWith('.') || !/^[A-Za-z0-9._-]+$/.test(s))) return null;
  const file = path.resolve(root, ...segments);
  if (!file.startsWith(root + path.sep)) return null;
  try {
    return fs.statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

/** The web view from `dir` (a built dist/department). Files are read per request: a rebuild shows at once. */
export function createWebView(dir: string, tls: boolean): WebView {
  const root = path.resolve(dir);
  return {
    serve(req, res, pathname) {
      const head = req.method === 'HEAD';
      if (req.method !== 'GET' && !head) {
        plain(res, tls, 405, 'Use GET or HEAD on this path.', false, { Allow: 'GET, HEAD' });
        return;
      }
      const file = resolveWebFile(root, pathname);
      const type = file ? TYPES[path.extname(file).toLowerCase()] : undefined;
      if (!file || !type) {
        const page = pathname === '/' || pathname === '/index.html';
        plain(res, tls, 404, page ? 'The web view has not been built on this server (npm run build).' : 'Not found.', head);
        return;
      }
      let body: Buffer;
      try {
        body = fs.readFileSync(file);
      } catch {
        plain(res, tls, 404, 'Not found.', head);
        return;
      }
      res.writeHead(200, headersFor(tls, type, body.length));
      res.end(head ? undefined : body);
    },
  };
}
