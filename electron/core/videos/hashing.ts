// Identifying a video file: a quick hash (size + first and last MiB) that finds a moved file in milliseconds,
// and the full sha256, streamed with progress and cancel (a surgery recording can be many gigabytes).
import crypto from 'node:crypto';
import fs from 'node:fs';

const MIB = 1024 * 1024;

export class HashCancelled extends Error {
  constructor() {
    super('Hashing was cancelled.');
    this.name = 'HashCancelled';
  }
}

/** sha256 of `${size}\n` + the first MiB + the last MiB (the whole file once when it is 2 MiB or less). */
export async function quickHash(file: string): Promise<{ size: number; quickHash: string }> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const hash = crypto.createHash('sha256').update(`${size}\n`);
    const read = async (pos: number, len: number) => {
      const b = Buffer.alloc(len);
      const { bytesRead } = await handle.read(b, 0, len, pos);
      return b.subarray(0, bytesRead);
    };
    if (size <= 2 * MIB) hash.update(await read(0, size));
    else {
      hash.update(await read(0, MIB));
      hash.update(await read(size - MIB, MIB));
    }
    return { size, quickHash: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

/** The whole file's sha256; `onProgress` gets the fraction read; rejects with HashCancelled on abort. */
export function sha256WithProgress(file: string, signal: AbortSignal, onProgress: (fraction: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new HashCancelled());
    let size = 0;
    try {
      size = fs.statSync(file).size;
    } catch (err) {
      return reject(err as Error);
    }
    const hash = crypto.createHash('sha256');
    let done = 0;
    const stream = fs.createReadStream(file, { highWaterMark: 4 * MIB });
    const abort = () => stream.destroy(new HashCancelled());
    signal.addEventListener('abort', abort, { once: true });
    stream.on('data', (c) => {
      hash.update(c);
      done += c.length;
      onProgress(size ? Math.min(1, done / size) : 1);
    });
    stream.on('error', (err) => {
      signal.removeEventListener('abort', abort);
      reject(err);
    });
    stream.on('end', () => {
      signal.removeEventListener('abort', abort);
      resolve(hash.digest('hex'));
    });
  });
}
