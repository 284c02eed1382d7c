// The review's player: an integer frame index is the source of truth, and a frame counts as shown only when the
// browser confirms that frame k itself is on screen.
//
// Two ways to put frame k on screen:
//   - the cache path (±1 steps, reverse shuttle): frame k decoded by WebCodecs (frame-cache.ts, opened and closed
//     by cache-driver.ts) and drawn on a canvas laid over the video with the same transform; its timestamp is
//     pts[k] by construction;
//   - the seek path (jumps, scrubbing, and steps the cache cannot serve, video-seeker.ts): the <video> seeks to the
//     middle of frame k ((pts[k] + pts[k+1]) / 2, exact in Chromium), and requestVideoFrameCallback must then
//     report a presented mediaTime equal to pts[k] (a VideoFrame of the element is the fallback witness).
// While playing, the index follows rVFC's mediaTime through the pts table. Navigation is coalesced: only the
// newest target is pursued, so holding an arrow key or dragging the scrub bar never queues stale seeks.
// A media error is reported where it happened; the element is reloaded and sent back to the last good frame
// (playback-recovery.ts). Capture: frame-capture.ts. The state and what is on screen: player-core.ts; navigation
// (coalesced targets, the cache or the seek path): player-navigation.ts; this class adds playback and the shuttle.
import type { FrameCacheStats } from './frame-cache';
import { captureFrame } from './frame-capture';
import { FullSizeSwitch } from './full-size';
import { nextPaint } from './player-async';
import { PlayerNavigation } from './player-navigation';
import { mediaErrorMessage } from './playback-recovery';
import { SHUTTLE_RATES, type CapturedFrame, type FramePlayerOptions } from './player-types';
import { indexAt, isFrame } from './timeline';

export { PLAYBACK_RATES } from './player-types';

/** How far (wall seconds) the backward shuttle may fall behind its clock before the clock restarts. */
const REVERSE_SLACK_S = 0.12;
export type { CacheState, CapturedFrame, FramePath, FramePlayerOptions, PlaybackProblem, PlayerState } from './player-types';

export class FramePlayer extends PlayerNavigation {
  constructor(o: FramePlayerOptions) {
    super(o);
    if (o.cache) void this.setCacheEnabled(true);
  }

  // ------------------------------------------------------------------------------------------- public API

  async play(): Promise<void> {
    if (this.disposed || this.playing) return;
    this.stopReverse();
    if (this.index >= this.pts.length - 1) this.goTo(0, 'seek');
    await this.whenSettled();
    if (this.seeker.videoIndex !== this.index) {
      // The cache drew this frame; the <video> is elsewhere. Bring it here first so playback starts from it.
      this.busy = true;
      this.emit();
      const r = await this.seeker.seek(this.index);
      this.busy = false;
      if (r !== 'ok') {
        this.emit();
        return;
      }
    }
    this.video.playbackRate = this.rate;
    this.playing = true;
    this.showVideo(this.index, 'play');
    try {
      await this.video.play();
    } catch (err) {
      this.playing = false;
      this.warning = `Playback did not start: ${(err as Error).message}`;
      this.emit();
    }
  }

  /**
   * Pauses and settles on the frame on screen: the one a VideoFrame of the element shows once it has stopped
   * changing (the element may present one more frame after pause(), or show one a little ahead of currentTime).
   */
  async pause(): Promise<void> {
    if (!this.playing) return;
    this.playing = false;
    this.busy = true;
    this.video.pause();
    this.emit();
    const last = await this.seeker.stillFrameTime(() => this.disposed);
    if (this.disposed || this.playing) return;
    const k = last !== null ? indexAt(this.pts, last) : indexAt(this.pts, this.video.currentTime);
    this.index = k;
    this.newTarget();
    if (last !== null && isFrame(this.pts, k, last)) {
      this.seeker.videoIndex = k;
      this.showVideo(k, 'play');
    } else {
      this.busy = false;
      this.shownIndex = null;
      this.source = null;
      this.goTo(k, 'seek', true);
    }
  }

  togglePlay(): void {
    if (this.reverseRate) this.stopReverse();
    else if (this.playing) void this.pause();
    else void this.play();
  }

  /** L: forward shuttle (play; again: faster, up to 4×). During a backward shuttle, L stops it. */
  shuttleForward(): void {
    if (this.reverseRate) {
      this.stopReverse();
      return;
    }
    if (!this.playing) {
      void this.play();
      return;
    }
    this.setRate(SHUTTLE_RATES.find((r) => r > this.rate) ?? 4);
  }

  /**
   * J: backward shuttle. HTML video cannot play backwards, so this steps back in time at 1×, 2× or 4× (pressing
   * J again), through the frame cache when it can. While playing forward, J pauses.
   */
  shuttleBackward(): void {
    if (this.playing) {
      void this.pause();
      return;
    }
    this.playBackward(this.reverseRate ? (SHUTTLE_RATES.find((r) => r > this.reverseRate) ?? 4) : 1);
  }

  /** Plays backwards at `rate` (1, 2 or 4; the speed box's negative speeds). While playing forward, pauses first. */
  playBackward(rate: number): void {
    const run = () => {
      const wasRunning = this.reverseRate > 0;
      this.reverseRate = SHUTTLE_RATES.includes(rate) ? rate : 1;
      this.reverseBase = { at: performance.now(), mediaTime: this.pts[this.index]! };
      this.emit();
      if (!wasRunning) void this.runReverse();
    };
    if (this.playing) void this.pause().then(run);
    else run();
  }

  setRate(rate: number): void {
    this.rate = Math.max(0.1, Math.min(4, rate));
    this.video.playbackRate = this.rate;
    this.emit();
  }

