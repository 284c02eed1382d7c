// The print copies of frames on disk (<data>/cache/report-images): content-addressed JPEGs (frame sha256 + size +
// quality) written under a temp name and renamed. The renderer sends one with each large captured frame, and an
// export makes the missing ones, so an export after capturing finds them all here.
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PRINT_JPEG_QUALITY } from '../../api/print-size';

export const printCopyKey = (sha: string, size: { width: number; height: number }) => `${sha}-${size.width}x${size.height}-q${Math.round(PRINT_JPEG_QUALITY * 100)}`;

/** A JPEG starts FF D8 and ends FF D9; anything else (a torn write from another tool) is not a print copy. */
export const isWholeJpeg = (data: Uint8Array) => data.length > 4 && data[0] === 0xff && data[1] === 0xd8 && data[data.length - 2] === 0xff && data[data.length - 1] === 0xd9;

export async function readPrintCopy(dir: string, key: string): Promise<Uint8Array | null> {
  try {
    const data = new Uint8Array(await fsp.readFile(path.join(dir, `${key}.jpg`)));
    return isWholeJpeg(data) ? data : null;
  } catch {
    return null;
  }
}

/** Writes a print copy atomically; a cache that cannot be written only costs time at the next export. */
export async function writePrintCopy(dir: string, key: string, data: Uint8Array): Promise<void> {
  try {
    await fsp.mkdir(dir, { recursive: true });
    const file = path.join(dir, `${key}.jpg`);
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    await fsp.writeFile(tmp, data);
    await fsp.rename(tmp, file).catch(async (err: unknown) => {
      await fsp.rm(tmp, { force: true });
      throw err;
    });
  } catch {
    // not cached
  }
}
