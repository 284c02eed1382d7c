// The services as the app and the browser host run them. Starting: the library file's PRAGMA integrity_check
// runs on a worker thread (the process stays responsive; calls wait for it), then the library opens, or, when
// it cannot be opened (corrupt, unreadable, from a newer app), recovery mode starts, where only app.info and
// recovery.* answer and the damaged file is never written. A restore or another file reopens the services in
// place: the transports hold this object, whose handlers always reach the services of the moment. While open,
// WAL checkpoints run on a worker thread and the daily online backup is taken when due.
import fs from 'node:fs';
import path from 'node:path';
import { REQUEST_CHANNELS, type RequestChannel } from '../../api/contract';
import type { Handlers } from '../../api/dispatch';
import { WorkstationError } from '../../api/errors';
import type { RecoveryStatus } from '../../api/schemas-review';
import { createAppServices, libraryFile, type AppServices, type AppServicesOptions } from '../app-services';
import { CorruptDatabaseError } from '../db/connection';
import { logsDir } from '../logging/app-log';
import { checkOffThread, startCheckpointer, type Checkpointer } from '../db/off-thread';
import { dailyBackup } from './backups';
import { backupsDir, recoveryStatus } from './recovery-handlers';
import { checkLibraryFile, classifyOpenError, isLibraryOpenError, restoreFromBackup, type RecoveryProblem } from './recovery';

export const RECOVERY_MESSAGE = 'The library could not be opened; see the recovery screen.';

export interface Workstation extends AppServices {
  /** 'starting' until the check and the open are done (calls wait for it). */
  readonly mode: 'starting' | 'normal' | 'recovery';
  /** Resolves once the library is open or recovery mode is on. */
  readonly ready: Promise<void>;
  recoveryStatus(): RecoveryStatus;
  /** The daily backup started at open (resolved when none is running). */
  readonly backupDone: Promise<void>;
}

export interface WorkstationOptions extends AppServicesOptions {
  /** Take the daily backup when due (default true). */
  dailyBackup?: boolean;
  /** Run WAL checkpoints on a worker thread (default true). */
  checkpointOffThread?: boolean;
  /** Told when the daily backup fails (the app keeps running). */
  onBackupError?: (err: unknown) => void;
}

