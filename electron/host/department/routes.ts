// The department server's route table: each route adapts one HTTP call to the store or the accounts, nothing more.
// Bodies are checked here for their shape (zod, unknown fields refused); the store checks the rules (geometry of
// the kind, who may sign off, versions). Every route but sign-in needs a session (server.ts checks it first).
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { z } from 'zod';
import { WorkstationError } from '../../api/errors';
import type { Accounts } from '../../core/department/accounts';
import type { LibraryStore, NewAnnotation } from '../../core/department/library-store';
import { parseOrThrow } from '../../core/department/messages';
import { canSignOff, type LibraryUser } from '../../core/department/roles';
import { clearedSessionCookie, HttpRefusal, sessionCookie } from './http';
import { createAccountRoutes } from './account-routes';
import { createNoteRoutes } from './note-routes';
import { createPublishRoutes } from './publish-routes';
import { createAnalysisRoutes } from './analysis-routes';
import type { SharedInference } from './shared-inference';
import type { MediaStore } from '../../core/department/media-store';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The :id segments of the path, in order. */
  ids: number[];
  /** The signed-in user (routes that are not public only). */
  user: LibraryUser;
  token: string;
  /** The parsed JSON body (POST, PATCH, DELETE). */
  body: unknown;
}

export interface Reply {
  status?: number;
  value: unknown;
  headers?: OutgoingHttpHeaders;
}

export interface Route {
  method: Method;
  /** '/api/reviews/:id/annotations': every :name segment is a positive whole number. */
  pattern: string;
  /** Needs no session (sign-in only). */
  public?: true;
  /** Answers with a stream (server-sent events) it writes itself. */
  stream?: true;
  /** Reads its own body (a streamed upload, a large JSON body) and makes its own cross-site checks (publish-routes.ts). */
  raw?: true;
  handle(ctx: RouteContext): Promise<Reply | 'streamed'>;
}

/** What GET /api/status says about this server: never a secret (the remote engine's key stays in the server). */
export interface DepartmentStatus {
  service: 'department-library';
  version: string;
  database: 'postgresql' | 'sqlite';
  tls: boolean;
  engine: { url: string; keyConfigured: boolean } | null;
}

export interface RouteDeps {
  accounts: Accounts;
  store: LibraryStore;
  tls: boolean;
  status(): DepartmentStatus;
  /** GET /api/reviews/:id/events (server.ts). */
  openEvents(ctx: RouteContext, reviewId: number): Promise<void>;
  /** Signs the session's event streams out (logout). */
  endStreams(token: string): void;
  /** Ends the event streams whose session no longer holds (an account disabled, a password reset). */
  recheckStreams(): void;
  /** Shared inference on the server's remote engine (shared-inference.ts, analysis-routes.ts). */
  inference: SharedInference;
  /** The media folder (--media DIR): uploads of videos and frames by sha256; null when the server keeps none. */
  media?: MediaStore | null;
}

const Version = z.number({ error: 'Say which version you changed (the "version" you read).' }).int().min(1);
const Login = z.object({ username: z.string().max(200), password: z.string().max(1000) }).strict();
const Title = z.object({ title: z.string() }).strict();
const Rename = z.object({ version: Version, title: z.string() }).strict();
const Finalise = z.object({ version: Version }).strict();
const Reopen = z.object({ version: Version, reason: z.string() }).strict();
const CreateAnnotation = z
  .object({
    kind: z.string(),
    geometry: z.unknown(),
    frameIndex: z.number(),
    label: z.string().nullable().optional(),
    color: z.string().optional(),
  })
  .strict();
const PatchAnnotation = z
  .object({ version: Version, geometry: z.unknown().optional(), label: z.string().nullable().optional(), color: z.string().optional() })
  .strict();
const Empty = z.object({}).strict();

const ok = (value: unknown, status = 200): Reply => ({ status, value });

