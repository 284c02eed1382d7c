// The inference process under plain Node (browser host, CLI, tests): child_process.fork of worker-main.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SpawnWorker, WorkerHandle } from './worker-handle';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The worker entry: the built bundle next to this file when bundled, else the TypeScript source via tsx. */
export function workerEntry(): { file: string; execArgv: string[] } {
  // Bundled: dist/inference/worker-main.js, next to this module or beside the bundle that inlined it.
  for (const built of [path.join(here, 'worker-main.js'), path.join(here, '..', 'inference', 'worker-main.js')]) {
    if (fs.existsSync(built)) return { file: built, execArgv: [] };
  }
  return { file: path.join(here, 'worker-main.ts'), execArgv: ['--import', 'tsx'] };
}

export interface ForkWorkerOptions {
  /** Each line the process writes to stderr (llama.cpp's own messages, a native abort's last words); default: our stderr. */
  onStderr?: (line: string) => void;
}

/** A SpawnWorker over child_process.fork; with `onStderr`, the process's stderr goes there line by line (the app log). */
export function createForkWorker(options: ForkWorkerOptions = {}): SpawnWorker {
  return () => {
    const entry = workerEntry();
    const child = fork(entry.file, [], {
      execArgv: entry.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', options.onStderr ? 'pipe' : 'inherit', 'ipc'],
    });
    if (options.onStderr && child.stderr) {
      const onStderr = options.onStderr;
      readline.createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
        if (line.trim()) onStderr(line);
      });
    }
    const handle: WorkerHandle = {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (child.connected) child.send(message as never);
      },
      onMessage(listener) {
        child.on('message', listener);
      },
      onExit(listener) {
        child.once('exit', (code, signal) => listener({ code, signal }));
      },
      kill() {
        child.kill('SIGKILL');
      },
    };
    return handle;
  };
}

/** The worker with its stderr on ours (CLIs that show llama.cpp's messages in the terminal). */
export const forkWorker: SpawnWorker = createForkWorker();
