// The inference process under plain Node (browser host, CLI, tests): child_process.fork of worker-main.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
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

export const forkWorker: SpawnWorker = () => {
  const entry = workerEntry();
  const child = fork(entry.file, [], {
    execArgv: entry.execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
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
