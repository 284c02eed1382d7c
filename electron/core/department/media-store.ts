// The department server's media folder: videos and frame images stored by their sha256 (DIR/<sha256>), uploaded in
// resumable parts. A part is appended to DIR/partial/<sha256>.part only at the offset the server already holds (so a
// retried or duplicated part cannot be written twice); the size the client announced is kept beside it. When the last
// byte arrives the whole file is hashed: a match is synced and renamed into place, a mismatch is removed (nothing
// is kept of bytes that are not what their hash says). Bodies are streamed to disk, never held in memory.
//
// An upload abandoned for good leaves its partial file behind: sweepPartials() removes those not written for
// `partialMaxAgeMs` (default 7 days; the department server sweeps at start and every hour), never one being written.
// One whose every byte arrived (the server stopped between the last byte and storing it) is finished instead: hashed,
// and on a match synced and renamed into place like any upload; on a mismatch removed.
//
// One upload of a given file at a time per server process (a second gets a conflict and retries); several server
// processes sharing one folder should not receive the same file at the same moment.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { WorkstationError } from '../../api/errors';

export interface MediaStatus {
  sha256: string;
  /** The whole file's size: known once an upload has started (or it is complete); null when the server has none of it. */
  size: number | null;
  /** Bytes the server holds (the offset to resume from). */
  received: number;
  complete: boolean;
  /** A request is writing to it right now (an upload in flight, or one whose client has just gone). */
  uploading: boolean;
}

