// The resume state of one download: the partial file (dest + '.part') and its progress record (dest + '.part.json':
// the URL, size, validator and how far each segment got), the plan that splits a file into segments, the choice
// between resuming an earlier attempt and starting again, and the periodic, best-effort saving of progress.
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { ServerInfo } from './download-http';
import type { DownloadTuning } from './download-options';

export interface Segment {
  start: number;
  /** Exclusive; null while the size is unknown (a server without Range support and no length). */
  end: number | null;
  done: number;
}

export interface PartState {
  v: 1;
  url: string;
  total: number | null;
  validator: string | null;
  segments: Segment[];
}

export const partFile = (dest: string) => `${dest}.part`;
export const partStateFile = (dest: string) => `${dest}.part.json`;

function plan(total: number | null, ranges: boolean, t: DownloadTuning): Segment[] {
  if (total === null || !ranges) return [{ start: 0, end: total, done: 0 }];
  const n = Math.max(1, Math.min(t.connections, Math.floor(total / t.minSegmentBytes)));
  const size = Math.ceil(total / n);
  const segs: Segment[] = [];
  for (let s = 0; s < total; s += size) segs.push({ start: s, end: Math.min(total, s + size), done: 0 });
  return segs.length ? segs : [{ start: 0, end: 0, done: 0 }];
}

function readState(file: string): PartState | null {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as PartState;
    if (s.v !== 1 || !Array.isArray(s.segments)) return null;
    return s;
  } catch {
    return null;
  }
}

function writeStateAtomic(file: string, state: PartState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, file);
}

/** Removes the partial file and its progress record (after a cancel, or a file that failed verification). */
export function discardPartial(dest: string): void {
  for (const f of [partFile(dest), partStateFile(dest)]) fs.rmSync(f, { force: true });
}

/** Bytes already on disk for `dest` from an earlier, interrupted download (0 if none). */
export function partialBytes(dest: string): number {
  const s = readState(partStateFile(dest));
  if (!s || !fs.existsSync(partFile(dest))) return 0;
  return s.segments.reduce((a, g) => a + g.done, 0);
}

/** The segments still to fetch: an earlier attempt's, if it is the same file from the same place; else a new plan. */
export function resumeOrPlan(dest: string, url: string, info: ServerInfo, t: DownloadTuning): Segment[] {
  const saved = readState(partStateFile(dest));
  if (
    saved &&
    info.ranges &&
    fs.existsSync(partFile(dest)) &&
    saved.url === url &&
    saved.total === info.total &&
    (saved.validator === null || info.validator === null || saved.validator === info.validator)
  ) {
    return saved.segments;
  }
  discardPartial(dest);
  return plan(info.total, info.ranges, t);
}

export interface ProgressSaver {
  /** Syncs the partial file and writes the progress record now (joins a save already under way). */
  save(): Promise<void>;
  /** Stops the periodic saving and waits for a save under way. */
  stop(): Promise<void>;
}

/**
 * Saves progress every `everyMs`: the partial file is synced, then (when the server supports Range, so that a
 * resume is possible) the record is written atomically. Best effort: a failed save does not stop the download.
 */
export function startProgressSaver(fh: FileHandle, stateFile: string, state: PartState, ranges: boolean, everyMs: number): ProgressSaver {
  let saving: Promise<void> | null = null;
  const save = () =>
    (saving ??= (async () => {
      try {
        await fh.datasync();
        if (ranges) writeStateAtomic(stateFile, state);
      } catch {
        // Saving progress is best effort; the download itself goes on.
      } finally {
        saving = null;
      }
    })());
  const timer = setInterval(() => void save(), everyMs);
  return {
    save,
    stop: async () => {
      clearInterval(timer);
      await saving;
    },
  };
}
