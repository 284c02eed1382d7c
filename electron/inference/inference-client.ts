// The app's side of the inference process: starts it, loads the model, queues analyses (one runs at a time),
// cancels, and restarts the process, reloading the model, when it dies: after a growing pause, and not again once it
// has died 3 times in 2 minutes (the model is then unloaded, with a message, until the user loads it again). A
// watchdog ends a process that stops answering (no token for a while during an analysis, no start-up message), and
// a process that dies before it is ready fails the call that started it. A cancel the process cannot act on at once
// (llama.cpp's image encode cannot be interrupted: minutes for the real model on a CPU) ends the process after a
// second and loads the model again, so Cancel always means now. Nothing here imports electron.
import crypto from 'node:crypto';
import type { InferenceStatus, LoadStep } from '../api/schemas';
import { WorkstationError } from '../api/errors';
import { createLoadSteps, createWatchdog, cutShort, describeModel, formatDelay } from './client-status';
import { createCrashPolicy, describeWindow, type CrashPolicyOptions } from './crash-policy';
import type { AnalyzeRequest, AnalyzeResult, EngineLoadRequest, FromWorker, LoadedModel, WorkerLoadStep } from './protocol';
import type { SpawnWorker, WorkerHandle } from './worker-handle';

export interface JobCallbacks {
  onQueued?(position: number): void;
  onStart?(): void;
  onToken?(text: string): void;
}

interface Job {
  id: string;
  request: AnalyzeRequest;
  callbacks: JobCallbacks;
  priority: number;
  resolve(r: AnalyzeResult): void;
  reject(e: Error): void;
  /** The text streamed so far (kept for an answer cut short by abandoning the process). */
  text: string;
  tokens: number;
  startedAt: number;
}

interface Pending {
  resolve(m: FromWorker): void;
  reject(e: Error): void;
}

export interface InferenceClientOptions {
  spawnWorker: SpawnWorker;
  onStatus?(status: InferenceStatus): void;
  /** Restart backoff and the crash limit (defaults: 1 s doubling, 3 crashes in 2 minutes). */
  crashPolicy?: CrashPolicyOptions;
  /** An analysis that sends nothing (no start, no token) for this long is taken as hung (default 180 s). */
  watchdogMs?: number;
  /** A new process that has not said it is ready after this long is taken as hung (default 120 s). */
  readyTimeoutMs?: number;
  /**
   * How long a cancelled analysis may take to stop before its process is ended and the model loaded again (default
   * 1 s): the image encode cannot be interrupted, and takes minutes at the real size on a CPU.
   */
  cancelGraceMs?: number;
  /** Told about crashes, restarts and the watchdog (the app log). */
  log?(level: 'warn' | 'error', message: string, details?: Record<string, unknown>): void;
}

export const DEFAULT_WATCHDOG_MS = 180_000;

