// The inference process in the app: Electron's utilityProcess running dist/inference/worker-main.js.
// (child_process.fork cannot be used: the runAsNode fuse is off in packaged builds.)
// In the child, messages arrive on process.parentPort ('message' with event.data) and leave through
// process.parentPort.postMessage; both sides use structured clone, so Uint8Array travels as is.
import type { ForkOptions, UtilityProcess } from 'electron';
import type { SpawnWorker, WorkerHandle } from '../inference/worker-handle';

export type ForkUtility = (modulePath: string, args?: string[], options?: ForkOptions) => UtilityProcess;

export interface UtilityWorkerOptions {
  /** Absolute path of the bundled worker (dist/inference/worker-main.js). */
  workerFile: string;
  serviceName?: string;
  log?: (message: string) => void;
}

/** A SpawnWorker over utilityProcess.fork (pass `utilityProcess.fork.bind(utilityProcess)` or a fake). */
export function createUtilityWorkerSpawner(fork: ForkUtility, options: UtilityWorkerOptions): SpawnWorker {
  const log = options.log ?? ((m: string) => console.error(m));
  return () => {
    const child = fork(options.workerFile, [], { serviceName: options.serviceName ?? 'Inference', stdio: 'inherit' });
    let alive = true;
    child.once('exit', () => {
      alive = false;
    });
    child.on('error', (type, location) => log(`[inference] ${type} at ${location}`));
    const handle: WorkerHandle = {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (alive) child.postMessage(message);
      },
      onMessage(listener) {
        child.on('message', listener);
      },
      onExit(listener) {
        // utilityProcess reports only an exit code (a crash shows as a non-zero code), never a signal.
        child.once('exit', (code) => listener({ code, signal: null }));
      },
      kill() {
        if (alive) child.kill();
      },
    };
    return handle;
  };
}
