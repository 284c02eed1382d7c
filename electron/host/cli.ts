// `npm run serve -- [--port N] [--data DIR]`: the workstation in a browser, on this machine only.
// `npm run serve -- --db postgres://… --listen ADDR:PORT --tls-cert F --tls-key F --media DIR …`: the department server
// (department/cli.ts) instead, for many reviewers.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startWorkstation } from '../core/library/workstation';
import { startupFacts } from '../core/logging/app-log';
import { appRoot, defaultDataDir } from '../core/paths';
import { createEventHub } from './event-hub';
import { startBrowserHost } from './server';
import { nodeServiceOptions } from './node-services';

const USAGE = 'Usage: npm run serve -- [--port N] [--data DIR]\n   or: npm run serve -- --db postgres://… --listen ADDR:PORT … (the department server: npm run serve -- --db x --help)';

async function main() {
  const argv = process.argv.slice(2);
  if (argv.some((a) => a === '--db' || a.startsWith('--db='))) {
    const { startDepartmentCli } = await import('./department/cli');
    startDepartmentCli(argv);
    return;
  }
  let values: { port?: string; data?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { port: { type: 'string' }, data: { type: 'string' }, help: { type: 'boolean' } } }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a number from 0 to 65535 (0 picks a free port).\n${USAGE}`);
    process.exit(2);
  }
  const root = appRoot(path.dirname(fileURLToPath(import.meta.url)));
  const rendererDir = path.join(root, 'dist', 'renderer');
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    console.error('The user interface is not built yet. Run `npm run build` first, then `npm run serve` again.');
    process.exit(1);
  }
  const dataDir = path.resolve(values.data ?? defaultDataDir());
  fs.mkdirSync(dataDir, { recursive: true });
  const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

  const events = createEventHub();
  const options = nodeServiceOptions(dataDir, version, events.emit);
  const log = options.log;
  log.info('Starting', startupFacts({ version, transport: 'browser-host' }));
  // A monitor: logged (synchronously), then Node ends the process as it would have.
  process.on('uncaughtExceptionMonitor', (err, origin) => log.error(`Uncaught ${origin === 'unhandledRejection' ? 'promise rejection' : 'exception'} in the browser host`, err));
  let services;
  try {
    services = startWorkstation({ ...options, onBackupError: (err) => log.error('The daily backup failed', err) });
  } catch (err) {
    log.error('The library could not be opened', err);
    console.error((err as Error).message);
    process.exit(1);
  }
  const host = await startBrowserHost({ services, events, rendererDir, port, log });
  console.log(`Data folder: ${dataDir}`);
  console.log(`Log folder: ${log.dir}`);
  try {
    await services.ready; // the library's integrity check (on a worker thread) and open
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  if (services.mode === 'recovery') {
    // The library file is left exactly as it is; the page shows the recovery screen (restore a backup, open another file).
    const status = services.recoveryStatus();
    console.error(`The library could not be opened: ${status.problem?.message ?? 'unknown problem'}`);
    console.error(`Library file: ${status.file} (not changed). ${status.backups.length} backup(s) available.`);
    console.log(`Recovery mode: ${host.url}`);
  } else {
    console.log(`Workstation ready: ${host.url}`);
  }

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await host.close();
    await services.close();
    log.info('Stopped');
    await log.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

void main();
