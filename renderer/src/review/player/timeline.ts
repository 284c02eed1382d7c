// Frame arithmetic over the presentation-timestamp table (pts, seconds, ascending): frame k is on screen from
// pts[k] to pts[k+1]. The integer index is the source of truth; times are derived from it, never k/fps.

/** Seconds between the fastest frames that still count as "the same timestamp" (Chromium keeps whole µs). */
const SAME_TIME = 0.0005;

/** Where to seek to show frame k: the middle of its display interval (exact in Chromium, unlike pts[k] itself). */
export function frameMid(pts: readonly number[], k: number, endSeconds?: number): number {
  const n = pts.length;
  if (n === 0) return 0;
  const i = Math.max(0, Math.min(n - 1, k));
  const start = pts[i]!;
  if (i + 1 < n) return (start + pts[i + 1]!) / 2;
  // The last frame: half the previous frame's duration past its start (never past the end of the file).
  const prev = i > 0 ? start - pts[i - 1]! : 1 / 30;
  const mid = start + prev / 2;
  return endSeconds !== undefined && endSeconds > start ? Math.min(mid, (start + endSeconds) / 2) : mid;
}

/** The frame on screen at time t: the last frame whose pts ≤ t (0 before the first frame). */
export function indexAt(pts: readonly number[], t: number): number {
  let lo = 0;
  let hi = pts.length - 1;
  if (hi < 0) return 0;
  if (t + SAME_TIME < pts[0]!) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pts[mid]! <= t + SAME_TIME) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The frame whose timestamp is t (within half a millisecond), or null when t is not a frame's timestamp. */
export function indexOfTimestamp(pts: readonly number[], t: number): number | null {
  const i = indexAt(pts, t);
  return Math.abs(pts[i]! - t) <= SAME_TIME ? i : null;
}

/**
 * How far a presented mediaTime may be from pts[k] and still be frame k: far below half a frame (2 ms, or a tenth
 * of the shorter neighbouring frame when frames are shorter than 20 ms).
 */
export function frameTolerance(pts: readonly number[], k: number): number {
  const n = pts.length;
  const before = k > 0 ? pts[k]! - pts[k - 1]! : Infinity;
  const after = k + 1 < n ? pts[k + 1]! - pts[k]! : Infinity;
  const shortest = Math.min(before, after);
  return Number.isFinite(shortest) ? Math.min(0.002, shortest / 10) : 0.002;
}

/** Whether a presented media time is frame k's timestamp. */
export function isFrame(pts: readonly number[], k: number, mediaTime: number): boolean {
  const p = pts[k];
  return p !== undefined && Math.abs(mediaTime - p) <= frameTolerance(pts, k);
}

/** The frame one second (or `seconds`) away from frame k, by time, not by a frame count. */
export function indexAfterSeconds(pts: readonly number[], k: number, seconds: number): number {
  const p = pts[Math.max(0, Math.min(pts.length - 1, k))] ?? 0;
  return indexAt(pts, p + seconds);
}

/** The latest keyframe at or before frame k (binary search over the sorted keyframe indices). */
export function keyframeAtOrBefore(keyframes: readonly number[], k: number): number {
  let lo = 0;
  let hi = keyframes.length - 1;
  if (hi < 0 || keyframes[0]! > k) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (keyframes[mid]! <= k) lo = mid;
    else hi = mid - 1;
  }
  return keyframes[lo]!;
}

/**
 * Seconds from the first frame: the time every view shows (scrub bar, timecodes, go to, reports). A recording whose
 * timestamps start at 10 s shows 00:00:00.000 on its first frame; the media times stored with captures stay exact.
 */
export function fromStart(pts: readonly number[], mediaTime: number): number {
  return mediaTime - (pts[0] ?? 0);
}

/** The frame table counted from the first frame (the same array when it starts at 0): positions on a timeline. */
export function tableFromStart(pts: readonly number[]): readonly number[] {
  const o = pts[0] ?? 0;
  return o === 0 ? pts : pts.map((t) => t - o);
}

/** The frame shown `seconds` after the first frame (the inverse of fromStart through the table). */
export function indexFromStart(pts: readonly number[], seconds: number): number {
  return indexAt(pts, (pts[0] ?? 0) + Math.max(0, seconds));
}

/** HH:MM:SS.mmm (milliseconds truncated, so a frame's start never shows as the previous millisecond's frame). */
export function formatTimecode(seconds: number): string {
  const ms = Math.max(0, Math.floor(seconds * 1000 + 1e-6));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (v: number, n = 2) => String(v).padStart(n, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/** Seconds from HH:MM:SS.mmm, MM:SS.mmm or SS.mmm; null when it is not a time. */
export function parseTimecode(text: string): number | null {
  const t = text.trim();
  const m = /^(?:(\d{1,3}):)?(?:(\d{1,2}):)?(\d{1,2}(?:\.\d{1,6})?|\d+\.\d{1,6})$/.exec(t);
  if (!m) return null;
  const parts = [m[1], m[2]].filter((p): p is string => p !== undefined).map(Number);
  const secs = Number(m[3]);
  if (parts.length > 0 && secs >= 60) return null;
  if (parts.length === 2 && parts[1]! >= 60) return null;
  const [h, mm] = parts.length === 2 ? parts : [0, parts[0] ?? 0];
  return h! * 3600 + mm! * 60 + secs;
}

export type GoToTarget = { kind: 'frame'; index: number } | { kind: 'time'; seconds: number };

/**
 * What the "Go to" field means: a whole number is a frame number ("#120" or "f120" too); anything with a colon or a
 * decimal point is a time (HH:MM:SS.mmm, MM:SS, 12.5). Null when it is neither.
 */
export function parseGoTo(text: string): GoToTarget | null {
  const t = text.trim().toLowerCase();
  const frame = /^(?:#|f|frame\s*)?(\d{1,9})$/.exec(t);
  if (frame && !t.includes(':')) return { kind: 'frame', index: Number(frame[1]) };
  const seconds = parseTimecode(t.replace(/s$/, ''));
  return seconds === null ? null : { kind: 'time', seconds };
}
