// Content-addressed image files: <dataDir>/frames/<aa>/<sha256>.<ext>. A file is written to a temp name, synced,
// renamed into place and its folder synced, so once the frame's row commits the bytes are on disk. A file already
// there is used only when its size and sha256 check out (a power cut can leave an empty or cut file behind: it is
// replaced); reading checks size and sha256 too, so a damaged frame is reported, never analysed or printed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { WorkstationError } from '../../api/errors';

export type ImageMime = 'image/png' | 'image/jpeg';
const EXT: Record<ImageMime, string> = { 'image/png': 'png', 'image/jpeg': 'jpg' };

export function sha256Hex(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** What is wrong with a stored frame file. */
export type FrameFileProblem = 'missing' | 'short' | 'long' | 'mismatch';

export interface FrameFileCheck {
  ok: boolean;
  problem: FrameFileProblem | null;
  /** The file's size on disk (null when missing). */
  size: number | null;
}

/** A frame whose stored file is missing or damaged: said plainly, with what to do. */
export class FrameFileError extends WorkstationError {
  constructor(
    readonly problem: FrameFileProblem,
    readonly sha256: string,
    detail: string,
  ) {
    super(
      problem === 'missing' ? 'not-found' : 'unsupported-input',
      `The stored image of this frame ${detail}. Capture the frame again (or restore a backup); \`npm run check-library\` lists every damaged frame.`,
    );
    this.name = 'FrameFileError';
  }
}

function describe(check: FrameFileCheck, expectedBytes: number | null): string {
  switch (check.problem) {
    case 'missing':
      return 'is missing from the data folder';
    case 'short':
      return `is damaged: the file is cut short (${check.size} of ${expectedBytes} bytes)`;
    case 'long':
      return `is damaged: the file is ${check.size} bytes, not ${expectedBytes}`;
    default:
      return 'is damaged: its contents no longer match what was captured (sha256 differs)';
  }
}

/** fsync of a folder, so a rename in it survives a power cut (not possible on Windows, where rename is durable enough). */
function syncFolder(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function createFrameStore(dataDir: string) {
  const root = path.join(dataDir, 'frames');
  fs.mkdirSync(root, { recursive: true });
  function relativePath(sha: string, mime: ImageMime): string {
    return path.join(sha.slice(0, 2), `${sha}.${EXT[mime]}`);
  }
  const fileOf = (sha: string, mime: ImageMime) => path.join(root, relativePath(sha, mime));

  /** Checks the file against the size and sha256 it must have; `bytes` null skips the size (the hash still decides). */
  function check(sha: string, mime: ImageMime, bytes: number | null): FrameFileCheck {
    let data: Buffer;
    try {
      data = fs.readFileSync(fileOf(sha, mime));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, problem: 'missing', size: null };
      throw err;
    }
    return verify(data, sha, bytes);
  }

  function verify(data: Buffer, sha: string, bytes: number | null): FrameFileCheck {
    const size = data.byteLength;
    if (bytes !== null && size < bytes) return { ok: false, problem: 'short', size };
    if (bytes !== null && size > bytes) return { ok: false, problem: 'long', size };
    if (sha256Hex(data) !== sha) return { ok: false, problem: 'mismatch', size };
    return { ok: true, problem: null, size };
  }

  return {
    root,
    relativePath,
    check,
    /** Stores the bytes durably; returns their sha256. The same bytes again reuse the file, unless it is damaged. */
    put(data: Uint8Array, mime: ImageMime): string {
      const sha = sha256Hex(data);
      const final = fileOf(sha, mime);
      if (check(sha, mime, data.byteLength).ok) return sha;
      const dir = path.dirname(final);
      fs.mkdirSync(dir, { recursive: true });
      const temp = `${final}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      try {
        const fd = fs.openSync(temp, 'wx');
        try {
          let at = 0;
          while (at < data.byteLength) at += fs.writeSync(fd, data, at, data.byteLength - at);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        fs.renameSync(temp, final); // replaces a damaged file in one step
        syncFolder(dir);
      } catch (err) {
        fs.rmSync(temp, { force: true });
        throw err;
      }
      return sha;
    },
    /**
     * The stored bytes, checked against their sha256 (and `bytes`, the size recorded with the frame, when given);
     * a missing or damaged file throws FrameFileError with a message for the user.
     */
    read(sha: string, mime: ImageMime, bytes: number | null = null): Buffer {
      let data: Buffer;
      try {
        data = fs.readFileSync(fileOf(sha, mime));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FrameFileError('missing', sha, describe({ ok: false, problem: 'missing', size: null }, bytes));
        throw err;
      }
      const c = verify(data, sha, bytes);
      if (!c.ok) throw new FrameFileError(c.problem!, sha, describe(c, bytes));
      return data;
    },
    remove(sha: string, mime: ImageMime): void {
      fs.rmSync(fileOf(sha, mime), { force: true });
    },
  };
}
export type FrameStore = ReturnType<typeof createFrameStore>;
