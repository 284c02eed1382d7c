// A Node client for the department server's API: one signed-in reviewer (the session cookie kept the way a browser
// keeps it), JSON calls that return the value or throw the server's error, and a review's event stream. The tests
// and the benchmark use it; the desktop's "connect to a department" step will too.
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiErrorShape } from '../../api/errors';

export interface ClientOptions {
  /** https://host:port (or http://127.0.0.1:port). */
  baseUrl: string;
  /** The CA that signed the server's certificate (a self-signed certificate itself), where the system's CAs do not. */
  ca?: string | Buffer;
  /** Shared between clients (connection reuse); by default one keep-alive agent per client. */
  agent?: http.Agent;
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
  close(): void;
}

export type StreamEvent = { event: string; data: unknown };

export function agentFor(baseUrl: string, ca?: string | Buffer, maxSockets = 64): http.Agent {
  return baseUrl.startsWith('https:') ? new https.Agent({ keepAlive: true, maxSockets, ...(ca ? { ca } : {}) }) : new http.Agent({ keepAlive: true, maxSockets });
}

export class DepartmentClient {
  readonly #base: URL;
  readonly #agent: http.Agent;
  #cookie: string | null = null;

  constructor(options: ClientOptions) {
    this.#base = new URL(options.baseUrl);
    this.#agent = options.agent ?? agentFor(options.baseUrl, options.ca);
  }

  get signedIn(): boolean {
    return this.#cookie !== null;
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

  async logout(): Promise<void> {
    await this.call('POST', '/api/logout', {});
    this.#cookie = null;
  }

  /** GET /api/reviews/:id/events: `onEvent` gets every event after the stream opens (ready included). */
  events(reviewId: number, onEvent: (e: StreamEvent) => void): EventStream {
    const url = new URL(`/api/reviews/${reviewId}/events`, this.#base);
    const lib = url.protocol === 'https:' ? https : http;
    let settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
    const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
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
        return;
      }
      res.on('error', () => undefined); // close() aborts it
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
    req.on('error', (err) => settle?.reject(err));
    req.end();
    return { ready, close: () => req.destroy() };
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
