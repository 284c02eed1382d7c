// Free space on the disk that holds a folder, checked before a download or a copy starts.
import fs from 'node:fs';
import path from 'node:path';
import { WorkstationError } from '../../api/errors';

/** Kept free on top of what a job needs, so the library database and the OS are never starved. */
export const DISK_RESERVE_BYTES = 256 * 1024 * 1024;

export async function freeBytes(dir: string): Promise<number | null> {
  // statfs needs an existing path: walk up to the nearest one.
  let p = path.resolve(dir);
  for (;;) {
    try {
      const s = await fs.promises.statfs(p);
      return Number(s.bavail) * Number(s.bsize);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = path.dirname(p);
      if (code !== 'ENOENT' || parent === p) return null; // unknown (e.g. not supported): do not block the job
      p = parent;
    }
  }
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} bytes`;
}

/** Throws a clear error when `needBytes` (+ the reserve) do not fit on the disk holding `dir`. */
export async function ensureFreeSpace(
  dir: string,
  needBytes: number,
  what: string,
  hint = 'Free some space and try again.',
  probe: (d: string) => Promise<number | null> = freeBytes,
): Promise<void> {
  if (needBytes <= 0) return;
  const free = await probe(dir);
  if (free === null) return;
  if (free < needBytes + DISK_RESERVE_BYTES) {
    throw new WorkstationError(
      'unavailable',
      `Not enough free disk space for ${what}: it needs ${formatBytes(needBytes)} (plus ${formatBytes(DISK_RESERVE_BYTES)} kept free) but the disk holding ${dir} has ${formatBytes(free)} free. ${hint}`,
    );
  }
}
