// The app's side of the inference process: starts it, loads the model, queues analyses (one runs at a time),
// cancels, and restarts the process, reloading the model, when it dies: after a growing pause, and not again once it
// has died 3 times in 2 minutes (the model is then unloaded, with a message, until the user loads it again). A
// watchdog ends a process that stops answering (no token for a while during an analysis, no start-up message), and
// a process that dies before it is ready fails the call that started it. A cancel the process cannot act on at once
// (llama.cpp's image encode cannot be interrupted: minutes for the real model on a CPU) ends the process after a
// second and loads the model again, so Cancel always means now. While idle it can encode a frame ahead (work ahead:
// encodeAhead), which gives way to the next request by work-ahead-policy.ts's rule. Nothing here imports electron.
import crypto from 'node:crypto';
import type { InferenceStatus, LoadStep } from '../api/schemas';
import { WorkstationError } from '../api/errors';
import { createLoadSteps, createWatchdog, cutShort, describeModel, formatDelay } from './client-status';
import { createCrashPolicy, createRestartWait, describeWindow, type CrashPolicyOptions } from './crash-policy';
import { createJobQueue, type AnalyzeJob, type EncodeJob, type Job, type JobCallbacks } from './job-queue';
import type { AnalyzeRequest, AnalyzeResult, EncodeResult, EngineLoadRequest, FromWorker, LoadedModel, WorkerLoadStep } from './protocol';
import { createEncodeTimes, yieldToRequest } from './work-ahead-policy';
import type { SpawnWorker, WorkerHandle } from './worker-handle';
import { createWorkerProcess } from './worker-process';

