// The app's log: JSON lines in <data>/logs/workstation.N.log, rolled at 5 MB, the newest 5 kept. pino writes the
// lines (a maintained, fast JSON logger with standard error serialisation: message, type and stack); pino-roll rolls
// the files without a worker thread, so it runs the same in Electron main, the browser host and the CLIs. Every line
// passes through scrub.ts: no token, key, path of a user's file or image bytes reaches the file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import roll from 'pino-roll';
import type { SonicBoom } from 'sonic-boom';
import { scrubLine, scrubValue } from './scrub';

export type LogDetails = Record<string, unknown>;

/** What services and transports log through (the interface they receive; main and the host own the file). */
export interface AppLog {
  info(message: string, details?: LogDetails): void;
  warn(message: string, details?: LogDetails): void;
  /** An unexpected error, with its stack. */
  error(message: string, err?: unknown, details?: LogDetails): void;
  /** A value that must never appear in the log (a token, a key), replaced wherever it would. */
  addSecret(value: string | null | undefined): void;
  /** The folder the files are in (null for a log that writes nowhere). */
  readonly dir: string | null;
  /** Writes what is buffered and closes the file. */
  close(): Promise<void>;
}

export const LOG_FILE_STEM = 'workstation';

export function logsDir(dataDir: string): string {
  return path.join(dataDir, 'logs');
}

/** A log that writes nothing (tests and tools that are given no log). */
export const silentLog: AppLog = {
  info() {},
  warn() {},
  error() {},
  addSecret() {},
  dir: null,
  close: async () => {},
};

interface Destination {
  write(line: string): void;
}

export interface OpenLogOptions {
  /** The folder for the files (created). */
  dir: string;
  /** Folders whose paths may appear, shown under a label: the app's install folder, the data folder. */
  roots: ReadonlyArray<{ dir: string; label: string }>;
  /** Size at which a file is rolled (pino-roll syntax, default '5m'). */
  size?: string;
  /** Rolled files kept besides the current one (default 4). */
  keep?: number;
  /** Also write each line here (the console of a CLI); default nothing. */
  echo?: (line: string) => void;
}

export function openAppLog(o: OpenLogOptions): AppLog {
  fs.mkdirSync(o.dir, { recursive: true });
  const secrets = new Set<string>();
  // pino-roll opens its file asynchronously: lines written before that are held and written in order after.
  const held: string[] = [];
  let target: SonicBoom | null = null;
  let failed = false;
  const opened = roll({ file: path.join(o.dir, LOG_FILE_STEM), extension: '.log', size: o.size ?? '5m', limit: { count: o.keep ?? 4 }, sync: true, mkdir: true }).then(
    (stream) => {
      target = stream;
      for (const line of held.splice(0)) target.write(line);
    },
    (err: unknown) => {
      failed = true;
      process.stderr.write(`The log file could not be opened in ${o.dir}: ${(err as Error).message}\n`);
    },
  );
  const destination: Destination = {
    write(line) {
      o.echo?.(line);
      if (target) target.write(line);
      else if (!failed) held.push(line);
    },
  };
  const logger: Logger = pino(
    {
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: (obj) => scrubValue(obj) as Record<string, unknown> },
      hooks: { streamWrite: (s) => scrubLine(s, { secrets, roots: o.roots }) },
    },
    destination,
  );
  return {
    info: (message, details) => logger.info(details ?? {}, message),
    warn: (message, details) => logger.warn(details ?? {}, message),
    error: (message, err, details) => logger.error({ ...(details ?? {}), ...(err !== undefined ? { err: err instanceof Error ? err : new Error(String(err)) } : {}) }, message),
    addSecret(value) {
      if (value && value.length >= 6) secrets.add(value);
    },
    dir: o.dir,
    async close() {
      await opened;
      const t = target;
      target = null;
      failed = true;
      if (!t) return;
      t.flushSync();
      await new Promise<void>((resolve) => {
        t.once('close', resolve);
        t.end();
      });
    },
  };
}

/** The facts a support person needs first: versions, platform, CPU, memory (no user paths). */
export function startupFacts(extra: LogDetails = {}): LogDetails {
  const cpus = os.cpus();
  return {
    versions: { node: process.versions.node, electron: process.versions.electron ?? null, chrome: process.versions.chrome ?? null, v8: process.versions.v8 },
    platform: `${process.platform}-${process.arch}`,
    os: `${os.type()} ${os.release()}`,
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    ...extra,
  };
}
