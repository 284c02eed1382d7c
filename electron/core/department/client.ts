// A Node client for the department server's API: one signed-in reviewer (the session cookie kept the way a browser
// keeps it), JSON calls that return the value or throw the server's error, and a review's event stream. The tests
// and the benchmark use it; the desktop's "connect to a department" step will too.
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiErrorShape } from '../../api/errors';
import type { StoredAnalysis } from './analyses-store';
import type { FinishedJobEvent, JobEvent, JobTicket } from '../../api/department-wire';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { DepartmentPublishApi, MediaPart, MediaStatus, PublishedReview, PublishOutcome, PublishPayload, UploadOptions } from '../department-publish/publish-api';

export interface ClientOptions {
  /** https://host:port (or http://127.0.0.1:port). */
  baseUrl: string;
  /** The CA that signed the server's certificate (a self-signed certificate itself), where the system's CAs do not. */
  ca?: string | Buffer;
  /** Shared between clients (connection reuse); by default one keep-alive agent per client. */
  agent?: http.Agent;
  /** A request (not an event stream) fails with ETIMEDOUT when the connection is silent this long; default: never. */
  timeoutMs?: number;
}

function timedOut(): Error {
  return Object.assign(new Error('The department server stopped answering.'), { code: 'ETIMEDOUT' });
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  method: string;
  path: string;
  /** An object is sent as JSON (with Content-Type: application/json unless `headers` says otherwise). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** A refusal from the server: its HTTP status and the error it sent. */
export class DepartmentApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiErrorShape,
  ) {
    super(error.message);
    this.name = 'DepartmentApiError';
  }
}

export interface EventStream {
  /** Resolves at the stream's `ready` event. */
  ready: Promise<void>;
  /** Resolves when the stream has ended (the server ended it, it was refused, or close()). */
  ended: Promise<void>;
  close(): void;
}

export type StreamEvent = { event: string; data: unknown };

export function agentFor(baseUrl: string, ca?: string | Buffer, maxSockets = 64): http.Agent {
  return baseUrl.startsWith('https:') ? new https.Agent({ keepAlive: true, maxSockets, ...(ca ? { ca } : {}) }) : new http.Agent({ keepAlive: true, maxSockets });
}

export class DepartmentClient implements DepartmentPublishApi {
  readonly #base: URL;
  readonly #agent: http.Agent;
  readonly #ownAgent: boolean;
  readonly #timeoutMs: number | undefined;
  #cookie: string | null = null;

  constructor(options: ClientOptions) {
    this.#base = new URL(options.baseUrl);
    this.#agent = options.agent ?? agentFor(options.baseUrl, options.ca);
    this.#ownAgent = !options.agent;
    this.#timeoutMs = options.timeoutMs;
  }

