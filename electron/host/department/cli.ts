// `npm run serve -- --db postgres://…` (or `npm run serve:department -- …`): `--db postgres://… --listen ADDR:PORT [--tls-cert F --tls-key F]
//    [--engine-url URL --engine-key-file F] [--bootstrap-admin NAME --admin-password-file F] [--media DIR [--partial-max-age 7d]]`
// The department library over HTTPS (electron/host/department). Exit codes: 2 for a command line it refuses (plain
// HTTP on a network address, a missing file), 1 when the library cannot be opened.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appRoot } from '../../core/paths';
import { createAccounts } from '../../core/department/accounts';
import { createAnalysesStore } from '../../core/department/analyses-store';
import { openLibraryDb } from '../../core/department/db';
import { createLibraryStore } from '../../core/department/library-store';
import { DEFAULT_PARTIAL_MAX_AGE_MS } from '../../core/department/media-store';
import { migrateLibrary } from '../../core/department/migrations';
import { formatDuration, parseDepartmentArgs, USAGE, UsageError, type DepartmentCliOptions } from './options';
import { inProcessReviewEvents, postgresReviewEvents } from './review-events';
import { startDepartmentServer, type DepartmentLog } from './server';

const log: DepartmentLog = {
  info: (message) => console.log(`${new Date().toISOString()} ${message}`),
  error: (message, err) => console.error(`${new Date().toISOString()} ${message}${err === undefined ? '' : `\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}`}`),
};

function refuse(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

function readFileOrRefuse(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    return refuse(`Cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
}

/** A secret kept in a file: trimmed, not empty; a file others may read gets a warning (not a refusal). */
function readSecretFile(file: string, what: string): string {
  const text = readFileOrRefuse(file, what).toString('utf8').trim();
  if (!text) refuse(`${what} ${file} is empty.`);
  if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) {
    console.error(`Warning: ${what} ${file} can be read by other users of this machine (chmod 600 it).`);
  }
  return text;
}

function parse(argv: string[]): DepartmentCliOptions {
  try {
    const parsed = parseDepartmentArgs(argv);
    if (parsed === 'help') {
      console.log(USAGE);
      process.exit(0);
    }
    return parsed;
  } catch (err) {
    if (err instanceof UsageError) refuse(`${err.message}\n${USAGE}`);
    throw err;
  }
}

/** Runs the department server with this command line (the process exits on a refusal, and on SIGINT / SIGTERM). */
export async function runDepartmentCli(argv: string[]): Promise<void> {
  const options = parse(argv);
  const tls = options.tls ? { cert: readFileOrRefuse(options.tls.certFile, 'the TLS certificate'), key: readFileOrRefuse(options.tls.keyFile, 'the TLS key') } : null;
  const engine = options.engine ? { url: options.engine.url, key: options.engine.keyFile ? readSecretFile(options.engine.keyFile, 'the engine key file') : null } : null;
  const adminPassword = options.bootstrapAdmin ? readSecretFile(options.bootstrapAdmin.passwordFile, 'the administrator password file') : null;
  const root = appRoot(path.dirname(fileURLToPath(import.meta.url)));
  const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

  const handle = openLibraryDb(options.db);
  try {
    const applied = await migrateLibrary(handle);
    if (applied.length) log.info(`Library schema updated: ${applied.join(', ')}`);
  } catch (err) {
    await handle.close().catch(() => undefined);
    refuse(`The library could not be opened: ${(err as Error).message}`, 1);
  }
  const accounts = createAccounts(handle);
  const anyone = await handle.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (options.bootstrapAdmin && adminPassword) {
    if (anyone) log.info('This library already has accounts: --bootstrap-admin is ignored (an administrator creates accounts).');
    else {
      const name = options.bootstrapAdmin.username;
      await accounts.bootstrapAdmin({ username: name, displayName: name, password: adminPassword }).catch((err: Error) => refuse(err.message));
      log.info(`Created the first administrator, ${name}.`);
    }
  } else if (!anyone) {
    log.info('This library has no accounts yet: restart with --bootstrap-admin USERNAME --admin-password-file FILE to create the first administrator.');
  }

  const events =
    options.db.kind === 'postgres'
      ? await postgresReviewEvents({ url: options.db.url, onConnectionError: (err) => log.error(`Live updates: the database connection failed (${err.message}); reconnecting`) })
      : inProcessReviewEvents();
  const store = createLibraryStore(handle, { changes: events.sink });
  // The reviewer web page at / (renderer/department), once `npm run build` has built it into dist/department.
  const webRoot = path.join(root, 'dist', 'department');
  if (!fs.existsSync(path.join(webRoot, 'index.html'))) log.info('The web view is not built (npm run build): serving the API only.');
  const server = await startDepartmentServer({ accounts, store, events, host: options.listen.host, port: options.listen.port, tls, engine, version, log, webRoot, mediaDir: options.mediaDir, partialMaxAgeMs: options.partialMaxAgeMs ?? undefined, analyses: createAnalysesStore(handle, { changes: events.sink }) });
  if (options.mediaDir) {
    const age = formatDuration(options.partialMaxAgeMs ?? DEFAULT_PARTIAL_MAX_AGE_MS);
    log.info(`Media (published videos and frames): ${path.resolve(options.mediaDir)}; unfinished uploads not written for ${age} are removed (--partial-max-age)`);
  }
  if (engine) log.info(`Remote engine: ${engine.url}${engine.key ? ' (key configured)' : ''}`);

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await server.close();
    await events.close();
    await handle.close();
    log.info('Stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

/** runDepartmentCli, for an entry point: a failure to start is logged and ends the process with 1. */
export function startDepartmentCli(argv: string[]): void {
  runDepartmentCli(argv).catch((err: unknown) => {
    log.error('The department server could not start', err);
    process.exit(1);
  });
}
