// The desktop's link to a department library: sign in to a department server (the address and user name are
// remembered, the password never), list the department's reviews, publish a local review there with progress and
// cancel. The connection lives in this process only: after a restart the reviewer signs in again.
//
// It depends on a session (the department client: ../department/client.ts) and a publisher (the upload of one
// local review) as typed interfaces; the composition root (app-services.ts) makes them.
import crypto from 'node:crypto';
import type { Handlers } from '../../api/dispatch';
import { WorkstationError } from '../../api/errors';
import type { DepartmentLink, DepartmentReview, PublishProgress } from '../../api/schemas-department';
import { SESSION_ENDED } from './explain';
import type { EventName, EventPayload } from '../../api/contract';

type DepartmentChannel = 'department.status' | 'department.connect' | 'department.disconnect' | 'department.reviews' | 'department.publish' | 'department.cancelPublish';

/** What the link needs of a department client. */
export interface DepartmentSession {
  login(username: string, password: string): Promise<unknown>;
  logout(): Promise<void>;
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
  close?(): void;
  /** The signed-in session's token (the server's engine proxy takes it as a bearer key) and the certificates it trusts. */
  engineCredentials?(): { token: string | null; ca: string | null };
}

/** The department's shared engine as this workstation's remote engine reaches it. */
export interface DepartmentEngineAccess {
  /** The server's OpenAI-compatible proxy, e.g. https://review.hospital.org:8443/api/engine. */
  url: string;
  /** This session's token: it ends with the session. */
  apiKey: string;
  /** The certificates the link trusts (the system's and the hospital's), when a certificate file was given. */
  ca: string | null;
}

export interface PublishStep {
  phase: PublishProgress['phase'];
  sentBytes: number;
  totalBytes: number;
}

export type PublishOutcome = NonNullable<PublishProgress['result']>;

/** Sends one local review through a signed-in session. */
export type Publisher<S extends DepartmentSession = DepartmentSession> = (session: S, localReviewId: number, options: { signal: AbortSignal; onProgress(step: PublishStep): void }) => Promise<PublishOutcome>;

export type Remembered = NonNullable<DepartmentLink['remembered']>;

export interface RememberedLink {
  get(): Remembered | null;
  set(value: Remembered): void;
}

export interface DepartmentLinkDeps<S extends DepartmentSession> {
  /** A client for the server at `url`, trusting `caFile`'s certificate besides the system's (throws a WorkstationError for a bad file). */
  openSession(url: string, caFile: string | null): S;
  publish: Publisher<S>;
  remembered: RememberedLink;
  emit: <E extends EventName>(name: E, payload: EventPayload<E>) => void;
  /** Turns what the client threw (a refusal, a network or certificate failure) into the reviewer's words. */
  explain(err: unknown, url: string): WorkstationError;
  now?: () => Date;
}

interface ServerStatus {
  version: string;
  database: 'postgresql' | 'sqlite';
  tls: boolean;
  engine: { url: string; keyConfigured: boolean } | null;
}
interface Me {
  user: { username: string; displayName: string; role: 'resident' | 'attending' | 'educator' | 'admin' };
  permissions: { signOff: boolean };
}
interface ServerReview {
  id: number;
  title: string;
  status: string;
  signedOffBy: string | null;
  updatedAt: string;
}

interface Running {
  reviewId: number;
  controller: AbortController;
}

/** Departments keep a few hundred reviews at most on a first screen. */
const REVIEW_LIST_LIMIT = 500;

