// Database work that must not block the process that owns the library: the start-up integrity check and the
// WAL checkpoints run on a worker thread with their own connection. The worker is inline (eval) code that loads
// the same better-sqlite3 the app loads, so no extra build entry is needed; if a worker cannot start, the work
// falls back to this thread.
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const driver = (() => {
  try {
    return createRequire(import.meta.url).resolve('better-sqlite3');
  } catch {
    return 'better-sqlite3';
  }
})();

const CHECK_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  const rows = db.pragma(workerData.pragma, { simple: false });
  parentPort.postMessage({ problems: rows.map((r) => r[workerData.pragma]).filter((r) => r !== 'ok') });
} catch (err) {
  parentPort.postMessage({ error: String(err && err.message || err) });
} finally {
  if (db) db.close();
}
`;

export type CheckKind = 'integrity_check' | 'quick_check';

function checkHere(file: string, pragma: CheckKind): string[] {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return (db.pragma(pragma, { simple: false }) as Array<Record<string, string>>).map((r) => r[pragma]!).filter((r) => r !== 'ok');
  } finally {
    db.close();
  }
}

/**
 * PRAGMA integrity_check (or quick_check) of a library file on a worker thread, read-only. Resolves with the
 * problems found ([] when the file is sound); rejects when the file cannot be opened at all.
 */
export function checkOffThread(file: string, pragma: CheckKind = 'integrity_check'): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(CHECK_WORKER, { eval: true, workerData: { driver, file, pragma } });
    } catch {
      try {
        resolve(checkHere(file, pragma));
      } catch (err) {
        reject(err as Error);
      }
      return;
    }
    let settled = false;
    worker.once('message', (m: { problems?: string[]; error?: string }) => {
      settled = true;
      if (m.error !== undefined) reject(new Error(m.error));
      else resolve(m.problems ?? []);
    });
    worker.once('error', (err) => {
      if (settled) return;
      settled = true;
      // The worker itself failed (not the check): do it here rather than not at all.
      try {
        resolve(checkHere(file, pragma));
      } catch {
        reject(err);
      }
    });
    worker.once('exit', () => {
      if (!settled) reject(new Error('The integrity check stopped before it finished.'));
    });
  });
}

const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 100');
db.pragma('wal_autocheckpoint = 0');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    // Busy or locked: the next tick tries again.
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) {}
    db.close();
    parentPort.postMessage('stopped');
    parentPort.close();
  }
});
parentPort.postMessage('ready');
`;

export interface Checkpointer {
  /** Whether checkpoints run on the worker (false: SQLite's own automatic checkpoints on the main connection). */
  readonly offThread: boolean;
  stop(): Promise<void>;
}

/**
 * Moves WAL checkpoints off the owning connection: its automatic checkpoint (which lands inside some unlucky
 * commit and costs that write the fsyncs) is turned off, and a worker runs a passive checkpoint every
 * `intervalMs` (it never blocks the writer; once all of the WAL is in the database the next commit starts the
 * WAL from its beginning again, and journal_size_limit trims the file). Without a worker the automatic
 * checkpoint stays on.
 */
export function startCheckpointer(db: Database, file: string, o: { intervalMs?: number } = {}): Promise<Checkpointer> {
  return new Promise((resolve) => {
    let worker: Worker;
    const fallback = (): Checkpointer => ({ offThread: false, stop: () => Promise.resolve() });
    try {
      worker = new Worker(CHECKPOINT_WORKER, {
        eval: true,
        workerData: { driver, file, intervalMs: o.intervalMs ?? 1000 },
      });
    } catch {
      resolve(fallback());
      return;
    }
    worker.unref();
    let ready = false;
    worker.once('error', () => {
      if (!ready) resolve(fallback());
      else db.pragma('wal_autocheckpoint = 1000'); // the worker died: let SQLite checkpoint again
    });
    worker.once('message', (m) => {
      if (m !== 'ready') return;
      ready = true;
      db.pragma('wal_autocheckpoint = 0');
      db.pragma('journal_size_limit = 67108864');
      resolve({
        offThread: true,
        stop: () =>
          new Promise<void>((done) => {
            db.pragma('wal_autocheckpoint = 1000');
            const timer = setTimeout(() => void worker.terminate().then(() => done()), 5000);
            worker.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            worker.postMessage('stop');
          }),
      });
    });
  });
}