export function createRoutes(d: RouteDeps): Route[] {
  const { accounts, store } = d;
  const route = (method: Method, pattern: string, handle: Route['handle'], extra: Partial<Pick<Route, 'public' | 'stream'>> = {}): Route => ({
    method,
    pattern,
    handle,
    ...extra,
  });

  return [
    route(
      'POST',
      '/api/login',
      async ({ body }) => {
        const { username, password } = parseOrThrow(Login, body);
        try {
          const signedIn = await accounts.login(username, password);
          return { value: { user: signedIn.user, expiresAt: signedIn.expiresAt }, headers: { 'Set-Cookie': sessionCookie(d.tls, signedIn.token, signedIn.expiresAt) } };
        } catch (err) {
          // A wrong password, a locked or disabled account: not signed in (401), with the store's words.
          if (err instanceof WorkstationError && err.code === 'forbidden') throw new HttpRefusal(401, err.toShape());
          throw err;
        }
      },
      { public: true },
    ),
    route('POST', '/api/logout', async ({ token, body }) => {
      parseOrThrow(Empty, body);
      await accounts.logout(token);
      d.endStreams(token);
      return { value: { signedOut: true }, headers: { 'Set-Cookie': clearedSessionCookie(d.tls) } };
    }),
    route('GET', '/api/me', async ({ user }) => ok({ user, permissions: { signOff: canSignOff(user.role), createAccounts: user.role === 'admin' } })),
    route('GET', '/api/status', async () => ok(d.status())),
    ...createAccountRoutes(d),

    route('GET', '/api/reviews', async () => ok(await store.reviews.list())),
    route('POST', '/api/reviews', async ({ user, body }) => ok(await store.reviews.create(user, parseOrThrow(Title, body)), 201)),
    route('GET', '/api/reviews/:id', async ({ ids: [id] }) => ok(await store.reviews.get(id!))),
    route('PATCH', '/api/reviews/:id', async ({ user, ids: [id], body }) => {
      const { version, title } = parseOrThrow(Rename, body);
      return ok(await store.reviews.rename(user, id!, version, title));
    }),
    route('POST', '/api/reviews/:id/finalise', async ({ user, ids: [id], body }) => ok(await store.reviews.finalise(user, id!, parseOrThrow(Finalise, body).version))),
    route('POST', '/api/reviews/:id/reopen', async ({ user, ids: [id], body }) => {
      const { version, reason } = parseOrThrow(Reopen, body);
      return ok(await store.reviews.reopen(user, id!, version, reason));
    }),
    route(
      'GET',
      '/api/reviews/:id/events',
      async (ctx) => {
        await d.openEvents(ctx, ctx.ids[0]!);
        return 'streamed';
      },
      { stream: true },
    ),

    route('GET', '/api/reviews/:id/annotations', async ({ ids: [id] }) => {
      await store.reviews.get(id!); // a review that does not exist is a 404, not an empty list
      return ok(await store.annotations.listByReview(id!));
    }),
    route('POST', '/api/reviews/:id/annotations', async ({ user, ids: [id], body }) => {
      const input = parseOrThrow(CreateAnnotation, body) as NewAnnotation;
      return ok(await store.annotations.create(user, id!, input), 201);
    }),
    route('PATCH', '/api/annotations/:id', async ({ user, ids: [id], body }) => {
      const { version, ...patch } = parseOrThrow(PatchAnnotation, body);
      return ok(await store.annotations.update(user, id!, version, patch as Parameters<typeof store.annotations.update>[3]));
    }),
    route('DELETE', '/api/annotations/:id', async ({ user, ids: [id], body }) => {
      await store.annotations.delete(user, id!, parseOrThrow(Finalise, body).version);
      return ok({ deleted: id });
    }),

    route('GET', '/api/search', async ({ url }) => {
      const q = url.searchParams.get('q') ?? '';
      const review = url.searchParams.get('review');
      const limit = url.searchParams.get('limit');
      const number = (s: string, what: string) => {
        if (!/^\d{1,15}$/.test(s)) throw new WorkstationError('invalid-argument', `${what} is a whole number.`);
        return Number(s);
      };
      return ok(await store.search(q, { ...(review ? { reviewId: number(review, 'review') } : {}), ...(limit ? { limit: number(limit, 'limit') } : {}) }));
    }),
    ...createNoteRoutes(d),
    ...createPublishRoutes(d),
    ...createAnalysisRoutes(d),
  ];
}
