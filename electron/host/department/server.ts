// The department server: one library (PostgreSQL, or SQLite for one machine) for many reviewers, over HTTPS, with
// accounts, roles and live updates. It adapts HTTP to the store and the accounts (routes.ts); it holds no state of
// its own but the open event streams, so several processes can serve one database.
//
// Order of checks on every request: the route exists (404/405); a request that changes something (or signs in)
// declares a JSON body and comes from this origin (415/403, http.ts); a session (401); the body's shape (400); then
// the store, whose refusals keep their words (403 a resident's sign-off, 409 a stale version or a signed-off review).
// /api/engine/ is apart (engine-proxy.ts): an OpenAI-compatible door to the engine, with its own checks and error shape.
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WorkstationError } from '../../api/errors';
import type { Accounts } from '../../core/department/accounts';
import type { LibraryStore } from '../../core/department/library-store';
import { createMediaStore, DEFAULT_PARTIAL_MAX_AGE_MS, type MediaStore } from '../../core/department/media-store';
import type { LibraryUser } from '../../core/department/roles';
import { checkSameOrigin, errorReply, HttpRefusal, readJsonBody, securityHeaders, sendJson, sessionToken, SIGN_IN_FIRST } from './http';
import { formatDuration, plainHttpRefusal } from './options';
import type { ReviewEvents } from './review-events';
import { createRoutes, type DepartmentStatus, type Method, type Route, type RouteContext } from './routes';
import { createWebView, isWebViewPath } from './web-view';
import { createSharedInference, type EngineConfig } from './shared-inference';
import { createEngineProxy, DEFAULT_ENGINE_PING_MS, isEngineProxyPath } from './engine-proxy';
import type { AnalysesStore } from '../../core/department/analyses-store';

export interface DepartmentLog {
  info(message: string): void;
  error(message: string, err?: unknown): void;
}

export const silentDepartmentLog: DepartmentLog = { info: () => undefined, error: () => undefined };

export interface DepartmentServerOptions {
  accounts: Accounts;
  store: LibraryStore;
  events: ReviewEvents;
  /** Default 127.0.0.1; any other address needs `tls`. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  tls?: { cert: string | Buffer; key: string | Buffer } | null;
  /** The remote engine this server will use (shared-inference.ts); its key never leaves the server. */
  engine?: EngineConfig | null;
  version?: string;
  log?: DepartmentLog;
  /** Largest request body (default 1 MiB: a 10,000-point freehand stroke is about 400 KB). */
  maxBodyBytes?: number;
  /** Event streams: a keep-alive comment and a check that the session still holds, this often (default 15 s). */
  pingMs?: number;
  /** A built web view (dist/department) to serve at / (web-view.ts); without it, only /api/. */
  webRoot?: string | null;
  /** The media folder (--media DIR): uploaded videos and frame images by sha256 (core/department/media-store.ts). */
  mediaDir?: string | null;
  /** Unfinished uploads in the media folder not written for this long are removed, at start and every hour (default 7 days). */
  partialMaxAgeMs?: number;
  /** Where analyses asked of the engine are stored (core/department/analyses-store.ts); without it none are asked. */
  analyses?: AnalysesStore | null;
  /** Analyses the engine runs at once (default 1: one GPU). */
  inferenceConcurrency?: number;
  /** The engine proxy (/api/engine, engine-proxy.ts): a waiting streamed completion gets a comment this often (default 5 s). */
  enginePingMs?: number;
}

export type RouteInfo = Pick<Route, 'method' | 'pattern' | 'public' | 'stream'>;

export interface DepartmentServer {
  /** https://HOST:PORT (http:// on loopback without TLS). */
  url: string;
  port: number;
  /** The route table, for tests that go through every route. */
  routes: readonly RouteInfo[];
  close(): Promise<void>;
}

interface Compiled {
  route: Route;
  regex: RegExp;
}