  /** Closes the client's idle connections (its own agent only). */
  close(): void {
    if (this.#ownAgent) this.#agent.destroy();
  }

  get signedIn(): boolean {
    return this.#cookie !== null;
  }

  /**
   * The session token the session cookie carries, or null when signed out: the API key for the server's engine proxy
   * (`Authorization: Bearer <token>` on `<baseUrl>/api/engine/v1/…`, so the workstation's remote engine can use the
   * department's model engine). A secret like the cookie: never log or store it.
   */
  sessionToken(): string | null {
    if (this.#cookie === null) return null;
    return this.#cookie.slice(this.#cookie.indexOf('=') + 1) || null;
  }

  /** One request as given (the session cookie added): for tests that look at statuses and headers. */
  raw(r: RawRequest): Promise<RawResponse> {
    const url = new URL(r.path, this.#base);
    const json = r.body !== undefined && typeof r.body !== 'string';
    const payload = r.body === undefined ? undefined : json ? JSON.stringify(r.body) : (r.body as string);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...(json ? { 'Content-Type': 'application/json' } : {}),
      ...(this.#cookie ? { Cookie: this.#cookie } : {}),
      ...(payload !== undefined ? { 'Content-Length': String(Buffer.byteLength(payload)) } : {}),
      ...r.headers,
    };
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method: r.method, headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          this.#keepCookie(res.headers);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      if (this.#timeoutMs) req.setTimeout(this.#timeoutMs, () => req.destroy(timedOut()));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A JSON call: the value, or a DepartmentApiError with the server's status and error. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw({ method, path, ...(body !== undefined || method !== 'GET' ? { body: body ?? {} } : {}) });
    let parsed: { ok?: boolean; value?: unknown; error?: ApiErrorShape };
    try {
      parsed = JSON.parse(res.text) as typeof parsed;
    } catch {
      throw new DepartmentApiError(res.status, { code: 'internal', message: `The server answered ${res.status} with something other than JSON.` });
    }
    if (res.status >= 200 && res.status < 300 && parsed.ok) return parsed.value as T;
    throw new DepartmentApiError(res.status, parsed.error ?? { code: 'internal', message: `HTTP ${res.status}` });
  }

  async login(username: string, password: string): Promise<unknown> {
    return this.call('POST', '/api/login', { username, password });
  }

  /** What the server holds of each media file (POST /api/media/status). */
  mediaStatuses(sha256: string[]): Promise<MediaStatus[]> {
    return this.call('POST', '/api/media/status', { sha256 });
  }

  /** PUT /api/media/:sha256 with Content-Range: one part, streamed from disk (or memory); `signal` aborts it mid-way. */
  uploadMedia(sha256: string, part: MediaPart, options: UploadOptions = {}): Promise<MediaStatus> {
    const url = new URL(`/api/media/${sha256}`, this.#base);
    const { signal, onBytes } = options;
    const aborted = () => Object.assign(new Error('The upload was cancelled.'), { name: 'AbortError' });
    return new Promise<MediaStatus>((resolve, reject) => {
      if (signal?.aborted) return reject(aborted());
      const headers = {
        Accept: 'application/json',
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(part.end - part.start),
        'Content-Range': `bytes ${part.start}-${part.end - 1}/${part.total}`,
        ...(this.#cookie ? { Cookie: this.#cookie } : {}),
      };
      // Read only once piped into the request below.
      const body =
        'file' in part.source
          ? fs.createReadStream(part.source.file, { start: part.start, end: part.end - 1, highWaterMark: 256 * 1024 })
          : Readable.from([Buffer.from(part.source.bytes.buffer, part.source.bytes.byteOffset + part.start, part.end - part.start)]);
      let settled = false;
      const done = (err: Error | null, value?: MediaStatus) => {
        if (settled) return;
        settled = true;
        body.destroy(); // the server may answer before reading it all (a refusal, a file it already has)
        signal?.removeEventListener('abort', abort);
        if (err) reject(err);
        else resolve(value!);
      };
      const req = (url.protocol === 'https:' ? https : http).request(url, { method: 'PUT', headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => done(err));
        res.on('end', () => {
          let parsed: { ok?: boolean; value?: MediaStatus; error?: ApiErrorShape } = {};
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof parsed;
          } catch {
            // not JSON: the status says what happened
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300 && parsed.ok) done(null, parsed.value);
          else done(new DepartmentApiError(status, parsed.error ?? { code: 'internal', message: `HTTP ${status}` }));
        });
      });
      if (this.#timeoutMs) req.setTimeout(this.#timeoutMs, () => req.destroy(timedOut()));
      const abort = () => req.destroy(aborted());
      signal?.addEventListener('abort', abort, { once: true });
      req.on('error', (err) => done(signal?.aborted ? aborted() : err));
      body.on('data', (c: Buffer) => onBytes?.(c.length));
      body.on('error', (err: Error) => req.destroy(err));
      body.pipe(req);
    });
  }

  /** POST /api/reviews/publish: one transaction on the server; publishing the same review again updates it. */
  publish(payload: PublishPayload): Promise<PublishOutcome> {
    return this.call('POST', '/api/reviews/publish', payload);
  }

  /** GET /api/reviews/:id/published: the source, video, frames and analyses of a published review. */
  published(reviewId: number): Promise<PublishedReview> {
    return this.call('GET', `/api/reviews/${reviewId}/published`);
  }

  /** POST /api/reviews/:id/analyses: asks the department's engine about one frame (its PNG bytes); the job and its place in line. */
  askAnalysis(reviewId: number, input: { frameIndex: number; image: Uint8Array; question?: string; maxTokens?: number }): Promise<JobTicket> {
    return this.call('POST', `/api/reviews/${reviewId}/analyses`, { ...input, image: Buffer.from(input.image).toString('base64') });
  }

  /**
   * Follows a job (GET /api/analysis-jobs/:id/events): `onEvent` sees its queued, started and token events; `finished`
   * resolves with the last one (done with the stored analysis, cancelled, or error).
   */
  followAnalysis(jobId: number, onEvent: (e: JobEvent) => void = () => undefined): { finished: Promise<FinishedJobEvent>; close(): void } {
    let last: FinishedJobEvent | null = null;
    const stream = this.stream(
      `/api/analysis-jobs/${jobId}/events`,
      ({ data }) => {
        const e = data as JobEvent;
        if (e.type === 'done' || e.type === 'cancelled' || e.type === 'error') last = e;
        onEvent(e);
      },
      'open',
    );
    const finished = stream.ready
      .then(() => stream.ended)
      .then(() => {
        if (!last) throw new Error(`The stream of analysis job ${jobId} ended before the analysis did.`);
        return last;
      });
    return { finished, close: stream.close };
  }

  /** DELETE /api/analysis-jobs/:id: cancels a queued or running analysis (who asked, or an administrator). */
  cancelAnalysis(jobId: number): Promise<{ jobId: number; cancelled: true }> {
    return this.call('DELETE', `/api/analysis-jobs/${jobId}`, {});
  }

  /** GET /api/reviews/:id/analyses: the review's stored analyses, with their provenance. */
  listAnalyses(reviewId: number): Promise<StoredAnalysis[]> {
    return this.call('GET', `/api/reviews/${reviewId}/analyses`);
  }

  async logout(): Promise<void> {
    await this.call('POST', '/api/logout', {});
    this.#cookie = null;
  }

  /** GET /api/reviews/:id/events: `onEvent` gets every event after the stream opens (ready included). */
  events(reviewId: number, onEvent: (e: StreamEvent) => void): EventStream {
    return this.stream(`/api/reviews/${reviewId}/events`, onEvent);
  }

  /** Any event stream (GET `path`): `ready` resolves at its `ready` event, or as it opens with readyOn 'open'. */
  stream(path: string, onEvent: (e: StreamEvent) => void, readyOn: 'ready' | 'open' = 'ready'): EventStream {
    const url = new URL(path, this.#base);
    const lib = url.protocol === 'https:' ? https : http;
    let settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
    const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    let settleEnd = () => undefined as void;
    const ended = new Promise<void>((resolve) => (settleEnd = resolve));
    // Its own connection: a stream holds it for as long as it is open.
    const req = lib.request(url, {
      method: 'GET',
      headers: { Accept: 'text/event-stream', ...(this.#cookie ? { Cookie: this.#cookie } : {}) },
      agent: false,
      ...(this.#agent instanceof https.Agent && this.#agent.options.ca ? { ca: this.#agent.options.ca } : {}),
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        settle?.reject(new Error(`The event stream was refused: HTTP ${res.statusCode}`));
        res.resume();
        settleEnd();
        return;
      }
      res.on('error', () => undefined); // close() aborts it
      res.on('close', () => settleEnd());
      if (readyOn === 'open') settle?.resolve();
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (!data.length) continue;
          const e = { event, data: JSON.parse(data.join('\n')) as unknown };
          onEvent(e);
          if (event === 'ready') settle?.resolve();
        }
      });
    });
    req.on('error', (err) => {
      settle?.reject(err);
      settleEnd();
    });
    req.end();
    return { ready, ended, close: () => req.destroy() };
  }

  #keepCookie(headers: IncomingHttpHeaders): void {
    for (const line of headers['set-cookie'] ?? []) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const value = pair.slice(eq + 1);
      const maxAge = /;\s*Max-Age=(\d+)/i.exec(line)?.[1];
      this.#cookie = value === '' || maxAge === '0' ? null : pair;
    }
  }
}
