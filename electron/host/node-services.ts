// How the services run outside Electron (the browser host, the CLIs, and the tests and benchmarks that drive them):
// the inference worker as a forked Node process (its stderr into the log), secrets in a 0600 file in the data
// folder, the log in <data>/logs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppServicesOptions } from '../core/app-services';
import { logsDir, openAppLog, type AppLog } from '../core/logging/app-log';
import { appRoot } from '../core/paths';
import { createFileSecretStore, SECRETS_FILE_NAME } from '../core/secrets/secret-store-file';
import { createForkWorker } from '../inference/fork-worker';

/** The log of a data folder: paths in the app's folder and the data folder keep their shape, others do not. */
export function openNodeLog(dataDir: string): AppLog {
  return openAppLog({
    dir: logsDir(dataDir),
    roots: [
      { dir: path.resolve(dataDir), label: '<data>' },
      { dir: appRoot(path.dirname(fileURLToPath(import.meta.url))), label: '<app>' },
    ],
  });
}

export function nodeServiceOptions(dataDir: string, appVersion: string, emit: AppServicesOptions['emit'], log: AppLog = openNodeLog(dataDir)): AppServicesOptions & { log: AppLog } {
  return {
    dataDir,
    transport: 'browser-host',
    appVersion,
    spawnWorker: createForkWorker({ onStderr: (line) => log.warn('Inference process stderr', { line }) }),
    emit,
    secrets: createFileSecretStore(path.join(dataDir, SECRETS_FILE_NAME)),
    log,
  };
}