export type { JobCallbacks } from './job-queue';

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
  let state: InferenceStatus['state'] = 'no-model';
  let message: string | null = null;
  let lastLoad: EngineLoadRequest | null = null;
  let model: LoadedModel | null = null;
  let running: Job | null = null;
  let closing = false;
  const queue = createJobQueue();
  const crashes = createCrashPolicy(o.crashPolicy);
  const watchdogMs = o.watchdogMs ?? DEFAULT_WATCHDOG_MS;
  const readyTimeoutMs = o.readyTimeoutMs ?? 120_000;
  const cancelGraceMs = o.cancelGraceMs ?? 1_000;
  /** The process ended because a cancel could not stop it: its exit reloads the model instead of counting as a crash. */
  let abandoned: WorkerHandle | null = null;
  /** The process ended to drop an encode ahead before a load or unload: its exit is neither a crash nor reloads. */
  let discarded: WorkerHandle | null = null;
  /** Ends the running job's process when it has not stopped in time (a cancel's grace; an encode ahead giving way). */
  let graceTimer: NodeJS.Timeout | null = null;
  let graceDeadline = Infinity;
  /** The loaded model's measured image encodes: how long an encode ahead still has to run. */
  const encodeTimes = createEncodeTimes();
  /** Bumped by every crash, load and unload: a restart scheduled before one of them does not run. */
  let generation = 0;
  const restart = createRestartWait();
  const cancelRestart = () => restart.cancel();
  /** While loading: each step and when it began. */
  const steps = createLoadSteps();
  const proc = createWorkerProcess({ spawnWorker: o.spawnWorker, readyTimeoutMs, onEvent: (m) => onEvent(m), onExit: (w, code, signal) => onExit(w, code, signal), ...(o.log ? { log: o.log } : {}) });
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
      runningAnalysisId: running?.kind === 'analyze' ? running.id : null,
      queued: queue.length,
      ...(running?.kind === 'encode' ? { encodingAhead: true } : {}),
    };
  }
  function setState(next: InferenceStatus['state'], msg: string | null = null) {
    state = next;
    message = msg;
    o.onStatus?.(status());
  }

  /** While an analysis runs: no start, token or heartbeat for `watchdogMs` means the process hangs (stopped, or its thread blocked); end it (a crash follows). */
  const watchdog = createWatchdog(watchdogMs, (silent) => {
    if (!running || !proc.handle) return;
    o.log?.('error', 'The model process stopped answering during an analysis; ending it.', { pid: proc.handle.pid, silentMs: silent });
    proc.kill(`no output for ${Math.round(silent / 1000)} s during an analysis`);
  });
  const startWatchdog = () => watchdog.start();
  const stopWatchdog = () => watchdog.stop();

  function onEvent(m: FromWorker) {
    if (m.type === 'loadStep') return step(m.step);
    if ((m.type === 'token' || m.type === 'started' || m.type === 'alive') && running?.id === m.id) watchdog.touch();
    if (m.type === 'token') {
      if (running?.id !== m.id) return;
      running.text += m.text;
      running.tokens++;
      return running.callbacks.onToken?.(m.text);
    }
    if (m.type === 'started') return running?.id === m.id && running.callbacks.onStart?.();
  }

  function onExit(w: WorkerHandle, code: number | null, signal: string | null) {
    stopWatchdog();
    if (discarded === w) {
      discarded = null;
      for (const p of proc.takePending()) p.reject(new WorkstationError('cancelled', 'Cancelled.'));
    } else if (abandoned === w) {
      abandoned = null;
      if (!closing) void reloadAfterCancel();
    } else if (!closing) void onCrash(code, signal);
  }

  async function onCrash(code: number | null, signal: string | null) {
    const how = proc.takeExitText(code, signal);
    const gen = ++generation;
    const lost = running?.kind === 'encode' ? 'it was encoding a captured frame ahead (nothing was lost)' : 'the analysis that was running was not saved';
    const why = `The model process ${how}. The app restarted it; ${lost}.`;
    for (const p of proc.takePending()) p.reject(new WorkstationError('unavailable', why));
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
      queue.rejectAll(new WorkstationError('unavailable', message));
      setState('error', message);
      return;
    }
    setState('crashed', `${why} Restarting in ${formatDelay(decision.delayMs)}…`);
    await restart.wait(decision.delayMs);
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
      queue.rejectAll(new WorkstationError('unavailable', `Reloading the model failed: ${(err as Error).message}`));
    }
    pump();
  }

  /**
   * The cancelled job did not stop within the grace (or an encode ahead did not end in time for the next request): it
   * ends now (an analysis: aborted, with what it streamed; an encode ahead: cancelled); its process goes.
   */
  function abandon(job: Job) {
    clearGrace();
    const worker = proc.handle;
    if (running !== job || !worker) return;
    abandoned = worker;
    const what =
      job.kind === 'encode'
        ? 'A frame being encoded ahead had to give way to a request (the image encode cannot be interrupted)'
        : `A cancelled analysis did not stop within ${cancelGraceMs} ms (the image encode cannot be interrupted)`;
    o.log?.('warn', `${what}; ending the model process and loading the model again.`, { pid: worker.pid });
    if (job.kind === 'analyze') job.resolve(cutShort(job.text, job.tokens, performance.now() - job.startedAt));
    worker.kill();
  }

  function clearGrace() {
    if (graceTimer) clearTimeout(graceTimer);
    graceTimer = null;
    graceDeadline = Infinity;
  }

  /** Ends `job`'s process after `ms` unless it ends first (an earlier deadline already set stays). */
  function endAfter(job: Job, ms: number) {
    if (abandoned || !Number.isFinite(ms) || performance.now() + ms >= graceDeadline) return;
    if (graceTimer) clearTimeout(graceTimer);
    if (ms <= 0) return abandon(job);
    graceDeadline = performance.now() + ms;
    graceTimer = setTimeout(() => abandon(job), ms);
    graceTimer.unref?.();
  }

  /** The next request is waiting behind an encode ahead: let it finish or end it (work-ahead-policy.ts). */
  function giveWay(job: EncodeJob, next: AnalyzeRequest | null) {
    const decision = yieldToRequest({
      requestFrameKey: next?.frameKey ?? null,
      encodingFrameKey: job.frameKey,
      elapsedMs: performance.now() - job.startedAt,
      expectedEncodeMs: encodeTimes.expected() ?? job.expectedEncodeMs,
      loadMs: model?.loadMs ?? null,
      graceMs: cancelGraceMs,
    });
    endAfter(job, decision.waitMs);
  }

  /** Before a load or unload: the encode ahead ends by itself within the grace, or its process is ended (no reload). */
  async function dropEncodeAhead(job: EncodeJob): Promise<void> {
    const timer = new Promise<void>((resolve) => setTimeout(resolve, cancelGraceMs).unref?.());
    await Promise.race([job.settled, timer]);
    if (running === job && proc.handle && !abandoned) {
      discarded = proc.handle;
      proc.kill();
    }
    await job.settled;
  }

  /** After a process was ended for a cancel: the same model again, then the queue goes on (not a crash). */
  async function reloadAfterCancel() {
    const gen = ++generation;
    const old = proc.takePending();
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
      queue.rejectAll(new WorkstationError('unavailable', `Loading the model again failed: ${(err as Error).message}`));
      return;
    }
    pump();
  }

  async function doLoad(req: EngineLoadRequest): Promise<LoadedModel> {
    steps.begin(req);
    step('starting');
    setState('loading', null);
    try {
      const r = await proc.request({ type: 'load', ...req });
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

  function pump() {
    if (running || state !== 'ready' || !queue.length) return;
    start(queue.take()!);
  }

  function start(job: Job) {
    running = job;
    job.startedAt = performance.now();
    startWatchdog();
    o.onStatus?.(status());
    job.settled = proc
      .request({ type: job.kind, id: job.id, heartbeatMs: Math.max(20, Math.floor(watchdogMs / 5)), ...job.request })
      .then((m) => {
        if (m.type === 'done' && job.kind === 'analyze') {
          if (m.result.imageEncoded && !m.result.embeddingCached) encodeTimes.add(m.result.encodeMs);
          job.resolve(m.result);
        } else if (m.type === 'encoded' && job.kind === 'encode') {
          if (!m.result.alreadyStored) encodeTimes.add(m.result.encodeMs);
          job.resolve(m.result);
        } else job.reject(new Error('Unexpected reply from the model process.'));
      })
      .catch((err: Error) => job.reject(err))
      .finally(() => {
        if (running === job) clearGrace();
        if (running === job) running = null;
        if (!running) stopWatchdog();
        o.onStatus?.(status());
        pump();
      });
  }

  return {
    status,
    async load(req: EngineLoadRequest): Promise<LoadedModel> {
      if (running?.kind === 'encode') await dropEncodeAhead(running); // (no await otherwise: the process starts at once)
      if (running || queue.length) {
        throw new WorkstationError('conflict', 'An analysis is running or queued. Wait for it or cancel it before changing the model.');
      }
      generation++;
      cancelRestart();
      crashes.reset();
      encodeTimes.clear();
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
      if (running?.kind === 'encode') await dropEncodeAhead(running);
      if (running || queue.length) throw new WorkstationError('conflict', 'An analysis is running or queued. Cancel it before unloading the model.');
      generation++;
      cancelRestart();
      if (proc.handle) await proc.request({ type: 'unload' });
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
        const job: AnalyzeJob = { kind: 'analyze', id, request, callbacks, priority, resolve, reject, text: '', tokens: 0, startedAt: performance.now() };
        queue.add(job);
        o.onStatus?.(status());
        if (running?.kind === 'encode') giveWay(running, queue.head?.request ?? null);
        pump();
      });
    },
    /**
     * Work ahead: encodes the frame's image into the local engine's embedding cache while nothing else runs. Starts
     * only when a local model is ready and no analysis runs or waits (else resolves null at once); resolves null too
     * when it gave way to a request or a load (its process ended). The next analysis never waits long behind it
     * (giveWay). `expectedEncodeMs`: the caller's estimate, used until this client has measured an encode itself.
     */
    encodeAhead(frameKey: string, image: Uint8Array, expectedEncodeMs: number | null = null): Promise<EncodeResult | null> {
      if (state !== 'ready' || running || queue.length || !lastLoad || lastLoad.engine === 'remote') return Promise.resolve(null);
      return new Promise<EncodeResult | null>((resolve, reject) => {
        const gaveWay = (e: Error) => (e instanceof WorkstationError && e.code === 'cancelled' ? resolve(null) : reject(e));
        const job: EncodeJob = { kind: 'encode', id: `ahead-${crypto.randomUUID()}`, request: { image }, frameKey, expectedEncodeMs, callbacks: {}, priority: -Infinity, resolve, reject: gaveWay, text: '', tokens: 0, startedAt: 0 };
        start(job);
      });
    },
    /** Ends the encode ahead if one runs, by the same rule as a request for another frame (the setting was turned off). */
    stopEncodeAhead(): void {
      if (running?.kind === 'encode') giveWay(running, null);
    },
    /** Cancels a queued job (rejected with 'cancelled') or aborts the running one. */
    cancel(id: string): boolean {
      if (queue.cancel(id)) {
        // Nothing waits any more: an encode ahead that was to be ended for it may finish.
        if (running?.kind === 'encode' && !queue.length && !abandoned) clearGrace();
        o.onStatus?.(status());
        return true;
      }
      if (running?.kind === 'analyze' && running.id === id && proc.handle) {
        proc.send({ type: 'cancel', id });
        endAfter(running, cancelGraceMs);
        return true;
      }
      return false;
    },
    /** The process id of the inference process (tests kill it to prove the app survives). */
    get workerPid() {
      return proc.handle?.pid;
    },
    async close(): Promise<void> {
      closing = true;
      cancelRestart();
      stopWatchdog();
      if (graceTimer) clearTimeout(graceTimer);
      queue.rejectAll(new WorkstationError('cancelled', 'The app is closing.'));
      proc.close();
    },
  };
}
export type InferenceClient = ReturnType<typeof createInferenceClient>;
