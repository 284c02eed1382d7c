// Writes a report's files all or nothing: everything goes into a hidden staging folder inside the destination
// first (same file system, so the final step is a rename), then each top-level entry is renamed into place.
// A failure at any point (disk full, folder not writable, cancel) removes what was written and restores any
// file that was being replaced; the error says what happened in words a reviewer can act on.
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { WorkstationError } from '../../api/errors';

export interface OutputFile {
  /** Relative to the destination folder, '/'-separated (e.g. "CAT-1-coco/images/frame-000120.png"). */
  path: string;
  data: Uint8Array | string;
}

/** The file operations the writer needs: node:fs/promises in the app, a failing fake in tests. */
export interface WriterFs {
  mkdir(p: string, options: { recursive: boolean }): Promise<unknown>;
  writeFile(p: string, data: Uint8Array | string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(p: string, options: { recursive: boolean; force: boolean }): Promise<void>;
  /** Resolves when the path exists (file or folder), rejects with ENOENT when it does not. */
  lstat(p: string): Promise<{ isDirectory(): boolean }>;
}

export const nodeWriterFs: WriterFs = {
  mkdir: (p, o) => fsp.mkdir(p, o),
  writeFile: (p, d) => fsp.writeFile(p, d, { flag: 'wx' }),
  rename: (a, b) => fsp.rename(a, b),
  rm: (p, o) => fsp.rm(p, o),
  lstat: (p) => fsp.lstat(p),
};

export interface WriteOptions {
  fs?: WriterFs;
  /** Replace existing files of the same name (the CLI's explicit --out); otherwise an existing name is a conflict. */
  overwrite?: boolean;
  signal?: AbortSignal;
  /** Called after each file is staged. */
  onFile?: (done: number, total: number) => void;
}

export const STAGING_PREFIX = '.cataract-report-';

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** A write failure as a message for the reviewer (the folder is named; nothing about the review is). */
export function describeWriteError(err: unknown, folder: string): WorkstationError {
  if (err instanceof WorkstationError) return err;
  const c = code(err);
  const where = `"${folder}"`;
  switch (c) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new WorkstationError('unavailable', `The disk holding ${where} is full. Nothing was written; free some space or choose another folder, then export again.`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new WorkstationError(
        'forbidden',
        `The folder ${where} cannot be written to (it is read-only or you lack permission). Nothing was written; choose another folder.`,
      );
    case 'ENOENT':
      return new WorkstationError('not-found', `The folder ${where} does not exist. Nothing was written; create it or choose another folder.`);
    case 'ENOTDIR':
      return new WorkstationError('invalid-argument', `${where} is not a folder (part of that path is a file). Nothing was written; choose a folder.`);
    case 'ENAMETOOLONG':
      return new WorkstationError('invalid-argument', `The path ${where} is too long for this file system. Nothing was written; choose a shorter folder path.`);
    default:
      return new WorkstationError('internal', `Could not write the report into ${where}: ${(err as Error)?.message ?? String(err)}. Nothing was written.`);
  }
}

function checkRelative(rel: string): string[] {
  const parts = rel.split('/');
  if (!rel || rel.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
    throw new WorkstationError('internal', `Refusing to write an unsafe report file name: ${JSON.stringify(rel)}.`);
  }
  return parts;
}

async function exists(fs: WriterFs, p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (err) {
    if (code(err) === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Writes `files` into `folder` (which must exist) all or nothing. Returns the absolute paths of the top-level
 * entries written (a file, or a folder such as the COCO export).
 */
export async function writeAtomically(folder: string, files: readonly OutputFile[], options: WriteOptions = {}): Promise<string[]> {
  const fs = options.fs ?? nodeWriterFs;
  const dest = path.resolve(folder);
  const tops: string[] = [];
  for (const f of files) {
    const top = checkRelative(f.path)[0]!;
    if (!tops.includes(top)) tops.push(top);
  }
  const throwIfCancelled = () => {
    if (options.signal?.aborted) throw new WorkstationError('cancelled', 'The export was cancelled. Nothing was written.');
  };

  const staging = path.join(dest, `${STAGING_PREFIX}${crypto.randomBytes(6).toString('hex')}.partial`);
  const backups = path.join(staging, '.replaced');
  const moved: string[] = []; // top-level names already renamed into place
  const replaced: string[] = []; // top-level names whose old version sits in `backups`
  let stagingMade = false;
  try {
    throwIfCancelled();
    const info = await fs.lstat(dest).catch((err: unknown) => {
      throw describeWriteError(err, folder);
    });
    if (!info.isDirectory()) throw describeWriteError(Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }), folder);
    if (!options.overwrite) {
      for (const top of tops) {
        if (await exists(fs, path.join(dest, top))) {
          throw new WorkstationError('conflict', `"${top}" already exists in "${folder}". Nothing was written; choose another folder or remove the old report.`);
        }
      }
    }
    await fs.mkdir(staging, { recursive: false });
    stagingMade = true;
    const made = new Set<string>();
    let done = 0;
    for (const f of files) {
      throwIfCancelled();
      const target = path.join(staging, ...checkRelative(f.path));
      const dir = path.dirname(target);
      if (!made.has(dir)) {
        await fs.mkdir(dir, { recursive: true });
        made.add(dir);
      }
      await fs.writeFile(target, f.data);
      options.onFile?.(++done, files.length);
    }
    throwIfCancelled();
    for (const top of tops) {
      const target = path.join(dest, top);
      if (options.overwrite && (await exists(fs, target))) {
        await fs.mkdir(backups, { recursive: true });
        await fs.rename(target, path.join(backups, top));
        replaced.push(top);
      }
      await fs.rename(path.join(staging, top), target);
      moved.push(top);
    }
  } catch (err) {
    // Undo: take back what was moved into place, put replaced files back, drop the staging folder.
    for (const top of moved) await fs.rm(path.join(dest, top), { recursive: true, force: true }).catch(() => {});
    for (const top of replaced) await fs.rename(path.join(backups, top), path.join(dest, top)).catch(() => {});
    if (stagingMade) await fs.rm(staging, { recursive: true, force: true }).catch(() => {});
    throw describeWriteError(err, folder);
  }
  await fs.rm(staging, { recursive: true, force: true }).catch(() => {});
  return tops.map((t) => path.join(dest, t));
}
