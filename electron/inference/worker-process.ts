// The inference client's current model process: started on the first request, its start-up watched (a process that
// never says it is ready is ended), requests matched to their replies by id, everything else (load steps, start,
// heartbeats, tokens) passed to the client, and its end reported once. What an end means (a crash, a cancel that
// could not wait, an encode ahead dropped) is the client's business (inference-client.ts).
import crypto from 'node:crypto';
import { WorkstationError } from '../api/errors';
import type { FromWorker } from './protocol';
import type { SpawnWorker, WorkerHandle } from './worker-handle';

interface Pending {
  resolve(m: FromWorker): void;
  reject(e: Error): void;
}

export interface WorkerProcessOptions {
  spawnWorker: SpawnWorker;
  /** A new process that has not said it is ready after this long is taken as hung. */
  readyTimeoutMs: number;
  /** Messages that are not a request's reply: loadStep, started, alive, token. */
  onEvent(m: FromWorker): void;
  /** The process is gone (not called for one that was replaced meanwhile). Its pending requests are still pending. */
  onExit(handle: WorkerHandle, code: number | null, signal: string | null): void;
  log?(level: 'warn' | 'error', message: string, details?: Record<string, unknown>): void;
}

export function createWorkerProcess(o: WorkerProcessOptions) {
  let worker: WorkerHandle | null = null;
  let ready: Promise<void> | null = null;
  const pending = new Map<string, Pending>();
  /** Why the client ended the process itself (the watchdog, the start-up timeout), for the crash message. */
  let killedBecause: string | null = null;

  function exitText(code: number | null, signal: string | null): string {
    if (killedBecause) return `stopped answering (${killedBecause}) and was ended`;
    return signal ? `was killed (${signal})` : `exited with code ${code}`;
  }

  function ensure(): Promise<void> {
    if (worker && ready) return ready;
    const w = o.spawnWorker();
    worker = w;
    let started = false;
    let failStart: (e: Error) => void = () => {};
    const readyTimer = setTimeout(() => {
      if (worker !== w || started) return;
      killedBecause = `did not start within ${Math.round(o.readyTimeoutMs / 1000)} s`;
      o.log?.('error', 'The model process did not say it was ready; ending it.', { pid: w.pid, readyTimeoutMs: o.readyTimeoutMs });
      w.kill();
    }, o.readyTimeoutMs);
    readyTimer.unref?.();
    ready = new Promise<void>((resolve, reject) => {
      failStart = reject;
      w.onMessage((raw) => {
        const m = raw as FromWorker;
        if (m.type === 'ready') {
          started = true;
          clearTimeout(readyTimer);
          return resolve();
        }
        route(m);
      });
    });
    ready.catch(() => undefined); // a caller that awaits it sees the rejection; nobody else must
    w.onExit(({ code, signal }) => {
      clearTimeout(readyTimer);
      if (!started) failStart(new WorkstationError('unavailable', `The model process ${exitText(code, signal)} before it was ready. Try loading the model again; the log has the details.`));
      if (worker !== w) return;
      worker = null;
      ready = null;
      o.onExit(w, code, signal);
    });
    return ready;
  }

  function route(m: FromWorker) {
    if (m.type === 'loadStep' || m.type === 'started' || m.type === 'alive' || m.type === 'token') return o.onEvent(m);
    const p = 'id' in m ? pending.get(m.id) : undefined;
    if (!p || !('id' in m)) return;
    pending.delete(m.id);
    if (m.type === 'error') p.reject(new WorkstationError(m.code, m.message));
    else p.resolve(m);
  }

  return {
    /** The process now, or null before the first request and after it ended. */
    get handle(): WorkerHandle | null {
      return worker;
    },
    /** Sends a request (starting the process first when needed) and resolves with its reply; an 'error' reply rejects. */
    async request(message: { type: string; id?: string } & Record<string, unknown>): Promise<FromWorker> {
      await ensure();
      const id = message.id ?? crypto.randomUUID();
      return new Promise<FromWorker>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker!.send({ ...message, id });
      });
    },
    send(message: unknown): void {
      worker?.send(message);
    },
    /** Ends the process; `because` (the watchdog's reason) goes into the message of the crash that follows. */
    kill(because?: string): void {
      if (because) killedBecause = because;
      worker?.kill();
    },
    /** How the process ended, for messages; forgets why it was ended (the next end is told afresh). */
    takeExitText(code: number | null, signal: string | null): string {
      const text = exitText(code, signal);
      killedBecause = null;
      return text;
    },
    /** The requests waiting for a reply, handed over (for the caller to reject) and forgotten. */
    takePending(): Pending[] {
      const all = [...pending.values()];
      pending.clear();
      return all;
    },
    /** Forgets the process (closing: it is killed, and its end is nobody's concern). */
    close(): void {
      worker?.kill();
      worker = null;
      ready = null;
    },
  };
}
export type WorkerProcess = ReturnType<typeof createWorkerProcess>;
