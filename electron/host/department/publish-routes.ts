// Publishing into the department: the media folder's routes (resumable uploads by sha256, reading a stored file
// with Range) and the publish of a review (its video and frames already uploaded). Uploads are raw bodies streamed to
// disk (application/octet-stream, never parsed or held in memory); the publish body may be larger than other JSON
// bodies (a review's annotations and analyses), so both routes read their own bodies after the session check.
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { WorkstationError } from '../../api/errors';
import { MediaHashMismatch, MediaOffsetError, SHA256_HEX, type MediaStore } from '../../core/department/media-store';
import { parseOrThrow } from '../../core/department/messages';
import { PublishPayload } from '../../core/department/publish-payload';
import { HttpRefusal, readJsonBody, securityHeaders } from './http';
import type { Route, RouteContext, RouteDeps } from './routes';

/** A publish body: a review with thousands of annotations and analyses fits. */
const MAX_PUBLISH_BODY = 32 * 1024 * 1024;
const StatusQuery = z.object({ sha256: z.array(z.string()).max(20_000) }).strict();

/** The cross-site checks of http.ts checkSameOrigin, for a body of `type` (a raw upload, or a large JSON body). */
export function checkBodyFrom(req: IncomingMessage, tls: boolean, type: 'application/octet-stream' | 'application/json'): void {
  const declared = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (declared !== type) throw new HttpRefusal(415, { code: 'invalid-argument', message: `Send the request body as ${type} (Content-Type: ${type}).` });
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if ((origin !== undefined && origin !== `${tls ? 'https' : 'http'}://${req.headers.host ?? ''}`) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
    throw new HttpRefusal(403, { code: 'forbidden', message: 'Cross-origin requests are refused.' });
  }
}

/** The :sha256 segment of /api/media/:sha256[/content]. */
function shaOf(url: URL): string {
  const sha = url.pathname.split('/')[3] ?? '';
  if (!SHA256_HEX.test(sha)) throw new WorkstationError('invalid-argument', 'A media file is named by its sha256: 64 lowercase hexadecimal characters.');
  return sha;
}

function mediaOf(d: RouteDeps): MediaStore {
  if (!d.media) throw new HttpRefusal(501, { code: 'unavailable', message: 'This department server keeps no videos or frames: its administrator starts it with --media DIR.' });
  return d.media;
}

function contentRange(req: IncomingMessage): { start: number; end: number; total: number } {
  const m = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/.exec(String(req.headers['content-range'] ?? '').trim());
  if (!m) throw new WorkstationError('invalid-argument', 'Say which bytes this is: Content-Range: bytes START-END/TOTAL.');
  return { start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) };
}

/** A Range header against a file of `size` bytes: [start, end] inclusive, null for the whole file. */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  const range = m[1] === '' ? { start: Math.max(0, size - Number(m[2])), end: size - 1 } : { start: Number(m[1]), end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
  if (range.start > range.end || range.start >= size) {
    throw new HttpRefusal(416, { code: 'invalid-argument', message: `That range is outside the file (${size} bytes).` }, { 'Content-Range': `bytes */${size}` });
  }
  return range;
}

/** The first bytes of a stored file, enough to tell its kind (two MPEG-TS packets and a bit). */
const SNIFF_BYTES = 512;
/** ISO-BMFF brands that are still images, not video (HEIF, AVIF): not claimed as video/mp4. */
const IMAGE_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1', 'avif', 'avis']);

/**
 * What a stored file is, from its first bytes (uploads carry no type, and every file is named by its hash): PNG, JPEG,
 * MP4 / QuickTime (an ISO-BMFF `ftyp` box), WebM / Matroska (EBML), MPEG-TS (0x47 sync every 188 bytes; 192 for
 * M2TS); anything else application/octet-stream. Sent with `X-Content-Type-Options: nosniff`.
 */
