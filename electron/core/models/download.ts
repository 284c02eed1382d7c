// Downloading one large file over HTTP(S) robustly: parallel Range requests, resume after a dropped connection
// (and after an app restart: the partial file and its progress are kept next to the target), retries with
// back-off, a stall timeout, the free-space check first, and the file renamed into place only after its size
// and sha256 are verified. An access token goes in an Authorization header to the URL's own host only, and
// never into a message: errors name the host and path, never the query string or the headers.
import fs from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { WorkstationError, type ErrorCode } from '../../api/errors';
import { ensureFreeSpace, formatBytes } from './disk-space';
import { sha256File } from './file-hash';

export interface DownloadFileProgress {
  receivedBytes: number;
  /** The file's size as the server states it (or the expected size until the server has answered). */
  totalBytes: number | null;
  state: 'downloading' | 'retrying' | 'verifying';
  message: string | null;
}

export interface DownloadTuning {
  /** Parallel connections for one file (when the server supports Range). */
  connections: number;
  /** A file is split into at most size / minSegmentBytes parts. */
  minSegmentBytes: number;
  /** Consecutive failed attempts of one part, without any bytes in between, before giving up. */
  maxRetries: number;
  retryDelayMs(attempt: number): number;
  /** A connection that delivers nothing for this long is dropped and retried. */
  stallTimeoutMs: number;
  /** How often the partial file's progress is saved (for resume after a restart). */
  saveEveryMs: number;
  freeSpace?: (dir: string) => Promise<number | null>;
}

export const DEFAULT_TUNING: DownloadTuning = {
  connections: 4,
  minSegmentBytes: 32 * 1024 * 1024,
  maxRetries: 6,
  retryDelayMs: (attempt) => Math.min(30_000, 1000 * 2 ** (attempt - 1)),
  stallTimeoutMs: 60_000,
  saveEveryMs: 2000,
};

export interface DownloadFileOptions {
  url: string;
  /** Where the verified file ends up. While downloading: dest + '.part' and dest + '.part.json'. */
  dest: string;
  expectedSize: number | null;
  expectedSha256: string | null;
  token?: string | null;
  signal: AbortSignal;
  onProgress?(p: DownloadFileProgress): void;
  tuning?: Partial<DownloadTuning>;
  userAgent?: string;
  /** Asked when the signal aborts: true keeps the partial file for a later resume (app shutdown), else it is removed. */
  keepPartialOnAbort?: () => boolean;
}

export interface DownloadedFile {
  path: string;
  sizeBytes: number;
  sha256: string;
}

export class DownloadError extends WorkstationError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly retryable = false,
  ) {
    super(code, message);
  }
}

interface Segment {
  start: number;
  /** Exclusive; null while the size is unknown (a server without Range support and no length). */
  end: number | null;
  done: number;
}

interface PartState {
  v: 1;
  url: string;
  total: number | null;
  validator: string | null;
  segments: Segment[];
}

export const partFile = (dest: string) => `${dest}.part`;
export const partStateFile = (dest: string) => `${dest}.part.json`;

/** host + path of a URL, for messages: never the query (signed URLs) or credentials. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return 'the download address';
  }
}

function cancelled(): DownloadError {
  return new DownloadError('cancelled', 'The download was cancelled.');
}

interface Opened {
  res: IncomingMessage;
  close(): void;
  /** Why the connection was dropped by the stall timer, if it was. */
  stalled(): string | null;
}

/** One GET, following redirects; the token is dropped when a redirect leaves the original host. */
function get(url: string, o: { range: string | null; token: string | null; signal: AbortSignal; stallMs: number; userAgent: string }): Promise<Opened> {
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

/** Turns an HTTP status into a fatal or retryable error (null when the status is usable). */
function statusError(status: number, url: string, hadToken: boolean): DownloadError | null {
  if (status === 200 || status === 206) return null;
  const where = describeUrl(url);
  if (status === 401 || status === 403) {
    return new DownloadError(
      'forbidden',
      hadToken
        ? `The server refused the download of ${where} (HTTP ${status}) although a Hugging Face access token was sent. Check on the model page that your account has accepted the licence terms, and that the token is valid (set it again in Models → Hugging Face token).`
        : `The server refused the download of ${where} (HTTP ${status}). MedGemma is gated on Hugging Face: accept the licence terms on the model page with your account, then set a Hugging Face access token in Models → Hugging Face token and download again.`,
    );
  }
  if (status === 404 || status === 410) {
    return new DownloadError('not-found', `The file ${where} was not found on the server (HTTP ${status}). The catalog entry may be out of date: check the file on the model page, or import the files yourself.`);
  }
  if (status === 429 || status >= 500) return new DownloadError('unavailable', `the server answered HTTP ${status}`, true);
  return new DownloadError('unavailable', `The server answered HTTP ${status} for ${where}.`);
}

function parseContentRange(v: string | undefined): { start: number; end: number; total: number | null } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(v ?? '');
  if (!m) return null;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? null : Number(m[3]) };
}

