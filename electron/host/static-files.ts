// Serving the built renderer (and only it) from the browser host, through the same file serving and the same
// headers as Electron's app:// (core/media/serve-file.ts, core/security/csp.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { emptyResult, mimeFor, refusalStatus, resolveStaticPath, serveFileRange, writeServeResult } from '../core/media/serve-file';
import { pageSecurityHeaders } from '../core/security/csp';

export function securityHeaders(): Record<string, string> {
  return pageSecurityHeaders();
}

/** Writes the renderer file for `urlPath` (index.html for app routes); 400 malformed, 403 escapes, 404 missing assets. */
export async function serveStatic(
  rendererDir: string,
  urlPath: string,
  req: IncomingMessage,
  res: ServerResponse,
  extraHeaders: Record<string, string> = {},
  onError?: (err: Error) => void,
): Promise<void> {
  const target = resolveStaticPath(rendererDir, urlPath);
  if (target.kind !== 'file') {
    writeServeResult(res, emptyResult(refusalStatus(target)));
    return;
  }
  const result = await serveFileRange(target.file, mimeFor(target.file), req.headers.range ?? null, {
    head: req.method === 'HEAD',
    extraHeaders: { ...securityHeaders(), ...extraHeaders },
  });
  writeServeResult(res, result, onError);
}
