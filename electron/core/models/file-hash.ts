// sha256 of large model files, streamed, and remembered by path + size + mtime so each file is hashed once.
import type { Database } from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })
      .on('data', (c) => hash.update(c))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export function createFileHashCache(db: Database) {
  const inflight = new Map<string, Promise<string>>();
  return {
    hash(file: string): Promise<string> {
      const st = fs.statSync(file);
      const mtime = Math.floor(st.mtimeMs);
      const row = db
        .prepare<[string], { size: number; mtime_ms: number; sha256: string }>('SELECT size, mtime_ms, sha256 FROM file_hashes WHERE path = ?')
        .get(file);
      if (row && row.size === st.size && row.mtime_ms === mtime) return Promise.resolve(row.sha256);
      const key = `${file}\0${st.size}\0${mtime}`;
      let p = inflight.get(key);
      if (!p) {
        p = sha256File(file)
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