interface Probe {
  total: number | null;
  ranges: boolean;
  validator: string | null;
}

async function probe(url: string, o: { token: string | null; signal: AbortSignal; stallMs: number; userAgent: string }): Promise<Probe> {
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

function plan(total: number | null, ranges: boolean, t: DownloadTuning): Segment[] {
  if (total === null || !ranges) return [{ start: 0, end: total, done: 0 }];
  const n = Math.max(1, Math.min(t.connections, Math.floor(total / t.minSegmentBytes)));
  const size = Math.ceil(total / n);
  const segs: Segment[] = [];
  for (let s = 0; s < total; s += size) segs.push({ start: s, end: Math.min(total, s + size), done: 0 });
  return segs.length ? segs : [{ start: 0, end: 0, done: 0 }];
}

function readState(file: string): PartState | null {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as PartState;
    if (s.v !== 1 || !Array.isArray(s.segments)) return null;
    return s;
  } catch {
    return null;
  }
}

function writeStateAtomic(file: string, state: PartState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, file);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
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

/** Removes the partial file and its progress record (after a cancel, or a file that failed verification). */
export function discardPartial(dest: string): void {
  for (const f of [partFile(dest), partStateFile(dest)]) fs.rmSync(f, { force: true });
}

/** Bytes already on disk for `dest` from an earlier, interrupted download (0 if none). */
export function partialBytes(dest: string): number {
  const s = readState(partStateFile(dest));
  if (!s || !fs.existsSync(partFile(dest))) return 0;
  return s.segments.reduce((a, g) => a + g.done, 0);
}

export async function downloadFile(o: DownloadFileOptions): Promise<DownloadedFile> {
  const token = o.token ?? null;
  try {
    return await run(o, token);
  } catch (err) {
    // Belt and braces: whatever went wrong, the token never leaves in a message.
    if (token && err instanceof Error && err.message.includes(token)) err.message = err.message.split(token).join('[token]');
    throw err;
  }
}

async function run(o: DownloadFileOptions, token: string | null): Promise<DownloadedFile> {
  const t: DownloadTuning = { ...DEFAULT_TUNING, ...o.tuning };
  // One failing part stops the others (inner); the caller's signal stops everything.
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort();
  o.signal.addEventListener('abort', onOuterAbort, { once: true });
  if (o.signal.aborted) inner.abort();
  try {
    return await transfer(o, token, t, inner);
  } finally {
    o.signal.removeEventListener('abort', onOuterAbort);
  }
}

