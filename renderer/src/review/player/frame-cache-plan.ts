// The frame cache's one scheduling decision, kept pure so that it can be tested without a decoder: given where the
// playhead is, what is cached and the decode job under way, which job (if any) should run next. frame-cache.ts owns
// the jobs, the worker and the frames; this decides.

/** A jump restarts decoding at its frame when the running job is more than this many frames short of it. */
export const JUMP_RESTART_FRAMES = 5;
/** Going backwards, the window is decoded in runs of this many frames nearest first (fewer when nothing is cached behind). */
export const NEAR_FIRST_FRAMES = 8;
export const BACK_RUN_FRAMES = 48;

export interface PlanInput {
  /** Frames in the video. */
  frameCount: number;
  playhead: number;
  dir: 1 | -1;
  isCached(k: number): boolean;
  /** Frames the cache tries to hold ahead of the playhead. */
  aheadCount: number;
  /** The window the cache tries to hold. */
  window: { start: number; end: number };
  /** After a jump, where the next step may go either way: decode from the start of the window. */
  around: boolean;
  /** The last focus was a jump drawn from the cache: its frame first. */
  jumped: boolean;
  /** The job under way: the next frame it will produce, and whether it will still produce frame k. */
  job: { next: number; covers(k: number): boolean } | null;
}

export type Plan = { kind: 'none' } | { kind: 'keep' } | { kind: 'start'; start: number; end: number; forward: boolean };

/** What to decode next for the playhead (see frame-cache.ts for the rules' reasons). */
export function planJob(p: PlanInput): Plan {
  const n = p.frameCount;
  const d = p.dir;
  let run = 0;
  for (let i = p.playhead; i >= 0 && i < n && p.isCached(i); i += d) run++;
  const gap = p.playhead + d * run;
  if (gap < 0 || gap >= n) return { kind: 'none' }; // cached to the end of the file in this direction
  const needNow = run === 0;
  const refill = run - 1 < Math.ceil(p.aheadCount / 2);
  if (!needNow && !refill) return { kind: 'none' };
  // A jump waits for the running job only when it is about to reach the frame: one that would first decode (and
  // convert) more frames on its way is replaced by a job from the keyframe before the frame (a scrub proxy has one every
  // 10 frames). bench:video: a restarted jump took 44–95 ms, waiting cost ~15 ms a frame (10 frames: 166 ms, 17: 263 ms).
  if (p.job && p.job.covers(gap) && !(needNow && p.jumped && gap - p.job.next > JUMP_RESTART_FRAMES)) return { kind: 'keep' };
  const w = p.window;
  // A backward jump's frame comes first, on its own: decoding the window behind it first made the jump wait for up
  // to three quarters of the cache (112 frames of a 150-frame cache: 0.9–1.5 s median on 2 cores, measured by
  // bench:video). The refill follows when it is shown. (Steps and J keep the window first: going backwards they
  // need the frames behind, and a frame alone first made J skip frames while the window filled.)
  const alone = needNow && d < 0 && p.jumped;
  // Backwards (steps, J) the window is filled nearest first, a run at a time: a decode goes forwards from a keyframe,
  // so the frame needed next comes last in its run; decoding the whole window in one run held J still for a second
  // right after a jump forward (nothing cached behind). With nothing cached behind (or only the frame on screen, after a
  // backward jump), a short run first: the first step back after a jump then waits for a few frames, not for 48.
  const backRun = run <= 1 ? NEAR_FIRST_FRAMES : BACK_RUN_FRAMES;
  const start = alone ? gap : d > 0 ? (p.around && needNow ? w.start : gap) : Math.max(Math.min(w.start, gap), gap - backRun);
  const end = d > 0 ? n - 1 : gap;
  return { kind: 'start', start, end, forward: d > 0 && !alone };
}
