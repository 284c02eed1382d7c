// sha256 of large model files, streamed, and remembered by path + size + mtime so each file is hashed once.
import type { Database } from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';

export interface ByteProgress {
  /** Called as bytes go by: how many so far. */
  onBytes?: ((done: number) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** Read size (default 4 MiB; tests make it small). */
  chunkBytes?: number | undefined;
}

/** Thrown when the signal aborts a hash or a copy. */
export class ByteWorkCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export function sha256File(file: string, o: ByteProgress = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(new ByteWorkCancelled());
    const hash = crypto.createHash('sha256');
    let done = 0;
    const stream = fs.createReadStream(file, { highWaterMark: o.chunkBytes ?? 4 * 1024 * 1024 });
    const onAbort = () => stream.destroy(new ByteWorkCancelled());
    o.signal?.addEventListener('abort', onAbort, { once: true });
    stream
      .on('data', (chunk) => {
        const c = chunk as Buffer;
        hash.update(c);
        done += c.length;
        o.onBytes?.(done);
      })
      .on('error', (err) => {
        o.signal?.removeEventListener('abort', onAbort);
        reject(err);
      })
      .on('end', () => {
        o.signal?.removeEventListener('abort', onAbort);
        resolve(hash.digest('hex'));
      });
  });
}

export function createFileHashCache(db: Database) {
  const inflight = new Map<string, Promise<string>>();
  return {
    /** The file's sha256: remembered, or hashed now (progress and cancel apply only then). */
    hash(file: string, progress: ByteProgress = {}): Promise<string> {
      const st = fs.statSync(file);
      const mtime = Math.floor(st.mtimeMs);
      const row = db
        .prepare<[string], { size: number; mtime_ms: number; sha256: string }>('SELECT size, mtime_ms, sha256 FROM file_hashes WHERE path = ?')
        .get(file);
      if (row && row.size === st.size && row.mtime_ms === mtime) return Promise.resolve(row.sha256);
      const key = `${file}\0${st.size}\0${mtime}`;
      let p = inflight.get(key);
      if (!p) {
        p = sha256File(file, progress)
          .then((sha) => {
            db.prepare(
              `INSERT INTO file_hashes (path, size, mtime_ms, sha256) VALUES (?, ?, ?, ?)
               ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, sha256 = excluded.sha256`,
            ).run(file, st.size, mtime, sha);
            return sha;
          })
          .finally(() => inflight.delete(key));
        inflight.set(key, p);
      }
      return p;
    },
  };
}