export function createInferenceClient(o: InferenceClientOptions) {
  let worker: WorkerHandle | null = null;
  let ready: Promise<void> | null = null;
  let state: InferenceStatus['state'] = 'no-model';
  let message: string | null = null;
  let lastLoad: EngineLoadRequest | null = null;
  let model: LoadedModel | null = null;
  let running: Job | null = null;
  let closing = false;
  const queue: Job[] = [];
  const pending = new Map<string, Pending>();
  const crashes = createCrashPolicy(o.crashPolicy);
  const watchdogMs = o.watchdogMs ?? DEFAULT_WATCHDOG_MS;
  const readyTimeoutMs = o.readyTimeoutMs ?? 120_000;
  const cancelGraceMs = o.cancelGraceMs ?? 1_000;
  /** The process ended because a cancel could not stop it: its exit reloads the model instead of counting as a crash. */
  let abandoned: WorkerHandle | null = null;
  let graceTimer: NodeJS.Timeout | null = null;
  /** Bumped by every crash, load and unload: a restart scheduled before one of them does not run. */
  let generation = 0;
  /** Why the client ended the process itself (the watchdog), for the crash message. */
  let killedBecause: string | null = null;
  let restartTimer: { timer: NodeJS.Timeout; resolve(): void } | null = null;
  /** While loading: each step and when it began. */
  const steps = createLoadSteps();
  function step(id: LoadStep['id'] | WorkerLoadStep) {
    if (steps.mark(id) && state === 'loading') o.onStatus?.(status());
  }

  function status(): InferenceStatus {
    const progress = state === 'loading' ? steps.snapshot() : undefined;
    return {
      state,
      ...(progress ? { loadSteps: progress } : {}),
      message,
      model: model && lastLoad ? describeModel(model, lastLoad) : null,
      device: model?.device ?? null,
      runningAnalysisId: running?.id ?? null,
      queued: queue.length,
    };
  }
  function setState(next: InferenceStatus['state'], msg: string | null = null) {
    state = next;
    message = msg;
    o.onStatus?.(status());
  }

  function ensureWorker(): Promise<void> {
    if (worker && ready) return ready;
    const w = o.spawnWorker();
    worker = w;
    let started = false;
    let failStart: (e: Error) => void = () => {};
    const readyTimer = setTimeout(() => {
      if (worker !== w || started) return;
      killedBecause = `did not start within ${Math.round(readyTimeoutMs / 1000)} s`;
      o.log?.('error', 'The model process did not say it was ready; ending it.', { pid: w.pid, readyTimeoutMs });
      w.kill();
    }, readyTimeoutMs);
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
      stopWatchdog();
      if (abandoned === w) {
        abandoned = null;
        if (!closing) void reloadAfterCancel();
      } else if (!closing) void onCrash(code, signal);
    });
    return ready;
  }

  function exitText(code: number | null, signal: string | null): string {
    if (killedBecause) return `stopped answering (${killedBecause}) and was ended`;
    return signal ? `was killed (${signal})` : `exited with code ${code}`;
  }

  /** While an analysis runs: no start, token or heartbeat for `watchdogMs` means the process hangs (stopped, or its thread blocked); end it (a crash follows). */
  const watchdog = createWatchdog(watchdogMs, (silent) => {
    if (!running || !worker) return;
    killedBecause = `no output for ${Math.round(silent / 1000)} s during an analysis`;
    o.log?.('error', 'The model process stopped answering during an analysis; ending it.', { pid: worker.pid, silentMs: silent });
    worker.kill();
  });
  const startWatchdog = () => watchdog.start();
  const stopWatchdog = () => watchdog.stop();

  function route(m: FromWorker) {
    if (m.type === 'loadStep') return step(m.step);
    if ((m.type === 'token' || m.type === 'started' || m.type === 'alive') && running?.id === m.id) watchdog.touch();
    if (m.type === 'alive') return;
    if (m.type === 'token') {
      if (running?.id !== m.id) return;
      running.text += m.text;
      running.tokens++;
      return running.callbacks.onToken?.(m.text);
    }
    if (m.type === 'started') return running?.id === m.id && running.callbacks.onStart?.();
    const p = 'id' in m ? pending.get(m.id) : undefined;
    if (!p || !('id' in m)) return;
    pending.delete(m.id);
    if (m.type === 'error') p.reject(new WorkstationError(m.code, m.message));
    else p.resolve(m);
  }

  async function request(message: { type: string; id?: string } & Record<string, unknown>): Promise<FromWorker> {
    await ensureWorker();
    const id = message.id ?? crypto.randomUUID();
    return new Promise<FromWorker>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker!.send({ ...message, id });
    });
  }

  function waitBeforeRestart(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        restartTimer = null;
        resolve();
      }, ms);
      timer.unref?.();
      restartTimer = { timer, resolve };
    });
  }
  function cancelRestart() {
    if (!restartTimer) return;
    clearTimeout(restartTimer.timer);
    restartTimer.resolve();
    restartTimer = null;
  }

  function rejectQueue(error: WorkstationError) {
    for (const job of queue.splice(0)) job.reject(error);
  }

  async function onCrash(code: number | null, signal: string | null) {
    const how = exitText(code, signal);
    killedBecause = null;
    const gen = ++generation;
    const why = `The model process ${how}. The app restarted it; the analysis that was running was not saved.`;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new WorkstationError('unavailable', why));
    }
    running = null;
    cancelRestart();
    if (!lastLoad) {
      setState('no-model', why);
      return;
    }
    const decision = crashes.crashed(Date.now());
    o.log?.('error', `The model process ${how}.`, { code, signal, crashesInWindow: decision.count });
    if (decision.action === 'give-up') {
      model = null;
      lastLoad = null;
      const message =
        `The model process stopped ${decision.count} times within ${describeWindow(decision.windowMs)}, so the model was unloaded instead of being ` +
        'restarted again. This usually means it does not fit in memory (try the CPU, a smaller quantisation or a smaller context) or a model file ' +
        `is damaged. Press "Load again" to try once more. (The last time, the process ${how}.)`;
      rejectQueue(new WorkstationError('unavailable', message));
      setState('error', message);
      return;
    }
    setState('crashed', `${why} Restarting in ${formatDelay(decision.delayMs)}…`);
    await waitBeforeRestart(decision.delayMs);
    if (gen !== generation || closing || !lastLoad) return; // a newer crash, load, unload or close took over
    try {
      await doLoad(lastLoad);
      if (gen !== generation) return;
      message = why;
      o.onStatus?.(status());
    } catch (err) {
      // A process that died again is handled by the next onCrash; a load the engine refused ends here.
      if (gen !== generation) return;
      model = null;
      setState('error', `${why} Reloading the model failed: ${(err as Error).message}`);
      rejectQueue(new WorkstationError('unavailable', `Reloading the model failed: ${(err as Error).message}`));
    }
    pump();
  }

  /** The cancelled job did not stop within the grace: it ends now (aborted, with what it streamed); its process goes. */
  function abandon(job: Job) {
    graceTimer = null;
    if (running !== job || !worker) return;
    abandoned = worker;
    o.log?.('warn', `A cancelled analysis did not stop within ${cancelGraceMs} ms (the image encode cannot be interrupted); ending the model process and loading the model again.`, {
      pid: worker.pid,
    });
    job.resolve(cutShort(job.text, job.tokens, performance.now() - job.startedAt));
    worker.kill();
  }

  /** After a process was ended for a cancel: the same model again, then the queue goes on (not a crash). */
  async function reloadAfterCancel() {
    const gen = ++generation;
    const old = [...pending.values()];
    pending.clear();
    if (!lastLoad) {
      running = null;
      setState('no-model', null);
      for (const p of old) p.reject(new WorkstationError('cancelled', 'Cancelled.'));
      return;
    }
    const loading = doLoad(lastLoad); // sets 'loading' at once, so nothing queued starts on the old process
    for (const p of old) p.reject(new WorkstationError('cancelled', 'Cancelled.'));
    try {
      await loading;
    } catch (err) {
      if (gen !== generation) return;
      model = null;
      setState('error', `The model was loaded again after a cancel, and that failed: ${(err as Error).message}`);
      rejectQueue(new WorkstationError('unavailable', `Loading the model again failed: ${(err as Error).message}`));
      return;
    }
    pump();
  }

  async function doLoad(req: EngineLoadRequest): Promise<LoadedModel> {
    steps.begin(req);
    step('starting');
    setState('loading', null);
    try {
      const r = await request({ type: 'load', ...req });
      if (r.type !== 'loaded') throw new Error('Unexpected reply from the model process.');
      model = r.model;
      lastLoad = req;
      steps.clear();
      setState('ready', r.model.device.fallbackReason);
      return r.model;
    } finally {
      steps.clear();
    }
  }

  function announcePositions() {
    queue.forEach((job, i) => job.callbacks.onQueued?.(i + 1));
  }

  function pump() {
    if (running || state !== 'ready' || !queue.length) return;
    const job = queue.shift()!;
    running = job;
    job.startedAt = performance.now();
    startWatchdog();
    announcePositions();
    o.onStatus?.(status());
    request({ type: 'analyze', id: job.id, heartbeatMs: Math.max(20, Math.floor(watchdogMs / 5)), ...job.request })
      .then((m) => {
        if (m.type === 'done') job.resolve(m.result);
        else job.reject(new Error('Unexpected reply from the model process.'));
      })
      .catch((err: Error) => job.reject(err))
      .finally(() => {
        if (graceTimer && running === job) {
          clearTimeout(graceTimer);
          graceTimer = null;
        }
        if (running === job) running = null;
        if (!running) stopWatchdog();
        o.onStatus?.(status());
        pump();
      });
  }

  return {
    status,
    async load(req: EngineLoadRequest): Promise<LoadedModel> {
      if (running || queue.length) {
        throw new WorkstationError('conflict', 'An analysis is running or queued. Wait for it or cancel it before changing the model.');
      }
      generation++;
      cancelRestart();
      crashes.reset();
      try {
        return await doLoad(req);
      } catch (err) {
        model = null;
        lastLoad = null;
        const msg = (err as Error).message;
        setState('no-model', msg);
        if (err instanceof WorkstationError) throw err;
        throw new WorkstationError('unsupported-input', msg);
      }
    },
    async unload(): Promise<void> {
      if (running || queue.length) throw new WorkstationError('conflict', 'An analysis is running or queued. Cancel it before unloading the model.');
      generation++;
      cancelRestart();
      if (worker) await request({ type: 'unload' });
      model = null;
      lastLoad = null;
      setState('no-model', null);
    },
    get model() {
      return model;
    },
    get loadRequest() {
      return lastLoad;
    },
    /** Queues an analysis; resolves when it finishes (stopReason 'aborted' when cancelled while running). */
    analyze(id: string, request: AnalyzeRequest, callbacks: JobCallbacks = {}, priority = 0): Promise<AnalyzeResult> {
      if (state !== 'ready' && state !== 'crashed' && state !== 'loading') {
        return Promise.reject(new WorkstationError('unavailable', 'No model is loaded. Load one in Models first.'));
      }
      return new Promise<AnalyzeResult>((resolve, reject) => {
        const job: Job = { id, request, callbacks, priority, resolve, reject, text: '', tokens: 0, startedAt: performance.now() };
        const at = queue.findIndex((j) => j.priority < priority);
        if (at === -1) queue.push(job);
        else queue.splice(at, 0, job);
        announcePositions();
        o.onStatus?.(status());
        pump();
      });
    },
    /** Cancels a queued job (rejected with 'cancelled') or aborts the running one. */
    cancel(id: string): boolean {
      const i = queue.findIndex((j) => j.id === id);
      if (i >= 0) {
        const [job] = queue.splice(i, 1);
        job!.reject(new WorkstationError('cancelled', 'Cancelled before it started.'));
        announcePositions();
        o.onStatus?.(status());
        return true;
      }
      if (running?.id === id && worker) {
        const job = running;
        worker.send({ type: 'cancel', id });
        if (!graceTimer && !abandoned) {
          graceTimer = setTimeout(() => abandon(job), cancelGraceMs);
          graceTimer.unref?.();
        }
        return true;
      }
      return false;
    },
    /** The process id of the inference process (tests kill it to prove the app survives). */
    get workerPid() {
      return worker?.pid;
    },
    async close(): Promise<void> {
      closing = true;
      cancelRestart();
      stopWatchdog();
      if (graceTimer) clearTimeout(graceTimer);
      for (const job of queue.splice(0)) job.reject(new WorkstationError('cancelled', 'The app is closing.'));
      worker?.kill();
      worker = null;
    },
  };
}
export type InferenceClient = ReturnType<typeof createInferenceClient>;
