// A fair scheduler for work that shares one scarce resource (the department's GPU): each user's jobs wait in their
// own first-come-first-served line, and a free slot goes to the waiting user who started something least recently.
// So one reviewer's 85-frame timeline does not starve another reviewer's single frame: the single frame runs next,
// and after that the timeline resumes. Pure and generic: it knows users (any key) and tasks (a function that gets
// an AbortSignal), nothing of HTTP, models or the database.
//
//   - concurrency: how many tasks run at once (default 1: one GPU).
//   - position: 1 is the next to start, 2 the one after…, 0 while running; what the queue would do with no new
//     arrivals. A new user's first job goes before the next job of a user already served, so positions of queued
//     jobs can grow: that is the fairness.
//   - cancel: a queued job leaves the line at once (its result rejects with 'cancelled'); a running one gets its
//     AbortSignal aborted, and its slot is free when its task settles (a task should stop soon after the abort).
import { WorkstationError } from '../../api/errors';

export type FairJobState = 'queued' | 'running' | 'finished';

export interface FairJobHooks {
  /** The job's position in the queue, each time it changes (1 = next to start). */
  onQueued?(position: number): void;
  /** The job's task is starting now. */
  onStart?(): void;
}

export interface FairJob<T> {
  readonly id: number;
  readonly user: string;
  /** Settles with the task's outcome; rejects with a 'cancelled' WorkstationError when cancelled while queued. */
  readonly result: Promise<T>;
}

export interface FairQueueOptions {
  /** Tasks running at once (default 1). */
  concurrency?: number;
}

export interface FairQueue<T> {
  /** Adds a job to `user`'s line; it may start at once (its onStart is called before this returns). */
  submit(user: string, task: (signal: AbortSignal) => Promise<T>, hooks?: FairJobHooks): FairJob<T>;
  /** Cancels a queued or running job; false when it is unknown or already finished. */
  cancel(id: number, reason?: string): boolean;
  /** Cancels every queued and running job of `user`; how many. */
  cancelUser(user: string, reason?: string): number;
  /** Cancels everything (a server that stops). */
  cancelAll(reason?: string): number;
  state(id: number): FairJobState;
  /** 1 = next to start, 0 = running, null = not in the queue (unknown or finished). */
  position(id: number): number | null;
  /** The owner of a queued or running job, else null. */
  owner(id: number): string | null;
  readonly waiting: number;
  readonly running: number;
}

interface Entry<T> {
  id: number;
  user: string;
  task: (signal: AbortSignal) => Promise<T>;
  hooks: FairJobHooks;
  controller: AbortController;
  resolve(value: T): void;
  reject(err: unknown): void;
  /** The last position told to onQueued. */
  told: number | null;
}

export const CANCELLED_MESSAGE = 'Cancelled.';

