// How the services run outside Electron (the browser host, the CLIs, and the tests and benchmarks that drive them):
// the inference worker as a forked Node process, secrets in a 0600 file in the data folder.
import path from 'node:path';
import type { AppServicesOptions } from '../core/app-services';
import { createFileSecretStore, SECRETS_FILE_NAME } from '../core/secrets/secret-store-file';
import { forkWorker } from '../inference/fork-worker';

export function nodeServiceOptions(dataDir: string, appVersion: string, emit: AppServicesOptions['emit']): AppServicesOptions {
  return {
    dataDir,
    transport: 'browser-host',
    appVersion,
    spawnWorker: forkWorker,
    emit,
    secrets: createFileSecretStore(path.join(dataDir, SECRETS_FILE_NAME)),
  };
}
