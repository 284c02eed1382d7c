// The app's side of the inference process: starts it, loads the model, queues analyses (one runs at a time),
// cancels, and restarts the process, reloading the model, when it dies. Nothing here imports electron.
import crypto from 'node:crypto';
import type { InferenceStatus } from '../api/schemas';
import { WorkstationError } from '../api/errors';
import type { AnalyzeRequest, AnalyzeResult, EngineLoadRequest, FromWorker, LoadedModel } from './protocol';
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
}

interface Pending {
  resolve(m: FromWorker): void;
  reject(e: Error): void;
}

export interface InferenceClientOptions {
  spawnWorker: SpawnWorker;
  onStatus?(status: InferenceStatus): void;
}

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

  function status(): InferenceStatus {
    return {
      state,
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
    ready = new Promise<void>((resolve) => {
      w.onMessage((raw) => {
        const m = raw as FromWorker;
        if (m.type === 'ready') return resolve();
        route(m);
      });
    });
    w.onExit(({ code, signal }) => {
      if (worker !== w) return;
      worker = null;
      ready = null;
      if (!closing) void onCrash(code, signal);
    });
    return ready;
  }

  function route(m: FromWorker) {
    if (m.type === 'token') return running?.id === m.id && running.callbacks.onToken?.(m.text);
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

  async function onCrash(code: number | null, signal: string | null) {
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    const why = `The model process ${how}. The app restarted it; the analysis that was running was not saved.`;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new WorkstationError('unavailable', why));
    }
    running = null;
    if (!lastLoad) {
      setState('no-model', why);
      return;
    }
    setState('crashed', why);
    try {
      await doLoad(lastLoad);
      message = why;
      o.onStatus?.(status());
    } catch (err) {
      setState('error', `${why} Reloading the model failed: ${(err as Error).message}`);
    }
    pump();
  }

  async function doLoad(req: EngineLoadRequest): Promise<LoadedModel> {
    setState('loading', null);
    const r = await request({ type: 'load', ...req });
    if (r.type !== 'loaded') throw new Error('Unexpected reply from the model process.');
    model = r.model;
    lastLoad = req;
    setState('ready', r.model.device.fallbackReason);
    return r.model;
  }

  function announcePositions() {
    queue.forEach((job, i) => job.callbacks.onQueued?.(i + 1));
  }

  function pump() {
    if (running || state !== 'ready' || !queue.length) return;
    const job = queue.shift()!;
    running = job;
    announcePositions();
    o.onStatus?.(status());
    request({ type: 'analyze', id: job.id, ...job.request })
      .then((m) => {
        if (m.type === 'done') job.resolve(m.result);
        else job.reject(new Error('Unexpected reply from the model process.'));
      })
      .catch((err: Error) => job.reject(err))
      .finally(() => {
        if (running === job) running = null;
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
        const job: Job = { id, request, callbacks, priority, resolve, reject };
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
        worker.send({ type: 'cancel', id });
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
      for (const job of queue.splice(0)) job.reject(new WorkstationError('cancelled', 'The app is closing.'));
      worker?.kill();
      worker = null;
    },
  };
}
export type InferenceClient = ReturnType<typeof createInferenceClient>;

/** The status line's model: files for the local engine; server and model id for the remote one (never the key). */
function describeModel(model: LoadedModel, req: EngineLoadRequest): NonNullable<InferenceStatus['model']> {
  const common = { name: model.name, imageSize: model.imageSize, contextSize: model.contextSize };
  if (req.engine === 'remote') return { ...common, modelPath: '', mmprojPath: '', engine: 'remote', serverUrl: req.url, remoteModel: req.model };
  return { ...common, modelPath: req.modelPath, mmprojPath: req.mmprojPath };
}
