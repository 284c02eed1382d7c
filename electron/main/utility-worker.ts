// The inference process in the app: Electron's utilityProcess running dist/inference/worker-main.js.
// (child_process.fork cannot be used: the runAsNode fuse is off in packaged builds.)
// In the child, messages arrive on process.parentPort ('message' with event.data) and leave through
// process.parentPort.postMessage; both sides use structured clone, so Uint8Array travels as is.
import type { ForkOptions, UtilityProcess } from 'electron';
import readline from 'node:readline';
import type { SpawnWorker, WorkerHandle } from '../inference/worker-handle';

export type ForkUtility = (modulePath: string, args?: string[], options?: ForkOptions) => UtilityProcess;

export interface UtilityWorkerOptions {
  /** Absolute path of the bundled worker (dist/inference/worker-main.js). */
  workerFile: string;
  serviceName?: string;
  log?: (message: string) => void;
  /** Each line the process writes to stderr (the app log); default: main's stderr. */
  onStderr?: (line: string) => void;
}

/** How long a killed process may take to exit before it is sent SIGKILL (a stopped or hung process ignores SIGTERM). */
const KILL_GRACE_MS = 2_000;

/** A SpawnWorker over utilityProcess.fork (pass `utilityProcess.fork.bind(utilityProcess)` or a fake). */
export function createUtilityWorkerSpawner(fork: ForkUtility, options: UtilityWorkerOptions): SpawnWorker {
  const log = options.log ?? ((m: string) => console.error(m));
  return () => {
    const child = fork(options.workerFile, [], { serviceName: options.serviceName ?? 'Inference', stdio: options.onStderr ? ['ignore', 'inherit', 'pipe'] : 'inherit' });
    let alive = true;
    child.once('exit', () => {
      alive = false;
    });
    if (options.onStderr && child.stderr) {
      const onStderr = options.onStderr;
      readline.createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
        if (line.trim()) onStderr(line);
      });
    }
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
        if (!alive) return;
        child.kill();
        const pid = child.pid;
        setTimeout(() => {
          if (!alive || pid === undefined) return;
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }, KILL_GRACE_MS).unref();
      },
    };
    return handle;
  };
}
