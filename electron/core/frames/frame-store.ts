// Content-addressed image files: <dataDir>/frames/<aa>/<sha256>.<ext>, written to a temp name and renamed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type ImageMime = 'image/png' | 'image/jpeg';
const EXT: Record<ImageMime, string> = { 'image/png': 'png', 'image/jpeg': 'jpg' };

export function sha256Hex(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function createFrameStore(dataDir: string) {
  const root = path.join(dataDir, 'frames');
  fs.mkdirSync(root, { recursive: true });
  function relativePath(sha: string, mime: ImageMime): string {
    return path.join(sha.slice(0, 2), `${sha}.${EXT[mime]}`);
  }
  return {
    root,
    relativePath,
    /** Stores the bytes; returns their sha256. Writing the same bytes twice is a no-op. */
    put(data: Uint8Array, mime: ImageMime): string {
      const sha = sha256Hex(data);
      const final = path.join(root, relativePath(sha, mime));
      if (fs.existsSync(final)) return sha;
      fs.mkdirSync(path.dirname(final), { recursive: true });
      const temp = `${final}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      try {
        fs.writeFileSync(temp, data, { flag: 'wx' });
        fs.renameSync(temp, final);
      } catch (err) {
        fs.rmSync(temp, { force: true });
        throw err;
      }
      return sha;
    },
    read(sha: string, mime: ImageMime): Buffer {
      return fs.readFileSync(path.join(root, relativePath(sha, mime)));
    },
    remove(sha: string, mime: ImageMime): void {
      fs.rmSync(path.join(root, relativePath(sha, mime)), { force: true });
    },
  };
}
export type FrameStore = ReturnType<typeof createFrameStore>;
