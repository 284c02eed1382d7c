// Serving the built renderer (and only it) from the browser host.
import fs from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { PathRefusedError, resolveInside } from '../core/media/safe-path';
import { mimeFor } from '../core/media/serve-file';
import { CONTENT_SECURITY_POLICY } from '../core/security/csp';


export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  };
}

/** Writes the renderer file for `urlPath` (index.html for app routes); 403 for escapes, 404 for missing assets. */
export function serveStatic(rendererDir: string, urlPath: string, res: ServerResponse, extraHeaders: Record<string, string> = {}): void {
  let rel: string;
  let file: string | null;
  try {
    if (/%2f|%5c|%00/i.test(urlPath)) throw new PathRefusedError(urlPath, 'encoded separators are not allowed');
    rel = decodeURIComponent(urlPath).replace(/^\/+/, '');
    if (rel === '') rel = 'index.html';
    file = resolveInside(rendererDir, rel);
  } catch (err) {
    if (err instanceof PathRefusedError || err instanceof URIError) {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('Forbidden');
      return;
    }
    throw err;
  }
  if (file && fs.statSync(file).isDirectory()) file = null;
  if (!file) {
    if (path.extname(rel)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    file = path.join(rendererDir, 'index.html'); // client-side route
  }
  const type = mimeFor(file);
  res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-cache', ...securityHeaders(), ...extraHeaders });
  fs.createReadStream(file).pipe(res);
}
