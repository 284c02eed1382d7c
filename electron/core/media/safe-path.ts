// Resolving a requested path inside a root folder, refusing everything that would leave it:
// "..", absolute paths, encoded separators, NUL bytes and symlinks that point outside.
import fs from 'node:fs';
import path from 'node:path';

export class PathRefusedError extends Error {
  constructor(readonly requested: string, reason: string) {
    super(`Refused path "${requested}": ${reason}`);
    this.name = 'PathRefusedError';
  }
}

/** Returns the real absolute path of `requested` under `root`, or throws PathRefusedError. Missing → null. */
export function resolveInside(root: string, requested: string): string | null {
  if (requested.includes('\0')) throw new PathRefusedError(requested, 'NUL byte');
  if (path.isAbsolute(requested) || /^[A-Za-z]:/.test(requested) || requested.startsWith('\\')) {
    throw new PathRefusedError(requested, 'absolute paths are not served');
  }
  const parts = requested.split(/[\\/]+/).filter(Boolean);
  if (parts.some((p) => p === '..')) throw new PathRefusedError(requested, '".." is not allowed');
  const realRoot = fs.realpathSync(root);
  const candidate = path.join(realRoot, ...parts);
  let real: string;
  try {
    real = fs.realpathSync(candidate);
  } catch {
    return null;
  }
  const rel = path.relative(realRoot, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new PathRefusedError(requested, 'it leads outside the library');
  return real;
}