  /** The exact frame on screen as a lossless PNG at its native size (pauses first). */
  capture(): Promise<CapturedFrame> {
    return captureFrame({
      pts: this.pts,
      video: this.video,
      settle: async () => {
        this.stopReverse();
        if (this.playing) await this.pause();
        await this.whenSettled();
      },
      onScreen: () => ({ index: this.index, shownIndex: this.shownIndex, source: this.source }),
      cached: (k) => this.cache?.get(k),
      colour: this.o.colour,
      videoTo: async (k) => {
        // The full-size switch would seek the element too (and supersede this seek): the capture does it now.
        this.fullSize.cancel();
        for (let attempt = 0; attempt < 3; attempt++) {
          if (this.seeker.videoIndex === k && !this.video.seeking) return true;
          const r = await this.seeker.seek(k);
          if (r === 'ok') return true;
          if (r !== 'superseded') return false;
        }
        return false;
      },
      reshow: (k, video) => {
        this.shownIndex = null;
        this.source = null;
        if (video) this.seeker.videoIndex = null;
        this.goTo(k, 'seek', true);
        return this.whenSettled();
      },
    });
  }

  /** Turns the WebCodecs frame cache on (steps drawn from decoded frames) or off (every step seeks). */
  async setCacheEnabled(on: boolean): Promise<void> {
    if (this.caching.opening) await this.caching.opening;
    if (on === (this.cache !== null)) return;
    if (!on) {
      this.caching.drop('off', null);
      if (this.source === 'cache' && this.shownIndex !== null) {
        this.shownIndex = null;
        this.source = null;
        this.goTo(this.index, 'seek', true);
      }
      this.emit();
      return;
    }
    await this.caching.open(() => this.emit());
  }

  cacheStats(): FrameCacheStats | null {
    return this.caching.stats();
  }

  /** Resolves when the frame cache has nothing left to decode (benchmarks and tests wait for this). */
  async cacheIdle(): Promise<void> {
    await this.caching.idle();
  }

  dismissProblem(): void {
    if (this.recovery.dismiss()) this.emit();
  }

  // ------------------------------------------------------------------------------------------- full size

  private readonly fullSize = new FullSizeSwitch({
    cache: () => this.cache,
    video: this.video,
    index: () => this.index,
    showsCached: (k) => !this.disposed && this.isSettled() && this.index === k && this.source === 'cache' && this.shownIndex === k,
    seek: (k) => this.seeker.seek(k),
    showVideo: () => {
      this.o.canvas.hidden = true;
      this.cache?.pin(null);
      this.source = 'video';
      this.emit();
    },
  });

  protected fullSizeSoon(): void {
    this.fullSize.soon();
  }

  /**
   * The backward shuttle's clock: a frame is due when the media time has gone back (now − start) × rate. When the screen
   * falls behind (the cache still decoding the stretch behind), the clock restarts from the frame on screen rather than
   * jump ahead: it slows for a moment, never skips a run of frames. REVERSE_SLACK_S of lag is ordinary frame dropping.
   */
  private async runReverse(): Promise<void> {
    while (this.reverseRate > 0 && !this.disposed) {
      if (this.index <= 0) break;
      const now = performance.now();
      const due = this.reverseBase.mediaTime - ((now - this.reverseBase.at) / 1000) * this.reverseRate;
      const here = this.pts[this.index]!;
      if ((here - due) / this.reverseRate > REVERSE_SLACK_S) {
        const k = this.index - 1; // behind: one frame back, the clock set to it
        this.reverseBase = { at: now, mediaTime: this.pts[k]! };
        this.goTo(k, 'step', true);
        await this.whenShown();
        continue;
      }
      const target = indexAt(this.pts, due);
      if (target < this.index) {
        this.goTo(target, 'step', true);
        await this.whenShown();
      } else {
        await nextPaint();
      }
    }
    this.reverseRate = 0;
    this.emit();
  }

  /** Resolves when the current target is on screen (or replaced), ignoring the shuttle (unlike whenSettled). */
  private async whenShown(): Promise<void> {
    while (!this.disposed && this.reverseRate > 0 && this.pumping) {
      await Promise.race([this.changed.promise, nextPaint()]);
    }
  }

  protected stopReverse(): void {
    if (this.reverseRate === 0) return;
    this.reverseRate = 0;
    this.emit();
  }

  // ------------------------------------------------------------------------------------------- <video> events

  /** A frame was presented: while playing, the index follows it through the pts table. */
  protected onPresented(mediaTime: number): void {
    if (!this.playing) return;
    const k = indexAt(this.pts, mediaTime);
    this.index = k;
    this.seeker.videoIndex = k;
    this.shownIndex = k;
    this.mediaTime = this.pts[k]!;
    this.source = 'video';
    this.lastGood = k;
    this.lastPath = 'play';
    this.emit();
  }

  protected onEnded(): void {
    if (this.playing) void this.pause();
  }

  protected onError(seekTarget: number | null): void {
    if (this.disposed) return;
    const wasPlaying = this.playing;
    const at = seekTarget !== null ? this.pts[seekTarget]! : this.video.currentTime;
    // While playing, the frame that could not be shown is the one after the last one presented.
    const atIndex = seekTarget ?? (wasPlaying ? Math.min(this.pts.length - 1, Math.max(indexAt(this.pts, at), this.index + 1)) : indexAt(this.pts, at));
    const { code, message, detail } = this.o.handle.errorText();
    this.playing = false;
    this.seeker.videoIndex = null;
    this.seeker.flushSeeked(false);
    if (this.recovery.pending) return; // an error while recovering: the recovery sees it
    this.recovery.fail({ code, message: mediaErrorMessage(code, message), detail, atSeconds: this.pts[atIndex] ?? at, atIndex }, this.lastGood, true);
  }
}