async function transfer(o: DownloadFileOptions, token: string | null, t: DownloadTuning, inner: AbortController): Promise<DownloadedFile> {
  const userAgent = o.userAgent ?? 'CataractReviewWorkstation';
  const net = { token, signal: inner.signal, stallMs: t.stallTimeoutMs, userAgent };
  const where = describeUrl(o.url);
  const part = partFile(o.dest);
  const stateFile = partStateFile(o.dest);
  fs.mkdirSync(path.dirname(o.dest), { recursive: true });

  let received = 0;
  let total: number | null = o.expectedSize;
  const report = (state: DownloadFileProgress['state'], message: string | null = null) =>
    o.onProgress?.({ receivedBytes: received, totalBytes: total, state, message });

  // What the server has: size, Range support, a validator to tell whether a partial file is still the same file.
  let info: Probe | null = null;
  for (let attempt = 1; !info; attempt++) {
    try {
      info = await probe(o.url, net);
    } catch (err) {
      if (inner.signal.aborted) throw cancelled();
      const retryable = !(err instanceof DownloadError) || err.retryable;
      if (!retryable) throw err;
      if (attempt > t.maxRetries) throw new DownloadError('unavailable', `Could not reach the server for ${where} (${(err as Error).message}). Check the network connection and download again.`);
      report('retrying', `Connecting to ${new URL(o.url).host} failed (${(err as Error).message}); retrying.`);
      await sleep(t.retryDelayMs(attempt), inner.signal);
    }
  }
  if (o.expectedSize !== null && info.total !== null && info.total !== o.expectedSize) {
    throw new DownloadError(
      'unsupported-input',
      `The server's file ${where} has ${info.total.toLocaleString('en')} bytes but the catalog expects ${o.expectedSize.toLocaleString('en')}. The catalog entry may be out of date; nothing was downloaded.`,
    );
  }
  total = info.total ?? o.expectedSize;

  // Resume what an earlier attempt left, if it is the same file from the same place.
  const saved = readState(stateFile);
  let segments: Segment[];
  if (
    saved &&
    info.ranges &&
    fs.existsSync(part) &&
    saved.url === o.url &&
    saved.total === info.total &&
    (saved.validator === null || info.validator === null || saved.validator === info.validator)
  ) {
    segments = saved.segments;
  } else {
    discardPartial(o.dest);
    segments = plan(info.total, info.ranges, t);
  }
  received = segments.reduce((a, s) => a + s.done, 0);
  if (total !== null) await ensureFreeSpace(path.dirname(o.dest), total - received, `downloading ${path.basename(o.dest)}`, undefined, t.freeSpace);

  const fh = await fs.promises.open(part, fs.existsSync(part) ? 'r+' : 'w+');
  const state: PartState = { v: 1, url: o.url, total: info.total, validator: info.validator, segments };
  let saving: Promise<void> | null = null;
  const save = () =>
    (saving ??= (async () => {
      try {
        await fh.datasync();
        if (info.ranges) writeStateAtomic(stateFile, state);
      } catch {
        // Saving progress is best effort; the download itself goes on.
      } finally {
        saving = null;
      }
    })());
  const saver = setInterval(() => void save(), t.saveEveryMs);
  report('downloading');

  const runSegment = async (seg: Segment) => {
    let failures = 0;
    const remaining = () => (seg.end === null ? Infinity : seg.end - seg.start - seg.done);
    while (remaining() > 0) {
      const before = seg.done;
      let opened: Opened | null = null;
      try {
        if (!info.ranges && seg.done > 0) {
          // The server cannot resume: start this file again.
          received -= seg.done;
          seg.done = 0;
        }
        const from = seg.start + seg.done;
        const range = info.ranges ? `bytes=${from}-${(seg.end as number) - 1}` : null;
        opened = await get(o.url, { ...net, range });
        const { res } = opened;
        const err = statusError(res.statusCode ?? 0, o.url, !!token);
        if (err) throw err;
        if (info.ranges) {
          const cr = parseContentRange(res.headers['content-range'] as string | undefined);
          if (res.statusCode !== 206 || !cr || cr.start !== from) throw new DownloadError('unavailable', 'the server did not honour the byte range', true);
        }
        for await (const chunk of res as AsyncIterable<Buffer>) {
          const room = remaining();
          const buf = chunk.length > room ? chunk.subarray(0, room) : chunk;
          await fh.write(buf, 0, buf.length, seg.start + seg.done);
          seg.done += buf.length;
          received += buf.length;
          report('downloading');
          if (remaining() <= 0) break;
        }
        if (seg.end === null) {
          seg.end = seg.start + seg.done; // the stream ended: that was the whole file
          total = seg.end;
        }
        if (remaining() > 0) throw new DownloadError('unavailable', 'the connection closed early', true);
      } catch (err) {
        if (inner.signal.aborted) throw cancelled();
        if (err instanceof DownloadError && !err.retryable) throw err;
        if (seg.done > before) failures = 0;
        failures++;
        const why = opened?.stalled() ?? (err as Error).message;
        if (failures > t.maxRetries) {
          throw new DownloadError(
            'unavailable',
            `The download of ${where} kept failing (${why}). What has arrived (${formatBytes(received)}) is kept: download again to resume.`,
          );
        }
        report('retrying', `The connection dropped (${why}); resuming.`);
        await sleep(t.retryDelayMs(failures), inner.signal);
      } finally {
        opened?.close();
      }
    }
  };

  let ok = false;
  let firstError: unknown = null;
  try {
    await Promise.all(
      segments.map((seg) =>
        runSegment(seg).catch((err: unknown) => {
          if (firstError === null && !inner.signal.aborted) firstError = err;
          inner.abort();
        }),
      ),
    );
    if (o.signal.aborted) throw cancelled();
    if (firstError !== null) throw firstError;
    ok = true;
  } finally {
    clearInterval(saver);
    await saving;
    if (!ok && (!o.signal.aborted || o.keepPartialOnAbort?.())) await save();
    await fh.close();
    if (o.signal.aborted && !o.keepPartialOnAbort?.()) discardPartial(o.dest);
  }

  // Verify before anything is called a model file.
  report('verifying');
  const size = fs.statSync(part).size;
  if ((total !== null && size !== total) || (o.expectedSize !== null && size !== o.expectedSize)) {
    discardPartial(o.dest);
    throw new DownloadError('unsupported-input', `The downloaded file ${path.basename(o.dest)} has ${size} bytes instead of ${total ?? o.expectedSize}. It was deleted; download again.`);
  }
  const sha256 = await sha256File(part);
  if (o.signal.aborted) {
    discardPartial(o.dest);
    throw cancelled();
  }
  if (o.expectedSha256 && sha256 !== o.expectedSha256.toLowerCase()) {
    discardPartial(o.dest);
    throw new DownloadError(
      'unsupported-input',
      `The downloaded file ${path.basename(o.dest)} does not match the catalog's sha256 (got ${sha256.slice(0, 12)}…, expected ${o.expectedSha256.slice(0, 12)}…). It was deleted and nothing was installed. The file on the server may have changed: check the model page.`,
    );
  }
  fs.renameSync(part, o.dest);
  fs.rmSync(stateFile, { force: true });
  return { path: o.dest, sizeBytes: size, sha256 };
}
