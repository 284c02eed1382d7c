// The inference process. One model, one analysis at a time (the client queues); cancel aborts the running one.
// A native crash here (CUDA out of memory, a bad file) ends this process only; the app notices and restarts it.
import { WorkstationError } from '../api/errors';
import { createLocalEngine, EngineInputError } from './engines/local-engine';
import { createRemoteEngine } from './engines/remote-engine';
import type { FromWorker, ToWorker, WorkerErrorCode, WorkerLoadStep } from './protocol';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

// Electron's utilityProcess gives process.parentPort; child_process.fork gives process.send.
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(message: FromWorker): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

function onMessage(listener: (m: ToWorker) => void): void {
  if (parentPort) parentPort.on('message', (e) => listener(e.data as ToWorker));
  else process.on('message', (m) => listener(m as ToWorker));
}

// The load request picks the engine: local model files, or an OpenAI-compatible server (engines/remote-engine.ts).
// Both run here so that queueing, cancel, events and crash recovery are one code path.
const local = createLocalEngine();
const remote = createRemoteEngine();
let engine: typeof local | typeof remote = local;
let running: string | null = null;
const cancelled = new Set<string>();

const PASSED_ON: readonly WorkerErrorCode[] = ['unsupported-input', 'unavailable', 'forbidden', 'not-found', 'cancelled'];

function errorCode(err: unknown): WorkerErrorCode {
  if (err instanceof EngineInputError) return 'unsupported-input';
  if (err instanceof WorkstationError && (PASSED_ON as readonly string[]).includes(err.code)) return err.code as WorkerErrorCode;
  return 'internal';
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'load': {
      try {
        // Switching engines frees the other one (the local model's memory, the remote connection).
        const next = m.engine === 'remote' ? remote : local;
        if (next !== engine) await engine.unload();
        engine = next;
        const step = (s: WorkerLoadStep) => send({ type: 'loadStep', id: m.id, step: s });
        const model = m.engine === 'remote' ? await remote.load(m, step) : await local.load(m, step);
        send({ type: 'loaded', id: m.id, model });
      } catch (err) {
        send({ type: 'error', id: m.id, code: errorCode(err), message: (err as Error).message });
      }
      return;
    }
    case 'unload': {
      await engine.unload();
      send({ type: 'unloaded', id: m.id });
      return;
    }
    case 'cancel': {
      cancelled.add(m.id);
      if (running === m.id) engine.abort();
      return;
    }
    case 'analyze':
    case 'encode': {
      if (cancelled.delete(m.id)) {
        send({ type: 'error', id: m.id, code: 'cancelled', message: 'Cancelled before it started.' });
        return;
      }
      running = m.id;
      send({ type: 'started', id: m.id });
      // The encode runs off this thread and says nothing for minutes at the real size on a CPU: a heartbeat tells the
      // client's watchdog the process still answers (a process that is stopped or blocked sends none).
      const beat = m.heartbeatMs ? setInterval(() => send({ type: 'alive', id: m.id }), m.heartbeatMs) : null;
      try {
        if (m.type === 'encode') {
          // Work ahead: only the local engine encodes images here (a remote server encodes on its side).
          if (engine !== local || !local.loaded) throw new WorkstationError('unavailable', 'Only a loaded local model encodes frames ahead.');
          send({ type: 'encoded', id: m.id, result: await local.encode(m) });
          return;
        }
        const result = await engine.analyze(m, (text) => send({ type: 'token', id: m.id, text }));
        send({ type: 'done', id: m.id, result });
      } catch (err) {
        send({ type: 'error', id: m.id, code: errorCode(err), message: (err as Error).message });
      } finally {
        if (beat) clearInterval(beat);
        running = null;
        cancelled.delete(m.id);
      }
      return;
    }
  }
}

// Messages are handled in order; a cancel must not wait behind the analysis it cancels.
let chain: Promise<void> = Promise.resolve();
onMessage((m) => {
  if (m.type === 'cancel') void handle(m);
  else chain = chain.then(() => handle(m));
});
send({ type: 'ready' });