export function sniffContentType(head: Uint8Array): string {
  const at = (offset: number, bytes: number[]) => bytes.every((b, i) => head[offset + i] === b);
  const ascii = (start: number, end: number) => Buffer.from(head.subarray(start, end)).toString('latin1');
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (at(0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (head.length >= 12 && ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (brand === 'qt  ') return 'video/quicktime';
    if (!IMAGE_BRANDS.has(brand)) return 'video/mp4';
  }
  if (at(0, [0x1a, 0x45, 0xdf, 0xa3])) {
    // The EBML header's DocType element (0x42 0x82, a size byte, then "webm" or "matroska").
    const text = ascii(0, Math.min(head.length, 64));
    return text.includes('webm') ? 'video/webm' : 'video/x-matroska';
  }
  const packets = (size: number, offset: number) => head.length >= offset + size + 1 && [0, 1, 2].every((k) => offset + k * size >= head.length || head[offset + k * size] === 0x47);
  if (packets(188, 0) || packets(192, 4)) return 'video/mp2t';
  return 'application/octet-stream';
}

async function contentTypeOf(file: string, size: number): Promise<string> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return sniffContentType(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

async function upload(d: RouteDeps, { req, url }: RouteContext) {
  checkBodyFrom(req, d.tls, 'application/octet-stream');
  const sha = shaOf(url);
  const range = contentRange(req);
  try {
    const status = await mediaOf(d).append(sha, range, req);
    // Already complete before this request: its body was not read, so this connection cannot carry another request.
    return { value: status, headers: req.complete ? {} : { Connection: 'close' } };
  } catch (err) {
    if (err instanceof MediaOffsetError) throw new HttpRefusal(409, err.toShape(), { 'Upload-Offset': String(err.received) });
    if (err instanceof MediaHashMismatch) throw new HttpRefusal(422, err.toShape());
    throw err;
  }
}

async function content(d: RouteDeps, { req, res, url }: RouteContext): Promise<'streamed'> {
  const found = await mediaOf(d).completeFile(shaOf(url));
  if (!found) throw new WorkstationError('not-found', 'This server has no complete file with that sha256.');
  const range = byteRange(req.headers.range, found.size);
  const { start, end } = range ?? { start: 0, end: found.size - 1 };
  const type = await contentTypeOf(found.file, found.size);
  res.writeHead(range ? 206 : 200, {
    ...securityHeaders(d.tls),
    'X-Content-Type-Options': 'nosniff', // the type below is the server's word: a browser must not guess another
    'Content-Type': type,
    'Content-Length': String(end - start + 1),
    'Accept-Ranges': 'bytes',
    ...(range ? { 'Content-Range': `bytes ${start}-${end}/${found.size}` } : {}),
  });
  const stream = fs.createReadStream(found.file, { start, end });
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
  return 'streamed';
}

async function publish(d: RouteDeps, { req, user }: RouteContext) {
  checkBodyFrom(req, d.tls, 'application/json');
  const payload = parseOrThrow(PublishPayload, await readJsonBody(req, MAX_PUBLISH_BODY));
  const media = mediaOf(d);
  const needed = [{ what: 'The video', sha256: payload.video.sha256, bytes: payload.video.bytes }, ...payload.frames.map((f) => ({ what: `The image of frame ${f.frameIndex}`, ...f }))];
  for (const item of needed) {
    const found = await media.completeFile(item.sha256);
    if (!found || found.size !== item.bytes) {
      throw new WorkstationError('conflict', `${item.what} is not on the server yet (upload it by its sha256 first, then publish again); nothing was published.`);
    }
  }
  const outcome = await d.store.published.publish(user, payload);
  return { status: outcome.created ? 201 : 200, value: outcome };
}

export function createPublishRoutes(d: RouteDeps): Route[] {
  return [
    { method: 'GET', pattern: '/api/media/:sha256', handle: async ({ url }) => ({ value: await mediaOf(d).status(shaOf(url)) }) },
    {
      method: 'POST',
      pattern: '/api/media/status',
      handle: async ({ body }) => {
        const media = mediaOf(d);
        const { sha256 } = parseOrThrow(StatusQuery, body);
        const statuses = [];
        for (const sha of sha256) statuses.push(await media.status(sha));
        return { value: statuses };
      },
    },
    { method: 'PUT', pattern: '/api/media/:sha256', raw: true, handle: (ctx) => upload(d, ctx) },
    { method: 'GET', pattern: '/api/media/:sha256/content', stream: true, handle: (ctx) => content(d, ctx) },
    { method: 'POST', pattern: '/api/reviews/publish', raw: true, handle: (ctx) => publish(d, ctx) },
    { method: 'GET', pattern: '/api/reviews/:id/published', handle: async ({ ids: [id] }) => ({ value: await d.store.published.get(id!) }) },
  ];
}
