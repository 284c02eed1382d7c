// The app's two schemes. app://workstation/… serves the built renderer (never file://); media://frames/<sha256>
// serves stored frame images the library knows and media://videos/<id> registered videos, with HTTP Range. The request→response logic is plain Node
// (appResponse / mediaResponse) so it is tested without Electron; registerProtocols only adapts it.
import type { CustomScheme, Protocol } from 'electron';
import { Readable } from 'node:stream';
import { emptyResult, mimeFor, refusalStatus, resolveStaticPath, serveFileRange, type ServeResult } from '../core/media/serve-file';
import { pageSecurityHeaders } from '../core/security/csp';
import { APP_HOST, APP_ORIGIN, APP_SCHEME, MEDIA_SCHEME } from './origin';

/** Registered before `ready` (protocol.registerSchemesAsPrivileged). */
export const PRIVILEGED_SCHEMES: CustomScheme[] = [
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  // corsEnabled lets the page (app://workstation) read frame pixels back from a canvas when the server says so.
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true } },
];

export interface ProtocolRequest {
  url: string;
  method: string;
  headers: { get(name: string): string | null };
}

export type ResolveFrame = (sha256: string) => { file: string; mime: string } | null;
export type ResolveVideo = (id: number, variant?: 'proxy') => { file: string; mime: string } | null;

const PAGE_HEADERS: Record<string, string> = pageSecurityHeaders();

const MEDIA_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': APP_ORIGIN,
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, Accept-Ranges',
  Vary: 'Origin',
};

function methodOf(req: ProtocolRequest): 'GET' | 'HEAD' | null {
  const m = req.method.toUpperCase();
  return m === 'GET' || m === 'HEAD' ? m : null;
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** app://workstation/<path>: a file of the renderer build, index.html for client routes, 403/404 otherwise. */
export async function appResponse(rendererRoot: string, req: ProtocolRequest): Promise<ServeResult> {
  const method = methodOf(req);
  if (!method) return emptyResult(405, { Allow: 'GET, HEAD' });
  const url = parseUrl(req.url);
  if (!url || url.protocol !== `${APP_SCHEME}:` || url.host.toLowerCase() !== APP_HOST) return emptyResult(404);
  const target = resolveStaticPath(rendererRoot, url.pathname);
  if (target.kind !== 'file') return emptyResult(refusalStatus(target));
  return serveFileRange(target.file, mimeFor(target.file), req.headers.get('range'), { head: method === 'HEAD', extraHeaders: PAGE_HEADERS });
}

const FRAME_PATH = /^\/([0-9a-f]{64})$/;
const VIDEO_PATH = /^\/([1-9]\d{0,15})(\/proxy)?$/;

/**
 * media://frames/<sha256> and media://videos/<id>: only frames `resolveFrame` knows and videos `resolveVideo` knows,
 * with single-range support; 404 otherwise.
 */
export async function mediaResponse(resolveFrame: ResolveFrame, req: ProtocolRequest, resolveVideo?: ResolveVideo): Promise<ServeResult> {
  const method = methodOf(req);
  if (!method) return emptyResult(405, { Allow: 'GET, HEAD' });
  const url = parseUrl(req.url);
  const host = url?.host.toLowerCase();
  if (!url || url.protocol !== `${MEDIA_SCHEME}:` || (host !== 'frames' && host !== 'videos')) return emptyResult(404, MEDIA_HEADERS);
  let known: { file: string; mime: string } | null = null;
  if (host === 'frames') {
    const match = FRAME_PATH.exec(url.pathname);
    known = match ? resolveFrame(match[1]!) : null;
  } else {
    const match = VIDEO_PATH.exec(url.pathname);
    known = match && resolveVideo ? resolveVideo(Number(match[1]), match[2] ? 'proxy' : undefined) : null;
  }
  if (!known) return emptyResult(404, MEDIA_HEADERS);
  return serveFileRange(known.file, known.mime, req.headers.get('range'), { head: method === 'HEAD', extraHeaders: MEDIA_HEADERS });
}

/** A web Response for protocol.handle: the Node stream becomes a web ReadableStream of the same bytes. */
export function toWebResponse(result: ServeResult): Response {
  const body = result.body ? (Readable.toWeb(result.body) as unknown as ReadableStream<Uint8Array>) : null;
  return new Response(body, { status: result.status, headers: result.headers });
}

async function safely(run: () => Promise<ServeResult>, scheme: string): Promise<Response> {
  try {
    return toWebResponse(await run());
  } catch (err) {
    console.error(`[${scheme}://] request failed:`, err);
    return toWebResponse(emptyResult(500));
  }
}

export interface ProtocolOptions {
  /** The built renderer folder (dist/renderer). */
  rendererRoot: string;
  resolveFrame: ResolveFrame;
  resolveVideo?: ResolveVideo;
}

/** Installs both handlers on a session's protocol object (call after `ready`). */
export function registerProtocols(protocol: Pick<Protocol, 'handle'>, options: ProtocolOptions): void {
  protocol.handle(APP_SCHEME, (request) => safely(() => appResponse(options.rendererRoot, request), APP_SCHEME));
  protocol.handle(MEDIA_SCHEME, (request) => safely(() => mediaResponse(options.resolveFrame, request, options.resolveVideo), MEDIA_SCHEME));
}