export function createDepartmentLink<S extends DepartmentSession>(d: DepartmentLinkDeps<S>) {
  const now = d.now ?? (() => new Date());
  let session: S | null = null;
  let connection: DepartmentLink['connection'] = null;
  const jobs = new Map<string, Running>();

  const link = (): DepartmentLink => ({ remembered: d.remembered.get(), connection });
  const announce = () => d.emit('department.link', link());

  function signedIn(): S {
    if (!session || !connection) throw new WorkstationError('unavailable', 'Connect to a department library first (Settings → Department library).');
    return session;
  }

  /** What a failed call of session `s` means to the reviewer. */
  function refusal(err: unknown, s: S, url: string): WorkstationError {
    // The server no longer knows this session (expired, signed out elsewhere, account disabled): the link is gone.
    if ((err as { status?: unknown }).status === 401) {
      if (session === s) drop();
      return new WorkstationError('forbidden', SESSION_ENDED);
    }
    return d.explain(err, url);
  }

  async function guarded<T>(work: (s: S) => Promise<T>): Promise<T> {
    const s = signedIn();
    const url = connection!.url;
    try {
      return await work(s);
    } catch (err) {
      throw refusal(err, s, url);
    }
  }

  function drop(): void {
    for (const job of jobs.values()) job.controller.abort();
    session?.close?.();
    session = null;
    connection = null;
    announce();
  }

  const handlers: Pick<Handlers, DepartmentChannel> = {
    'department.status': () => link(),

    'department.connect': async ({ url, username, password, caFile }) => {
      const base = new URL(url).origin;
      const ca = caFile ? caFile : null;
      const next = d.openSession(base, ca);
      try {
        await next.login(username, password);
        const me = await next.call<Me>('GET', '/api/me');
        const server = await next.call<ServerStatus & { service?: string }>('GET', '/api/status');
        if (server.service !== 'department-library') throw new WorkstationError('unsupported-input', `${base} answers, but not as a department library server.`);
        if (session) drop();
        session = next;
        connection = {
          url: base,
          user: me.user,
          server: { version: server.version, database: server.database, tls: server.tls, engine: server.engine !== null },
          permissions: { signOff: me.permissions.signOff },
          connectedAt: now().toISOString(),
        };
        d.remembered.set({ url: base, username, caFile: ca });
        announce();
        return link();
      } catch (err) {
        next.close?.();
        throw err instanceof WorkstationError ? err : d.explain(err, base);
      }
    },

    'department.disconnect': async () => {
      const s = session;
      if (s) {
        drop();
        // Signing out on the server is a courtesy: the link is gone here whatever it answers.
        await s.logout().catch(() => undefined);
      }
      return link();
    },

    'department.reviews': () =>
      guarded(async (s) => {
        const list = await s.call<ServerReview[]>('GET', '/api/reviews');
        return list.slice(0, REVIEW_LIST_LIMIT).map((r): DepartmentReview => ({ id: r.id, title: r.title, status: r.status, signedOffBy: r.signedOffBy, updatedAt: r.updatedAt }));
      }),

    'department.publish': ({ reviewId }) => {
      const s = signedIn();
      for (const job of jobs.values()) {
        if (job.reviewId === reviewId) throw new WorkstationError('conflict', 'This review is already being sent to the department.');
      }
      const jobId = crypto.randomUUID();
      const controller = new AbortController();
      jobs.set(jobId, { reviewId, controller });
      const url = connection!.url;
      let last: PublishStep = { phase: 'checking', sentBytes: 0, totalBytes: 0 };
      const report = (state: PublishProgress['state'], message: string | null, result: PublishProgress['result']) =>
        d.emit('department.publishProgress', { jobId, reviewId, state, ...last, message, result });
      report('running', null, null);
      void (async () => {
        try {
          const result = await d.publish(s, reviewId, {
            signal: controller.signal,
            onProgress: (step) => {
              last = step;
              report('running', null, null);
            },
          });
          report('done', null, result);
        } catch (err) {
          if (controller.signal.aborted) report('cancelled', 'Publishing was cancelled. Publish again to resume where it stopped.', null);
          else report('failed', (err instanceof WorkstationError ? err : refusal(err, s, url)).message, null);
        } finally {
          jobs.delete(jobId);
        }
      })();
      return { jobId };
    },

    'department.cancelPublish': ({ jobId }) => {
      jobs.get(jobId)?.controller.abort();
      return { ok: true as const };
    },
  };

  return {
    handlers,
    /** The shared engine through the open session; 'unavailable' with the reason when there is none to use. */
    engineAccess(): DepartmentEngineAccess {
      const s = signedIn();
      const c = connection!;
      if (!c.server.engine) {
        throw new WorkstationError(
          'unavailable',
          `The department server at ${c.url} has no model engine configured, so it cannot analyse frames. Ask its administrator to start it with --engine-url, or choose another engine in Settings → Engine.`,
        );
      }
      const credentials = s.engineCredentials?.();
      if (!credentials?.token) throw new WorkstationError('unavailable', SESSION_ENDED);
      return { url: `${c.url}/api/engine`, apiKey: credentials.token, ca: credentials.ca };
    },
    close(): void {
      for (const job of jobs.values()) job.controller.abort();
      session?.close?.();
      session = null;
      connection = null;
    },
  };
}
export type DepartmentLinkService = ReturnType<typeof createDepartmentLink<DepartmentSession>>;
