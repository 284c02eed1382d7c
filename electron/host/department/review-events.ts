// Live updates: every write to a review, pushed to everyone watching that review (the events route, SSE).
//
// On PostgreSQL the store's writes NOTIFY inside their transaction (changes.ts), and every server process on the
// database LISTENs on one dedicated connection: a change reaches the watchers of all processes, only once it is
// committed, in commit order. That connection is re-opened when it drops (a database restart); the watchers are then
// told to reload ('resync'), since what was notified while it was down is lost. On SQLite (one process) the change
// goes to this process's watchers after the commit.
//
// NOTIFY carries at most 8000 bytes: a change that does not fit (a long freehand stroke) goes out as a reference
// ({ reviewId, annotationId, version, reload: true }; a note: noteId; an analysis: { reviewId, analysisId, reload: true }),
// and the watcher reads it itself.
import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { AnalysisCreatedEvent } from '../../api/department-wire';
import type { ChangeSink, LibraryChange } from '../../core/department/changes';
import type { LibraryDb } from '../../core/department/db';

export const NOTIFY_CHANNEL = 'department_library_changes';
const MAX_PAYLOAD_BYTES = 7900;

/** What a watcher receives: a change, a reference to one too large to carry, or "reload, you may have missed some". */
export type ReviewEvent =
  | LibraryChange
  | { type: 'annotation.created' | 'annotation.updated'; reviewId: number; annotationId: number; version: number; reload: true }
  | { type: 'note.created' | 'note.updated'; reviewId: number; noteId: number; version: number; reload: true }
  | Extract<AnalysisCreatedEvent, { reload: true }>
  | { type: 'resync'; reviewId: number };

export type ReviewListener = (event: ReviewEvent) => void;

export interface ReviewEvents {
  /** The store's ChangeSink (createLibraryStore({ changes })). */
  readonly sink: ChangeSink;
  subscribe(reviewId: number, listener: ReviewListener): () => void;
  /** Watchers right now, all reviews together. */
  readonly watchers: number;
  close(): Promise<void>;
}

/** The change as NOTIFY carries it: whole when it fits, else a reference. */
export function encodeChange(change: LibraryChange): string {
  const whole = JSON.stringify(change);
  if (Buffer.byteLength(whole) <= MAX_PAYLOAD_BYTES) return whole;
  if ('analysis' in change) return JSON.stringify({ type: change.type, reviewId: change.reviewId, analysisId: change.analysis.id, reload: true });
  if ('note' in change) return JSON.stringify({ type: change.type, reviewId: change.reviewId, noteId: change.note.id, version: change.note.version, reload: true });
  if (!('annotation' in change)) return whole;
  const { annotation } = change;
  return JSON.stringify({ type: change.type, reviewId: change.reviewId, annotationId: annotation.id, version: annotation.version, reload: true });
}

function createHub() {
  const byReview = new Map<number, Set<ReviewListener>>();
  let count = 0;
  const each = (reviewId: number, fn: (l: ReviewListener) => void) => {
    for (const l of [...(byReview.get(reviewId) ?? [])]) fn(l);
  };
  return {
    deliver(event: ReviewEvent) {
      each(event.reviewId, (l) => l(event));
    },
    resyncAll() {
      for (const reviewId of [...byReview.keys()]) each(reviewId, (l) => l({ type: 'resync', reviewId }));
    },
    subscribe(reviewId: number, listener: ReviewListener): () => void {
      let set = byReview.get(reviewId);
      if (!set) byReview.set(reviewId, (set = new Set()));
      set.add(listener);
      count++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        count--;
        set.delete(listener);
        if (set.size === 0) byReview.delete(reviewId);
      };
    },
    get size() {
      return count;
    },
  };
}

/** SQLite (one process): changes go to this process's watchers once committed. */
export function inProcessReviewEvents(): ReviewEvents {
  const hub = createHub();
  return {
    sink: { committed: (change) => hub.deliver(change) },
    subscribe: hub.subscribe,
    get watchers() {
      return hub.size;
    },
    close: async () => undefined,
  };
}

export interface PostgresEventsOptions {
  url: string;
  /** When the LISTEN connection drops or cannot be re-opened (it keeps trying). */
  onConnectionError?: (err: Error) => void;
  /** Longest wait between two attempts to re-open it (default 2 s). */
  maxRetryMs?: number;
}

/** PostgreSQL: NOTIFY in the write's transaction, LISTEN on one connection per server process. Resolves once listening. */
export async function postgresReviewEvents(options: PostgresEventsOptions): Promise<ReviewEvents> {
  const hub = createHub();
  const maxRetryMs = options.maxRetryMs ?? 2000;
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = 100;
  let timer: NodeJS.Timeout | undefined;

  const onNotification = (msg: pg.Notification) => {
    if (msg.channel !== NOTIFY_CHANNEL || !msg.payload) return;
    let event: ReviewEvent;
    try {
      event = JSON.parse(msg.payload) as ReviewEvent;
    } catch {
      return;
    }
    if (typeof event.reviewId === 'number') hub.deliver(event);
  };

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: options.url, keepAlive: true });
    c.on('notification', onNotification);
    // 'error' comes first when the server goes away, then 'end'; reconnecting on 'end' covers both.
    c.on('error', (err) => options.onConnectionError?.(err));
    c.on('end', () => {
      if (client !== c) return;
      client = null;
      if (!closed) schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (err) {
      c.removeAllListeners('end');
      await c.end().catch(() => undefined);
      throw err;
    }
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    retryMs = 100;
  }

  function schedule(): void {
    timer = setTimeout(() => {
      connect().then(
        () => hub.resyncAll(),
        (err: Error) => {
          options.onConnectionError?.(err);
          retryMs = Math.min(retryMs * 2, maxRetryMs);
          if (!closed) schedule();
        },
      );
    }, retryMs);
  }

  await connect();
  return {
    sink: {
      async inTransaction(trx: Transaction<LibraryDb>, change: LibraryChange) {
        await sql`select pg_notify(${NOTIFY_CHANNEL}, ${encodeChange(change)})`.execute(trx);
      },
    },
    subscribe: hub.subscribe,
    get watchers() {
      return hub.size;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
