// Flushing a written file to disk before it is renamed into place (temp name, sync, rename).
import fs from 'node:fs';

/** fsync the file at `file` (opened read-only, or read-write where the platform needs it for a flush). */
export function syncFile(file: string, flags: 'r' | 'r+' = 'r'): void {
  const fd = fs.openSync(file, flags);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
