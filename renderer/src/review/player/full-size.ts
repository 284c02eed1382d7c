// The full-size frame once the reviewer stops: the frame cache keeps frames smaller than the video (a scrub proxy's,
// or a 4K frame kept at screen size: 33 MB as RGBA), so after 250 ms on a frame drawn from it the <video> is sent to
// that frame in the background and shown instead. Moving on before it is there simply abandons it.
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

export class FullSizeSwitch {
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly host: FullSizeHost) {}

  /** A cached frame was drawn: switch to the full-size frame if it stays there (and the cache's is smaller). */
  soon(): void {
    const c = this.host.cache();
    // The full size is the original's (the <video>'s): a proxy's frames are smaller even when the cache keeps them whole.
    const v = this.host.video;
    const full = { width: v.videoWidth || c?.videoSize.width || 0, height: v.videoHeight || c?.videoSize.height || 0 };
    if (!c || (c.frameSize.width >= full.width && c.frameSize.height >= full.height)) return;
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = null;
      const k = this.host.index();
      if (!this.host.showsCached(k)) return;
      void this.host.seek(k).then((r) => {
        if (r === 'ok' && this.host.showsCached(k)) this.host.showVideo();
      });
    }, 250);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