export function startWorkstation(o: WorkstationOptions): Workstation {
  let current: AppServices | null = null;
  let checkpointer: Checkpointer | null = null;
  let problem: RecoveryProblem | null = null;
  let file = o.libraryPath ?? libraryFile(o.dataDir);
  let backupDone: Promise<void> = Promise.resolve();
  let starting = true;
  let closed = false;

  /** The full integrity check, off this thread; throws CorruptDatabaseError for a file that must not be opened. */
  async function check(target: string): Promise<void> {
    if (!fs.existsSync(target) || fs.statSync(target).size === 0) return; // a new library
    const fd = fs.openSync(target, 'r');
    const header = Buffer.alloc(16);
    try {
      fs.readSync(fd, header, 0, 16, 0);
    } finally {
      fs.closeSync(fd);
    }
    if (header.toString('latin1') !== 'SQLite format 3\0') throw new CorruptDatabaseError(target, 'the file is not an SQLite database');
    let problems: string[];
    try {
      problems = await checkOffThread(target, 'integrity_check');
    } catch (err) {
      throw new CorruptDatabaseError(target, (err as Error).message);
    }
    if (problems.length) throw new CorruptDatabaseError(target, `integrity check failed: ${problems.slice(0, 3).join('; ')}`);
  }

  /** Checks and opens `target`; a library that cannot be opened leaves recovery mode on (and is not written). */
  async function open(target: string): Promise<void> {
    let services: AppServices;
    try {
      await check(target);
      services = createAppServices({ ...o, libraryPath: target, libraryChecked: true });
    } catch (err) {
      if (!isLibraryOpenError(err)) throw err;
      current = null;
      problem = classifyOpenError(err);
      file = target;
      return;
    }
    current = services;
    problem = null;
    file = target;
    if (o.checkpointOffThread !== false) checkpointer = await startCheckpointer(services.db, target);
    if (o.dailyBackup !== false) {
      backupDone = dailyBackup(services.db, backupsDir(o.dataDir)).then(
        () => undefined,
        (err: unknown) => (o.onBackupError ?? ((e) => console.error('The daily backup failed:', e)))(err),
      );
    }
  }

  async function closeCurrent(): Promise<void> {
    const c = current;
    const cp = checkpointer;
    current = null;
    checkpointer = null;
    await backupDone;
    if (cp) await cp.stop();
    if (c) await c.close();
  }

  const ready = open(file).finally(() => {
    starting = false;
  });

  const status = (): RecoveryStatus => recoveryStatus({ mode: current ? 'normal' : 'recovery', problem, file, dataDir: o.dataDir });
  const reopened = () => o.emit('library.changed', { entity: 'library', action: 'reopen', reviewId: null, frameId: null, id: null });

  const recovery: Pick<Handlers, 'recovery.status' | 'recovery.restore' | 'recovery.openOther'> = {
    'recovery.status': async () => {
      await ready;
      return status();
    },
    'recovery.restore': async ({ backup }) => {
      await ready;
      if (current) return current.handlers['recovery.restore']({ backup });
      const source = path.join(backupsDir(o.dataDir), backup);
      if (path.dirname(source) !== backupsDir(o.dataDir) || !fs.existsSync(source)) {
        throw new WorkstationError('not-found', `There is no backup called ${backup}. Choose one from the list.`);
      }
      await closeCurrent();
      const target = libraryFile(o.dataDir);
      restoreFromBackup(target, source);
      await open(target);
      reopened();
      return status();
    },
    'recovery.openOther': async ({ path: other }) => {
      await ready;
      if (current) return current.handlers['recovery.openOther']({ path: other });
      const target = path.resolve(other);
      checkLibraryFile(target);
      const before = { problem, file };
      await open(target);
      if (!current) {
        const why = problem?.message ?? 'it could not be opened';
        ({ problem, file } = before);
        throw new WorkstationError('unsupported-input', `${path.basename(target)} cannot be used: ${why}`);
      }
      reopened();
      return status();
    },
  };

  function unavailable(): never {
    if (starting) throw new WorkstationError('unavailable', 'The library is still being checked; try again in a moment.');
    throw new WorkstationError('unavailable', RECOVERY_MESSAGE);
  }

  const appInfo = () => ({
    name: 'Cataract Review Workstation',
    version: o.appVersion,
    transport: o.transport,
    platform: `${process.platform}-${process.arch}`,
    dataDir: o.dataDir,
  });

  // Calls made while starting wait for the check; afterwards they go straight through (no extra await).
  const handlers = {} as Record<RequestChannel, (input: unknown) => unknown>;
  for (const channel of REQUEST_CHANNELS) {
    let route: (input: unknown) => unknown;
    if (channel in recovery) route = recovery[channel as keyof typeof recovery] as (input: unknown) => unknown;
    else if (channel === 'app.info') route = (input) => (current ? current.handlers['app.info'](input as Record<string, never>) : appInfo());
    else if (channel === 'app.openLogFolder') route = () => ({ opened: false, folder: o.log?.dir ?? logsDir(o.dataDir) }); // in recovery mode too
    else route = (input) => (current ? (current.handlers[channel] as (i: unknown) => unknown)(input) : unavailable());
    handlers[channel] = (input) => (starting ? ready.then(() => route(input)) : route(input));
  }

  const own: Partial<Record<PropertyKey, unknown>> = {
    handlers,
    ready,
    recoveryStatus: status,
    async close() {
      if (closed) return;
      closed = true;
      await ready.catch(() => undefined);
      await closeCurrent();
    },
  };
  // Everything else (db, inference, resolveFrame, resolveVideo, …) is the open services', so members the
  // services gain later need nothing here. In recovery mode resolvers find nothing and the rest is unavailable.
  return new Proxy(own, {
    get(target, prop) {
      if (prop === 'mode') return starting ? 'starting' : current ? 'normal' : 'recovery';
      if (prop === 'backupDone') return backupDone;
      if (prop in target) return target[prop];
      if (current) {
        const value = Reflect.get(current, prop) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(current) : value;
      }
      if (typeof prop === 'string' && prop.startsWith('resolve')) return () => null;
      if (prop === 'then') return undefined;
      return unavailable();
    },
  }) as unknown as Workstation;
}
