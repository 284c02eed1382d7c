// The last step of a download: the partial file's size and sha256 checked before anything is called a model
// file, then the file renamed into place and its progress record removed. A file that fails is deleted.
import fs from 'node:fs';
import path from 'node:path';
import { cancelled, DownloadError } from './download-errors';
import type { DownloadedFile } from './download-options';
import { discardPartial, partFile, partStateFile } from './download-state';
import { sha256File } from './file-hash';

export interface VerifyOptions {
  dest: string;
  /** The size the server gave, or learnt from the stream (null if neither). */
  total: number | null;
  expectedSize: number | null;
  expectedSha256: string | null;
  /** The caller's signal: an abort during hashing deletes the partial file and cancels. */
  signal: AbortSignal;
}

export async function verifyAndInstall(o: VerifyOptions): Promise<DownloadedFile> {
  const part = partFile(o.dest);
  const { total } = o;
  const size = fs.statSync(part).size;
  if ((total !== null && size !== total) || (o.expectedSize !== null && size !== o.expectedSize)) {
    discardPartial(o.dest);
    throw new DownloadError('unsupported-input', `The downloaded file ${path.basename(o.dest)} has ${size} bytes instead of ${total ?? o.expectedSize}. It was deleted; download again.`);
  }
  const sha256 = await sha256File(part);
  if (o.signal.aborted) {
    discardPartial(o.dest);
    throw cancelled();
  }
  if (o.expectedSha256 && sha256 !== o.expectedSha256.toLowerCase()) {
    discardPartial(o.dest);
    throw new DownloadError(
      'unsupported-input',
      `The downloaded file ${path.basename(o.dest)} does not match the catalog's sha256 (got ${sha256.slice(0, 12)}…, expected ${o.expectedSha256.slice(0, 12)}…). It was deleted and nothing was installed. The file on the server may have changed: check the model page.`,
    );
  }
  fs.renameSync(part, o.dest);
  fs.rmSync(partStateFile(o.dest), { force: true });
  return { path: o.dest, sizeBytes: size, sha256 };
}