export function createFairQueue<T>(options: FairQueueOptions = {}): FairQueue<T> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number of at least 1, got ${concurrency}`);

  /** Each user's waiting jobs, oldest first (a user with none is removed). */
  const lines = new Map<string, Entry<T>[]>();
  /** When each user last had a job started (a counter); never started: 0. */
  const lastStart = new Map<string, number>();
  const running = new Map<number, Entry<T>>();
  let nextId = 1;
  let starts = 0;

  /** The waiting user a free slot goes to: the one who started something least recently; ties by first come. */
  function nextUser(order: Map<string, number>, users: Iterable<string>): string | undefined {
    let best: string | undefined;
    let bestAt = Infinity;
    for (const user of users) {
      const at = order.get(user) ?? 0;
      if (at < bestAt) {
        best = user;
        bestAt = at;
      }
    }
    return best;
  }

  /** The order in which the waiting jobs would start if nothing new arrived: id → position (1-based). */
  function positions(): Map<number, number> {
    const order = new Map(lastStart);
    const cursor = new Map<string, number>([...lines.keys()].map((u) => [u, 0]));
    const out = new Map<number, number>();
    let tick = starts;
    for (let position = 1; cursor.size > 0; position++) {
      const user = nextUser(order, cursor.keys())!;
      const line = lines.get(user)!;
      const i = cursor.get(user)!;
      out.set(line[i]!.id, position);
      order.set(user, ++tick);
      if (i + 1 < line.length) cursor.set(user, i + 1);
      else cursor.delete(user);
    }
    return out;
  }

  function announce(): void {
    const now = positions();
    for (const line of lines.values()) {
      for (const entry of line) {
        const p = now.get(entry.id)!;
        if (p !== entry.told) {
          entry.told = p;
          entry.hooks.onQueued?.(p);
        }
      }
    }
  }

  function start(entry: Entry<T>): void {
    running.set(entry.id, entry);
    lastStart.set(entry.user, ++starts);
    entry.hooks.onStart?.();
    let outcome: Promise<T>;
    try {
      outcome = entry.task(entry.controller.signal);
    } catch (err) {
      outcome = Promise.reject(err);
    }
    outcome.then(entry.resolve, entry.reject).finally(() => {
      running.delete(entry.id);
      pump();
    });
  }

  function pump(): void {
    let started = false;
    while (running.size < concurrency && lines.size > 0) {
      const user = nextUser(lastStart, lines.keys())!;
      const line = lines.get(user)!;
      const entry = line.shift()!;
      if (line.length === 0) lines.delete(user);
      start(entry);
      started = true;
    }
    if (started) announce();
  }

  function findQueued(id: number): { line: Entry<T>[]; index: number } | null {
    for (const line of lines.values()) {
      const index = line.findIndex((e) => e.id === id);
      if (index >= 0) return { line, index };
    }
    return null;
  }

  function cancel(id: number, reason = CANCELLED_MESSAGE): boolean {
    const active = running.get(id);
    if (active) {
      if (!active.controller.signal.aborted) active.controller.abort(new WorkstationError('cancelled', reason));
      return true;
    }
    const found = findQueued(id);
    if (!found) return false;
    const [entry] = found.line.splice(found.index, 1);
    if (found.line.length === 0) lines.delete(entry!.user);
    entry!.controller.abort(new WorkstationError('cancelled', reason));
    entry!.reject(new WorkstationError('cancelled', reason));
    announce();
    return true;
  }

  function idsOf(user: string | null): number[] {
    const queued = [...lines.entries()].filter(([u]) => user === null || u === user).flatMap(([, line]) => line.map((e) => e.id));
    const active = [...running.values()].filter((e) => user === null || e.user === user).map((e) => e.id);
    return [...queued, ...active];
  }

  return {
    submit(user, task, hooks = {}) {
      let resolve!: (value: T) => void;
      let reject!: (err: unknown) => void;
      const result = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      result.catch(() => undefined); // a caller that never awaits a cancelled job must not see an unhandled rejection
      const entry: Entry<T> = { id: nextId++, user, task, hooks, controller: new AbortController(), resolve, reject, told: null };
      const line = lines.get(user);
      if (line) line.push(entry);
      else lines.set(user, [entry]);
      if (running.size < concurrency) pump();
      else announce();
      return { id: entry.id, user, result };
    },
    cancel,
    cancelUser(user, reason) {
      return idsOf(user).filter((id) => cancel(id, reason)).length;
    },
    cancelAll(reason) {
      return idsOf(null).filter((id) => cancel(id, reason)).length;
    },
    state(id) {
      if (running.has(id)) return 'running';
      return findQueued(id) ? 'queued' : 'finished';
    },
    position(id) {
      if (running.has(id)) return 0;
      return findQueued(id) ? (positions().get(id) ?? null) : null;
    },
    owner(id) {
      return running.get(id)?.user ?? (findQueued(id) ? findQueued(id)!.line[0]!.user : null);
    },
    get waiting() {
      let n = 0;
      for (const line of lines.values()) n += line.length;
      return n;
    },
    get running() {
      return running.size;
    },
  };
}
