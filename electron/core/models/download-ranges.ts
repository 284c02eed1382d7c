// The range-download worker: every segment of the file fetched over its own connection in parallel (an HTTP
// Range request when the server supports Range, else one plain GET of the whole file), written in place into the
// partial file, and resumed from where it stopped when a connection drops or stalls, with back-off between
// retries. The first segment that fails for good stops the others.
import type { FileHandle } from 'node:fs/promises';
import { formatBytes } from './disk-space';
import { cancelled, DownloadError, statusError } from './download-errors';
import { get, parseContentRange, sleep, type NetOptions, type Opened } from './download-http';
import type { DownloadFileProgress, DownloadTuning } from './download-options';
import type { Segment } from './download-state';

export interface RangeWorker {
  url: string;
  /** host + path of the URL, for messages. */
  where: string;
  /** The connection settings; `net.signal` is `inner`'s. */
  net: NetOptions;
  /** Whether the server honours byte ranges (and so whether a segment can resume where it stopped). */
  ranges: boolean;
  /** The partial file, written at each segment's offsets. */
  fh: FileHandle;
  tuning: DownloadTuning;
  /** Aborted by the caller's signal, or by the first segment that fails. */
  inner: AbortController;
  /** Bytes received so far, and the file's size (learnt from the end of the stream when the server gave none). */
  progress: { received: number; total: number | null };
  report(state: DownloadFileProgress['state'], message?: string | null): void;
}

async function runSegment(w: RangeWorker, seg: Segment): Promise<void> {
  const t = w.tuning;
  let failures = 0;
  const remaining = () => (seg.end === null ? Infinity : seg.end - seg.start - seg.done);
  while (remaining() > 0) {
    const before = seg.done;
    let opened: Opened | null = null;
    try {
      if (!w.ranges && seg.done > 0) {
        // The server cannot resume: start this file again.
        w.progress.received -= seg.done;
        seg.done = 0;
      }
      const from = seg.start + seg.done;
      const range = w.ranges ? `bytes=${from}-${(seg.end as number) - 1}` : null;
      opened = await get(w.url, { ...w.net, range });
      const { res } = opened;
      const err = statusError(res.statusCode ?? 0, w.url, !!w.net.token);
      if (err) throw err;
      if (w.ranges) {
        const cr = parseContentRange(res.headers['content-range'] as string | undefined);
        if (res.statusCode !== 206 || !cr || cr.start !== from) throw new DownloadError('unavailable', 'the server did not honour the byte range', true);
      }
      for await (const chunk of res as AsyncIterable<Buffer>) {
        const room = remaining();
        const buf = chunk.length > room ? chunk.subarray(0, room) : chunk;
        await w.fh.write(buf, 0, buf.length, seg.start + seg.done);
        seg.done += buf.length;
        w.progress.received += buf.length;
        w.report('downloading');
        if (remaining() <= 0) break;
      }
      if (seg.end === null) {
        seg.end = seg.start + seg.done; // the stream ended: that was the whole file
        w.progress.total = seg.end;
      }
      if (remaining() > 0) throw new DownloadError('unavailable', 'the connection closed early', true);
    } catch (err) {
      if (w.inner.signal.aborted) throw cancelled();
      if (err instanceof DownloadError && !err.retryable) throw err;
      if (seg.done > before) failures = 0;
      failures++;
      const why = opened?.stalled() ?? (err as Error).message;
      if (failures > t.maxRetries) {
        throw new DownloadError(
          'unavailable',
          `The download of ${w.where} kept failing (${why}). What has arrived (${formatBytes(w.progress.received)}) is kept: download again to resume.`,
        );
      }
      w.report('retrying', `The connection dropped (${why}); resuming.`);
      await sleep(t.retryDelayMs(failures), w.inner.signal);
    } finally {
      opened?.close();
    }
  }
}

/**
 * Fetches all segments in parallel. Never rejects: returns the first error of a segment that failed for good
 * (after aborting the others), or null when every segment completed or the download was aborted from outside.
 */
export async function fetchSegments(w: RangeWorker, segments: Segment[]): Promise<unknown> {
  let firstError: unknown = null;
  await Promise.all(
    segments.map((seg) =>
      runSegment(w, seg).catch((err: unknown) => {
        if (firstError === null && !w.inner.signal.aborted) firstError = err;
        w.inner.abort();
      }),
    ),
  );
  return firstError;
}