export interface MediaRange {
  /** First byte of this part. */
  start: number;
  /** Last byte of this part (inclusive, as in Content-Range). */
  end: number;
  /** The whole file's size. */
  total: number;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A part that does not start where the server's copy ends: resume from `received`. Nothing was written. */
export class MediaOffsetError extends WorkstationError {
  constructor(
    readonly received: number,
    message: string,
  ) {
    super('conflict', message);
    this.name = 'MediaOffsetError';
  }
}

/** The finished upload's bytes do not hash to the name they were sent under: removed, nothing kept. */
export class MediaHashMismatch extends WorkstationError {
  constructor(readonly sha256: string) {
    super('unsupported-input', `The uploaded bytes do not match their sha256 (${sha256.slice(0, 12)}…): the file changed or was damaged on the way. Nothing was kept; upload it again from the start.`);
    this.name = 'MediaHashMismatch';
  }
}

export interface MediaStore {
  readonly dir: string;
  status(sha256: string): Promise<MediaStatus>;
  /** Appends `body` (exactly end - start + 1 bytes) at `range.start`; completes, checks and stores the file at its last byte. */
  append(sha256: string, range: MediaRange, body: AsyncIterable<Uint8Array>): Promise<MediaStatus>;
  /** The stored file of a complete upload, or null. */
  completeFile(sha256: string): Promise<{ file: string; size: number } | null>;
  /**
   * The unfinished uploads not written for `partialMaxAgeMs` (none being written now): those whose every byte arrived
   * and hash to their name are stored (`completed`), the rest removed (`removed`).
   */
  sweepPartials(now?: Date): Promise<PartialSweep>;
}

/** One upload sweepPartials acted on: its bytes and when it was last written (ISO). */
export interface SweptUpload {
  sha256: string;
  bytes: number;
  lastWritten: string;
}

/** What sweepPartials did: the unfinished uploads it removed (their .part and .size files), the bytes they held, and the stale ones it completed. */
export interface PartialSweep {
  /** Removed: abandoned part-way (`abandoned`), or every byte arrived but they do not hash to the name (`sha256-mismatch`). */
  removed: Array<SweptUpload & { reason: 'abandoned' | 'sha256-mismatch' }>;
  /** Bytes removed in all. */
  bytes: number;
  /** Every byte had arrived and matched its sha256: stored as a complete upload (DIR/<sha256>). */
  completed: SweptUpload[];
}

/** An unfinished upload not written for this long is abandoned (7 days). */
export const DEFAULT_PARTIAL_MAX_AGE_MS = 7 * 24 * 3600_000;

export interface MediaStoreOptions {
  /** Largest file accepted (default 256 GiB). */
  maxBytes?: number;
  /** sweepPartials removes unfinished uploads not written for this long (default 7 days). */
  partialMaxAgeMs?: number;
}

function checkSha(sha256: string): string {
  if (!SHA256_HEX.test(sha256)) throw new WorkstationError('invalid-argument', 'A media file is named by its sha256: 64 lowercase hexadecimal characters.');
  return sha256;
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await fs.promises.stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function createMediaStore(dir: string, options: MediaStoreOptions = {}): MediaStore {
  const maxBytes = options.maxBytes ?? 256 * 1024 ** 3;
  const partialMaxAgeMs = options.partialMaxAgeMs ?? DEFAULT_PARTIAL_MAX_AGE_MS;
  const partialDir = path.join(dir, 'partial');
  fs.mkdirSync(partialDir, { recursive: true });
  const finalFile = (sha: string) => path.join(dir, sha);
  const partFile = (sha: string) => path.join(partialDir, `${sha}.part`);
  const sizeFile = (sha: string) => path.join(partialDir, `${sha}.size`);
  const busy = new Set<string>();

  async function announced(sha: string): Promise<number | null> {
    try {
      const n = Number((await fs.promises.readFile(sizeFile(sha), 'utf8')).trim());
      return Number.isSafeInteger(n) && n > 0 ? n : null;
    } catch {
      return null;
    }
  }

  async function status(sha256: string): Promise<MediaStatus> {
    const sha = checkSha(sha256);
    const done = await sizeOf(finalFile(sha));
    if (done !== null) return { sha256: sha, size: done, received: done, complete: true, uploading: false };
    const received = (await sizeOf(partFile(sha))) ?? 0;
    const size = await announced(sha);
    // Every byte arrived but the server stopped before storing the file (a crash, a restart): finish it now.
    if (size !== null && received >= size && !busy.has(sha)) return settle(sha, size, received);
    return { sha256: sha, size: size ?? (received || null), received, complete: false, uploading: busy.has(sha) };
  }

  async function settle(sha: string, size: number, received: number): Promise<MediaStatus> {
    busy.add(sha);
    try {
      if (received === size) return await finish(sha);
      await removePartial(sha); // longer than announced: not what was asked for
    } catch (err) {
      if (!(err instanceof MediaHashMismatch)) throw err;
    } finally {
      busy.delete(sha);
    }
    return { sha256: sha, size: null, received: 0, complete: false, uploading: false };
  }

  async function removePartial(sha: string): Promise<void> {
    await fs.promises.rm(partFile(sha), { force: true });
    await fs.promises.rm(sizeFile(sha), { force: true });
  }

  async function finish(sha: string): Promise<MediaStatus> {
    const part = partFile(sha);
    if ((await hashFile(part)) !== sha) {
      await removePartial(sha);
      throw new MediaHashMismatch(sha);
    }
    const handle = await fs.promises.open(part, 'r+'); // its bytes on disk before its name (a part left by a crash too)
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(part, finalFile(sha));
    await syncFolder(dir);
    await fs.promises.rm(sizeFile(sha), { force: true });
    return status(sha);
  }

  async function append(sha256: string, range: MediaRange, body: AsyncIterable<Uint8Array>): Promise<MediaStatus> {
    const sha = checkSha(sha256);
    const { start, end, total } = range;
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && Number.isSafeInteger(total)) || start < 0 || end < start || end >= total) {
      throw new WorkstationError('invalid-argument', 'Content-Range must be bytes START-END/TOTAL with START ≤ END < TOTAL.');
    }
    if (total > maxBytes) throw new WorkstationError('invalid-argument', `This server accepts files of at most ${Math.floor(maxBytes / 1024 ** 3)} GiB.`);
    if (busy.has(sha)) throw new MediaOffsetError((await status(sha)).received, 'This file is being uploaded by another request right now; try again in a moment.');
    busy.add(sha);
    try {
      const now = await status(sha);
      if (now.complete) return now;
      const size = await announced(sha);
      if (size !== null && size !== total) {
        if (start !== 0) throw new MediaOffsetError(0, `The server holds part of a ${size}-byte file under this sha256, not ${total} bytes: start again from byte 0.`);
        await removePartial(sha);
      }
      const received = size !== null && size !== total ? 0 : now.received;
      if (start !== received) throw new MediaOffsetError(received, `The server holds ${received} bytes of this file: resume from byte ${received}.`);
      if (received === 0) {
        await fs.promises.writeFile(sizeFile(sha), String(total));
        await fs.promises.writeFile(partFile(sha), new Uint8Array(0));
      }
      const expected = end - start + 1;
      let written = 0;
      const handle = await fs.promises.open(partFile(sha), 'a');
      try {
        for await (const chunk of body) {
          if (written + chunk.byteLength > expected) {
            await handle.truncate(start);
            throw new WorkstationError('invalid-argument', `The request carried more bytes than its Content-Range (${expected}); nothing of it was kept.`);
          }
          await handle.write(chunk);
          written += chunk.byteLength;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (start + written === total) return await finish(sha);
      return await status(sha);
    } finally {
      busy.delete(sha);
    }
  }

  /** When an unfinished upload was last written (its .part or .size file), and the bytes it holds; null: none. */
  async function lastWritten(sha: string): Promise<{ ms: number; bytes: number } | null> {
    const stats = await Promise.all([partFile(sha), sizeFile(sha)].map((f) => fs.promises.stat(f).catch(() => null)));
    const found = stats.filter((st) => st !== null);
    if (!found.length) return null;
    return { ms: Math.max(...found.map((st) => st.mtimeMs)), bytes: stats[0]?.size ?? 0 };
  }

  async function sweepPartials(now = new Date()): Promise<PartialSweep> {
    const cutoff = now.getTime() - partialMaxAgeMs;
    const shas = new Set<string>();
    for (const name of await fs.promises.readdir(partialDir)) {
      const m = /^([0-9a-f]{64})\.(part|size)$/.exec(name);
      if (m) shas.add(m[1]!);
    }
    const sweep: PartialSweep = { removed: [], bytes: 0, completed: [] };
    for (const sha of shas) {
      const before = await lastWritten(sha);
      if (!before || before.ms > cutoff || busy.has(sha)) continue;
      busy.add(sha); // an upload of it that starts now waits (a conflict) until it is gone
      try {
        const held = await lastWritten(sha); // written between the look and the claim: not abandoned
        if (!held || held.ms > cutoff) continue;
        const swept = { sha256: sha, bytes: held.bytes, lastWritten: new Date(held.ms).toISOString() };
        let reason: 'abandoned' | 'sha256-mismatch' = 'abandoned';
        // Every byte arrived but the server stopped before storing it: store it if the bytes are what their name says.
        if (held.bytes > 0 && held.bytes === (await announced(sha))) {
          try {
            await finish(sha);
            sweep.completed.push(swept);
            continue;
          } catch (err) {
            if (!(err instanceof MediaHashMismatch)) throw err;
            reason = 'sha256-mismatch'; // finish removed it
          }
        } else {
          await removePartial(sha);
        }
        sweep.removed.push({ ...swept, reason });
        sweep.bytes += held.bytes;
      } finally {
        busy.delete(sha);
      }
    }
    return sweep;
  }

  return {
    dir,
    status,
    append,
    sweepPartials,
    async completeFile(sha256) {
      const sha = checkSha(sha256);
      const size = await sizeOf(finalFile(sha));
      return size === null ? null : { file: finalFile(sha), size };
    },
  };
}
