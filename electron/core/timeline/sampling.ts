// Where the phase timeline samples a video: sample times (every N seconds, or scene changes) and, for each, the frame
// on screen at that time by the video's frame table (frame k is shown from pts[k] to pts[k+1]). Pure functions.

export interface PlannedSample {
  /** The sample time, in seconds. */
  time: number;
  /** The frame whose presentation interval contains `time`. */
  frameIndex: number;
}

/** Timestamps closer than this count as the same instant (Chromium keeps whole microseconds; tables are floats). */
const SAME_TIME = 0.0005;

/** The frame shown at time t: the last frame whose pts ≤ t (frame 0 before the first frame). */
export function frameAt(pts: readonly number[], t: number): number {
  let lo = 0;
  let hi = pts.length - 1;
  if (hi < 0) throw new Error('The video has no frames.');
  if (t + SAME_TIME < pts[0]!) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pts[mid]! <= t + SAME_TIME) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** 0, N, 2N, … strictly before the end: a 60 s video every 5 s gives 12 times (0 … 55 s). */
export function intervalTimes(durationSeconds: number, everySeconds: number): number[] {
  if (!(everySeconds > 0)) throw new Error('The sampling interval must be positive.');
  if (!(durationSeconds > 0)) return [0];
  const count = Math.max(1, Math.ceil(durationSeconds / everySeconds - 1e-9));
  // Multiplying (not adding) keeps 55 s exactly 55 s after eleven steps.
  return Array.from({ length: count }, (_, i) => Math.round(i * everySeconds * 1e6) / 1e6);
}

/**
 * Scene-change times thinned so that samples are at least `minGapSeconds` apart, always starting with 0 (the
 * opening frame is the first sample whatever the scene detector says).
 */
export function sceneTimes(changes: readonly number[], minGapSeconds: number, durationSeconds: number): number[] {
  const out = [0];
  for (const t of [...changes].sort((a, b) => a - b)) {
    if (t < 0 || (durationSeconds > 0 && t >= durationSeconds)) continue;
    if (t - out[out.length - 1]! >= minGapSeconds - 1e-9) out.push(t);
  }
  return out;
}

/**
 * The frame for each time; two times on the same frame make one sample (the earlier time). `times` count from the
 * first frame (0 = the first frame, as every time the app shows); a sample's `time` is the media time (pts[0] + t), so
 * a recording whose timestamps start at 10 s is sampled from its first frame, not from 10 s in.
 */
export function planSamples(pts: readonly number[], times: readonly number[]): PlannedSample[] {
  const seen = new Set<number>();
  const out: PlannedSample[] = [];
  const origin = pts[0] ?? 0;
  for (const t of times) {
    const time = origin + t;
    const frameIndex = frameAt(pts, time);
    if (seen.has(frameIndex)) continue;
    seen.add(frameIndex);
    out.push({ time, frameIndex });
  }
  return out;
}

/** The plan for "a frame every N seconds". */
export function intervalPlan(pts: readonly number[], durationSeconds: number, everySeconds: number): PlannedSample[] {
  return planSamples(pts, intervalTimes(durationSeconds, everySeconds));
}

/**
 * Where ffmpeg must seek so that the first frame it outputs is frame k exactly: half way between frame k-1 and frame
 * k (ffmpeg's accurate input seek drops every frame that starts before the seek point), or null for frame 0 (no
 * seek). Half a frame of margin on each side absorbs rounding in either frame table.
 */
export function seekPointFor(pts: readonly number[], k: number): number | null {
  if (k <= 0) return null;
  if (k >= pts.length) throw new Error(`Frame ${k} does not exist: the video has ${pts.length} frames.`);
  return (pts[k - 1]! + pts[k]!) / 2;
}
