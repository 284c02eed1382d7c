// The full-size frame once the reviewer stops: the frame cache keeps frames smaller than the video (a scrub proxy's,
// or a 4K frame kept at screen size: 33 MB as RGBA), so after a moment on a frame drawn from it the <video> is sent to
// that frame in the background and shown instead. Moving on before it is there simply abandons it, but the seek
// itself cannot be abandoned: Chromium decodes the original from its keyframe (up to 8 s of a long-GOP recording, or a
// 4K GOP) whatever comes next. So the switch waits longer while the reviewer keeps moving: a seek started between two
// jumps took the CPU from the next one (bench:video: 200–640 ms jumps right after a switch began, on 2 cores).
import type { FrameCache } from './frame-cache';
import type { SeekResult } from './video-seeker';

export interface FullSizeHost {
  cache(): FrameCache | null;
  readonly video: HTMLVideoElement;
  index(): number;
  /** Whether frame k, drawn from the cache, is still what the reviewer is settled on. */
  showsCached(k: number): boolean;
  seek(k: number): Promise<SeekResult>;
  /** The <video> is on the frame: show it instead of the canvas. */
  showVideo(): void;
}

/** How long a cached frame stays before the full-size one replaces it, when the reviewer has stopped. */
export const FULL_SIZE_SETTLE_MS = 300;
/** The same while the reviewer is moving (the previous frame was drawn less than MOVING_WINDOW_MS before this one). */
export const FULL_SIZE_MOVING_MS = 900;
const MOVING_WINDOW_MS = 1500;

/** How long to wait before the full-size switch, given when the previous cached frame was drawn (null: none yet). */
export function fullSizeDelay(now: number, previous: number | null): number {
  return previous !== null && now - previous < MOVING_WINDOW_MS ? FULL_SIZE_MOVING_MS : FULL_SIZE_SETTLE_MS;
}

export class FullSizeSwitch {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastDrawnAt: number | null = null;

  constructor(private readonly host: FullSizeHost) {}

  /** A cached frame was drawn: switch to the full-size frame if it stays there (and the cache's is smaller). */
  soon(): void {
    const c = this.host.cache();
    // The full size is the original's (the <video>'s): a proxy's frames are smaller even when the cache keeps them whole.
    const v = this.host.video;
    const full = { width: v.videoWidth || c?.videoSize.width || 0, height: v.videoHeight || c?.videoSize.height || 0 };
    if (!c || (c.frameSize.width >= full.width && c.frameSize.height >= full.height)) return;
    this.cancel();
    const now = performance.now();
    const delay = fullSizeDelay(now, this.lastDrawnAt);
    this.lastDrawnAt = now;
    this.timer = setTimeout(() => {
      this.timer = null;
      const k = this.host.index();
      if (!this.host.showsCached(k)) return;
      void this.host.seek(k).then((r) => {
        if (r === 'ok' && this.host.showsCached(k)) this.host.showVideo();
      });
    }, delay);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
