// Turning a file on disk into an HTTP-shaped response (status, headers, body stream), with single-range
// support: the one implementation of file serving, used by Electron's app:// and media:// protocols and by the
// browser host (writeServeResult). Every response says nosniff. Node only, no electron.
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { parseRange, rangeHeaders } from './range';
import { PathRefusedError, resolveInside } from './safe-path';

export interface ServeResult {
  status: number;
  headers: Record<string, string>;
  /** The bytes to send: the whole file or just the requested range; null for HEAD, 416 and errors. */
  body: Readable | null;
}

export interface ServeOptions {
  /** HEAD request: same status and headers, no body (and no file left open). */
  head?: boolean;
  /** Added to every response for this file (e.g. the CSP for documents). */
  extraHeaders?: Record<string, string>;
}

/** Sent with every file: the browser takes the Content-Type as given, never guesses one from the bytes. */
export const NOSNIFF = { 'X-Content-Type-Options': 'nosniff' } as const;

/** A bodiless response (404, 403, 405...): the status says enough to an <img> or a <video>. */
export function emptyResult(status: number, extraHeaders: Record<string, string> = {}): ServeResult {
  return { status, headers: { 'Content-Length': '0', 'Cache-Control': 'no-store', ...NOSNIFF, ...extraHeaders }, body: null };
}

/**
 * Serves `file` as `mime`, honouring a single `Range: bytes=…` header: 200 with the whole file, 206 with a
 * stream of exactly the range, 416 when the range cannot be satisfied, 404 when the file is missing or not a
 * regular file. The file is opened once and stat'ed through the same descriptor, so the size in the headers
 * is the size of the bytes streamed.
 */
export async function serveFileRange(file: string, mime: string, rangeHeader?: string | null, options: ServeOptions = {}): Promise<ServeResult> {
  const extra = options.extraHeaders ?? {};
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch {
    return emptyResult(404, extra);
  }
  let keepOpen = false;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return emptyResult(404, extra);
    const size = stat.size;
    const range = parseRange(rangeHeader, size);
    const { status, headers } = rangeHeaders(range, size, mime);
    const allHeaders = { ...headers, ...NOSNIFF, ...extra };
    if (options.head || range.kind === 'unsatisfiable' || size === 0) return { status, headers: allHeaders, body: null };
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : size - 1;
    const body = fs.createReadStream('', { fd: handle.fd, start, end, autoClose: false });
    // The stream borrows the descriptor; close the handle once the stream is done, whatever the reason.
    body.once('close', () => void handle.close().catch(() => {}));
    keepOpen = true;
    return { status, headers: allHeaders, body };
  } finally {
    if (!keepOpen) await handle.close().catch(() => {});
  }
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
};

/** The Content-Type for a file name; unknown extensions are served as opaque bytes (with nosniff). */
export function mimeFor(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticTarget =
  | { kind: 'file'; file: string; fallback: boolean }
  | { kind: 'forbidden'; reason: string }
  | { kind: 'bad-request'; reason: string }
  | { kind: 'not-found' };

/** The status for a StaticTarget that is not a file. */
export function refusalStatus(target: Exclude<StaticTarget, { kind: 'file' }>): number {
  return target.kind === 'bad-request' ? 400 : target.kind === 'forbidden' ? 403 : 404;
}

/** A path segment from a URL, percent-decoded; null when the encoding is malformed (answer 400, not an error). */
export function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * Writes a ServeResult to a Node response. The body is piped with pipeline, which closes the file when the client
 * goes away (a <video> aborts many range requests while it seeks) or the read fails; a failure after the headers
 * went out can only end the response, and is told to `onError` unless the client simply left.
 */
export function writeServeResult(res: ServerResponse, result: ServeResult, onError?: (err: Error) => void): void {
  res.writeHead(result.status, result.headers);
  if (!result.body) {
    res.end();
    return;
  }
  pipeline(result.body, res, (err) => {
    if (err && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') onError?.(err);
  });
}

/**
 * Maps a request path (as in the URL, percent-encoded) to a file of the built renderer in `root`.
 * "..", absolute paths, encoded separators and symlinks that leave `root` are forbidden; a missing path
 * with a file extension is a missing asset (404); any other missing path is a client-side route and gets
 * index.html (SPA fallback).
 */
export function resolveStaticPath(root: string, urlPath: string): StaticTarget {
  let rel = decodeSegment(urlPath);
  if (rel === null) return { kind: 'bad-request', reason: 'malformed percent-encoding' };
  // Anything that was encoded as a separator or a backslash is not a path we generate.
  if (/%2f|%5c/i.test(urlPath) || rel.includes('\\')) return { kind: 'forbidden', reason: 'encoded separators are not served' };
  rel = rel.replace(/^\/+/, '');
  if (rel === '') rel = 'index.html';
  let file: string | null;
  try {
    file = resolveInside(root, rel);
  } catch (err) {
    if (err instanceof PathRefusedError) return { kind: 'forbidden', reason: err.message };
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'not-found' }; // no build at all
    throw err;
  }
  if (file && isFile(file)) return { kind: 'file', file, fallback: false };
  if (path.extname(rel) !== '') return { kind: 'not-found' };
  const index = resolveInside(root, 'index.html');
  return index && isFile(index) ? { kind: 'file', file: index, fallback: true } : { kind: 'not-found' };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