function compile(route: Route): Compiled {
  const source = route.pattern
    .split('/')
    .map((seg) => (seg === ':sha256' ? '([0-9A-Za-z]{1,128})' : seg.startsWith(':') ? '([1-9]\\d{0,14})' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return { route, regex: new RegExp(`^${source}$`) };
}

const MAX_STREAM_BACKLOG = 1024 * 1024;
const MUTATING: ReadonlySet<string> = new Set(['POST', 'PATCH', 'DELETE', 'PUT']);

/** Log lines never carry a secret (the engine key), whatever an error message quotes. */
function redacting(log: DepartmentLog, secrets: string[]): DepartmentLog {
  const scrub = (text: string) => secrets.reduce((t, s) => t.split(s).join('[redacted]'), text);
  const scrubErr = (err: unknown) => (err instanceof Error ? scrub(err.stack ?? err.message) : scrub(String(err)));
  if (!secrets.length) return log;
  return { info: (m) => log.info(scrub(m)), error: (m, err) => log.error(scrub(m), err === undefined ? undefined : scrubErr(err)) };
}

const SWEEP_EVERY_MS = 3600_000;

/**
 * Clears abandoned uploads from the media folder (media-store.ts), saying what went and what was stored (a stale upload
 * whose every byte had arrived and matched its sha256); a failure is logged, not thrown.
 */
async function sweepPartials(media: MediaStore, maxAgeMs: number, log: DepartmentLog): Promise<void> {
  try {
    const { removed, bytes, completed } = await media.sweepPartials();
    const age = formatDuration(maxAgeMs);
    const which = removed
      .map((r) => `${r.sha256.slice(0, 12)}… (${r.bytes} bytes, last written ${r.lastWritten}${r.reason === 'sha256-mismatch' ? '; every byte had arrived but they do not match their sha256' : ''})`)
      .join(', ');
    if (removed.length) log.info(`Media: removed ${removed.length} unfinished upload(s) not written for ${age}, ${bytes} bytes in all: ${which}`);
    const stored = completed.map((c) => `${c.sha256.slice(0, 12)}… (${c.bytes} bytes, last written ${c.lastWritten})`).join(', ');
    if (completed.length) log.info(`Media: completed ${completed.length} upload(s) not written for ${age} whose every byte had arrived (sha256 checked, stored): ${stored}`);
  } catch (err) {
    log.error('Media: the unfinished uploads could not be cleared', err);
  }
}

export async function startDepartmentServer(o: DepartmentServerOptions): Promise<DepartmentServer> {
  const host = o.host ?? '127.0.0.1';
  const tls = Boolean(o.tls);
  if (!tls) {
    const refusal = plainHttpRefusal(host);
    if (refusal) throw new WorkstationError('forbidden', refusal);
  }
  const engineKey = o.engine?.key ?? null;
  const log = redacting(o.log ?? silentDepartmentLog, engineKey ? [engineKey] : []);
  const maxBody = o.maxBodyBytes ?? 1024 * 1024;
  const pingMs = o.pingMs ?? 15_000;
  const streams = new Set<{ token: string; end(): void }>();

  const status: DepartmentStatus = {
    service: 'department-library',
    version: o.version ?? '0.0.0',
    database: o.store.dialect === 'postgres' ? 'postgresql' : 'sqlite',
    tls,
    engine: o.engine ? { url: o.engine.url, keyConfigured: Boolean(engineKey) } : null,
  };

  async function openEvents(ctx: RouteContext, reviewId: number): Promise<void> {
    await o.store.reviews.get(reviewId); // 404 before the stream starts
    const { res, token } = ctx;
    res.writeHead(200, { ...securityHeaders(tls), 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
    // Protocol: after `ready`, (re)load the review; then apply the events (each carries the version it made).
    // `resync`: events may have been missed (the database restarted): load it again.
    const ping = setInterval(() => {
      send(': ping\n\n');
      o.accounts.session(token).then(
        (user) => {
          if (!user) stream.end();
        },
        () => undefined, // the database is down: keep the stream; the next ping checks again
      );
    }, pingMs);
    let unsubscribe = () => undefined as unknown;
    const stream = {
      token,
      /** Ends the stream (sign-out, a session that ended, a watcher that stopped reading); safe to call twice. */
      end() {
        clearInterval(ping);
        unsubscribe();
        streams.delete(stream);
        if (!res.writableEnded) res.end();
      },
    };
    const send = (text: string) => {
      if (res.writableEnded || res.destroyed) return;
      // A watcher that stops reading is let go (it reconnects and reloads) rather than buffered without end.
      if (res.writableLength > MAX_STREAM_BACKLOG) stream.end();
      else res.write(text);
    };
    res.on('error', () => undefined); // a watcher gone mid-write; 'close' follows
    res.on('close', () => stream.end());
    if (res.destroyed) return stream.end(); // the watcher left while the review was read
    send('retry: 2000\n\n');
    streams.add(stream);
    unsubscribe = o.events.subscribe(reviewId, (event) => send(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`));
    send(`event: ready\ndata: ${JSON.stringify({ reviewId })}\n\n`);
  }

  const partialMaxAgeMs = o.partialMaxAgeMs ?? DEFAULT_PARTIAL_MAX_AGE_MS;
  const media = o.mediaDir ? createMediaStore(o.mediaDir, { partialMaxAgeMs }) : null;
  if (media) await sweepPartials(media, partialMaxAgeMs, log); // then every hour, once listening
  const web = o.webRoot ? createWebView(o.webRoot, tls) : null;
  const inference = createSharedInference({
    engine: o.engine ?? null,
    analyses: o.analyses ?? null,
    store: o.store,
    version: status.version,
    tls,
    pingMs,
    concurrency: o.inferenceConcurrency,
    logInfo: (m) => log.info(m),
    logError: (m, err) => log.error(m, err),
  });
  // The desktops' OpenAI-compatible door to the same engine, taking turns in the same queue (engine-proxy.ts).
  const engineProxy = createEngineProxy({
    engine: o.engine ?? null,
    accounts: o.accounts,
    schedule: inference.schedule,
    tls,
    pingMs: o.enginePingMs ?? DEFAULT_ENGINE_PING_MS,
    log,
  });
  const routes = createRoutes({
    inference,
    accounts: o.accounts,
    store: o.store,
    tls,
    status: () => status,
    openEvents,
    media,
    endStreams(token) {
      for (const s of [...streams]) if (s.token === token) s.end();
    },
    recheckStreams() {
      // This process's streams, now; another process's end at their next ping's session check.
      for (const s of [...streams]) {
        o.accounts.session(s.token).then(
          (user) => !user && s.end(),
          () => undefined,
        );
      }
    },
  }).map(compile);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://department.invalid');
    if (web && isWebViewPath(url.pathname)) return web.serve(req, res, url.pathname);
    if (isEngineProxyPath(url.pathname)) return engineProxy.handle(req, res, url); // OpenAI-shaped, its own auth
    const matching = routes.map((c) => ({ c, m: c.regex.exec(url.pathname) })).filter((x) => x.m);
    if (!matching.length) throw new HttpRefusal(404, { code: 'not-found', message: 'There is no such API path on this server.' });
    const found = matching.find((x) => x.c.route.method === req.method);
    if (!found) {
      const allow = matching.map((x) => x.c.route.method).join(', ');
      throw new HttpRefusal(405, { code: 'invalid-argument', message: `Use ${allow} on this path.` }, { Allow: allow });
    }
    const { route } = found.c;
    const ids = found.m!.slice(1).map(Number);
    const mutating = MUTATING.has(req.method as Method);
    if (mutating && !route.raw) checkSameOrigin(req, tls);
    let user: LibraryUser | null = null;
    let token: string | null = null;
    if (!route.public) {
      token = sessionToken(req, tls);
      user = token ? await o.accounts.session(token) : null;
      if (!user || !token) throw new HttpRefusal(401, SIGN_IN_FIRST);
    }
    const body = mutating && !route.raw ? await readJsonBody(req, maxBody) : undefined;
    const ctx = { req, res, url, ids, user, token, body } as RouteContext;
    const reply = await route.handle(ctx);
    if (reply === 'streamed') return;
    // How long the server took (session, store, database), apart from the network and the client's own queueing.
    const timing = { 'Server-Timing': `app;dur=${(performance.now() - started).toFixed(1)}` };
    sendJson(res, tls, reply.status ?? 200, { ok: true, value: reply.value }, { ...reply.headers, ...timing });
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      const { status: code, error, headers, unexpected } = errorReply(err);
      if (unexpected) log.error(`Unexpected error on ${req.method} ${(req.url ?? '').split('?')[0]!.slice(0, 200)}`, err);
      if (res.headersSent) {
        res.end();
        return;
      }
      // Unread bytes of a refused request body must not be taken for the next request on this connection.
      if (!req.complete) headers.Connection = 'close';
      sendJson(res, tls, code, { ok: false, error }, headers);
    });
  };

  const server: Server = o.tls ? https.createServer({ cert: o.tls.cert, key: o.tls.key, minVersion: 'TLSv1.2' }, listener) : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error('The department server failed', err));
  const sweeper = media ? setInterval(() => void sweepPartials(media, partialMaxAgeMs, log), SWEEP_EVERY_MS).unref() : undefined;
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  log.info(`Department server listening on ${tls ? 'https' : 'http'}://${urlHost}:${port}`);

  return {
    url: `${tls ? 'https' : 'http'}://${urlHost}:${port}`,
    port,
    routes: routes.map(({ route: { method, pattern, public: isPublic, stream } }) => ({ method, pattern, public: isPublic, stream })),
    async close() {
      clearInterval(sweeper);
      await inference.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of [...streams]) s.end();
      server.closeAllConnections();
      await closed;
    },
  };
}
