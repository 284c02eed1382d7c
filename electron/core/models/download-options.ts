// The public shapes of one file download: its options, its tuning (connections, retries, timeouts), the progress
// it reports and what it returns.

export interface DownloadFileProgress {
  receivedBytes: number;
  /** The file's size as the server states it (or the expected size until the server has answered). */
  totalBytes: number | null;
  state: 'downloading' | 'retrying' | 'verifying';
  message: string | null;
}

export interface DownloadTuning {
  /** Parallel connections for one file (when the server supports Range). */
  connections: number;
  /** A file is split into at most size / minSegmentBytes parts. */
  minSegmentBytes: number;
  /** Consecutive failed attempts of one part, without any bytes in between, before giving up. */
  maxRetries: number;
  retryDelayMs(attempt: number): number;
  /** A connection that delivers nothing for this long is dropped and retried. */
  stallTimeoutMs: number;
  /** How often the partial file's progress is saved (for resume after a restart). */
  saveEveryMs: number;
  freeSpace?: (dir: string) => Promise<number | null>;
}

export const DEFAULT_TUNING: DownloadTuning = {
  connections: 4,
  minSegmentBytes: 32 * 1024 * 1024,
  maxRetries: 6,
  retryDelayMs: (attempt) => Math.min(30_000, 1000 * 2 ** (attempt - 1)),
  stallTimeoutMs: 60_000,
  saveEveryMs: 2000,
};

export interface DownloadFileOptions {
  url: string;
  /** Where the verified file ends up. While downloading: dest + '.part' and dest + '.part.json'. */
  dest: string;
  expectedSize: number | null;
  expectedSha256: string | null;
  token?: string | null;
  signal: AbortSignal;
  onProgress?(p: DownloadFileProgress): void;
  tuning?: Partial<DownloadTuning>;
  userAgent?: string;
  /** Asked when the signal aborts: true keeps the partial file for a later resume (app shutdown), else it is removed. */
  keepPartialOnAbort?: () => boolean;
}

export interface DownloadedFile {
  path: string;
  sizeBytes: number;
  sha256: string;
}
