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
// (playback-recovery.ts). Capture: frame-capture.ts. The state and what is on screen: player-core.ts; this class
// adds navigation (coalesced targets, the cache or the seek path), playback and the shuttle.
import type { FrameCacheStats } from './frame-cache';
import { captureFrame } from './frame-capture';
import { FullSizeSwitch } from './full-size';
import { nextPaint, SUPERSEDED } from './player-async';
import { PlayerCore } from './player-core';
import { mediaErrorMessage, unshownFrameMessage } from './playback-recovery';
import { SHUTTLE_RATES, type CapturedFrame, type FramePlayerOptions } from './player-types';
import { indexAt, isFrame } from './timeline';

export { PLAYBACK_RATES } from './player-types';

/** How far (wall seconds) the backward shuttle may fall behind its clock before the clock restarts. */
const REVERSE_SLACK_S = 0.12;
export type { CacheState, CapturedFrame, FramePath, FramePlayerOptions, PlaybackProblem, PlayerState } from './player-types';

export class FramePlayer extends PlayerCore {
  constructor(o: FramePlayerOptions) {
    super(o);
    if (o.cache) void this.setCacheEnabled(true);
  }

  // ------------------------------------------------------------------------------------------- public API

  /** Show frame k. `step`: a short move that the frame cache should serve; `seek`: a jump (the <video> seeks). */
  goTo(k: number, how: 'step' | 'seek' = 'seek', internal = false): void {
    if (this.disposed || this.pts.length === 0) return;
    if (!internal) this.stopReverse();
    if (this.playing) {
      void this.pause().then(() => this.goTo(k, how, internal));
      return;
    }
    const target = Math.max(0, Math.min(this.pts.length - 1, Math.round(k)));
    this.requestedAt = performance.now();
    if (target !== this.index) this.dir = target > this.index ? 1 : -1;
    this.index = target;
    this.mode = how;
    this.warning = null;
    this.newTarget();
    const hit = this.cache?.get(target);
    if (how === 'step') this.cache?.focus(target, this.dir);
    else if (this.o.proxyUrl && this.cache?.usable) {
      // With the scrub proxy a jump is drawn from it too (a keyframe every 10 small frames): decode it now.
      this.cache.focus(target, this.dir, false, true);
    } else {
      // A jump: stop decoding around the old place (the seek needs the CPU), refill once the jumping stops.
      if (!hit) this.cache?.stop();
      this.caching.schedulePrefetch();
    }
    if (hit) {
      this.showCached(hit.index, hit.timestamp, hit.image);
      return;
    }
    if (this.shownIndex === target && this.source !== null && !this.pumping) {
      this.emit();
      return;
    }
    this.busy = true;
    this.emit();
    void this.pump();
  }

  /** ±n frames from where the reviewer is (after pausing, from the paused frame). */
  step(delta: number): void {
    if (this.playing) {
      void this.pause().then(() => this.goTo(this.index + delta, 'step'));
      return;
    }
    this.goTo(this.index + delta, Math.abs(delta) <= 1 ? 'step' : 'seek');
  }

  /** ± seconds by time (Shift+arrows): the frame on screen at pts[index] ± seconds. */
  stepSeconds(seconds: number): void {
    const run = () => {
      const t = this.pts[this.index]! + seconds;
      this.goTo(indexAt(this.pts, Math.max(0, t)), 'seek');
    };
    if (this.playing) void this.pause().then(run);
    else run();
  }

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

  // ------------------------------------------------------------------------------------------- navigation

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      await this.seeker.loaded;
      for (let guard = 0; guard < 10_000 && !this.disposed; guard++) {
        if (this.recovery.pending) await this.recovery.pending;
        const k = this.index;
        if (this.shownIndex === k && this.source !== null) break;
        if ((this.mode === 'step' || this.o.proxyUrl) && this.cache?.usable) {
          const f = await this.race(this.cache.want(k));
          if (f === SUPERSEDED || this.index !== k) continue;
          if (f) {
            this.showCached(f.index, f.timestamp, f.image);
            continue;
          }
        }
        const r = await this.race(this.seeker.seek(k));
        if (r === SUPERSEDED || r === 'superseded' || this.index !== k) continue;
        if (r === 'ok') {
          this.showVideo(k, 'seek');
        } else if (r === 'error') {
          // onError reports it and starts the recovery; wait for it, then carry on from where it left us.
          if (this.recovery.pending) await this.recovery.pending;
          if (this.recovery.problem?.state === 'failed') break;
        } else if (!(await this.onMismatch(k))) break;
      }
    } finally {
      this.pumping = false;
      this.busy = false;
      this.emit();
    }
  }

  /**
   * Chromium presented another frame than the one asked for (it happens: some frames of some files are never shown
   * by a seek). WebCodecs decodes every frame: show k from the frame cache when it can, else believe a neighbour on
   * screen, else report that frame k cannot be shown. False when the pump should stop.
   */
  private async onMismatch(k: number): Promise<boolean> {
    if (this.cache?.usable) {
      this.cache.focus(k, this.dir);
      const f = await this.race(this.cache.want(k));
      if (f === SUPERSEDED || this.index !== k) return true;
      if (f) {
        this.showCached(f.index, f.timestamp, f.image);
        return true;
      }
    }
    const t = this.seeker.currentFrameTime() ?? this.seeker.presented.mediaTime;
    const got = Number.isFinite(t) ? indexAt(this.pts, t) : null;
    if (got !== null && got !== k && Math.abs(got - k) <= 2) {
      // A neighbour (Chromium's own frame timing on some variable-rate files): believe the screen, say so.
      this.warning = `Asked for frame ${k}, the video shows frame ${got}.`;
      this.index = got;
      this.seeker.videoIndex = got;
      this.showVideo(got, 'seek');
      return false;
    }
    // Far off, or nothing: the file cannot be read there (damaged, or cut short since it was imported).
    const why = this.cache?.stats.lastError;
    this.recovery.fail({ code: null, message: unshownFrameMessage(k, got), detail: why ? `Frame cache: ${why}` : null, atSeconds: this.pts[k]!, atIndex: k }, this.lastGood, false);
    if (this.recovery.pending) await this.recovery.pending;
    return false;
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

  private stopReverse(): void {
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

  protected onError(): void {
    if (this.disposed) return;
    const wasPlaying = this.playing;
    const at = wasPlaying || !this.seeker.seeking ? this.video.currentTime : this.seeker.seekTime;
    // While playing, the frame that could not be shown is the one after the last one presented.
    const atIndex = wasPlaying ? Math.min(this.pts.length - 1, Math.max(indexAt(this.pts, at), this.index + 1)) : indexAt(this.pts, at);
    const { code, message, detail } = this.o.handle.errorText();
    this.playing = false;
    this.seeker.videoIndex = null;
    this.seeker.flushSeeked(false);
    if (this.recovery.pending) return; // an error while recovering: the recovery sees it
    this.recovery.fail({ code, message: mediaErrorMessage(code, message), detail, atSeconds: this.pts[atIndex] ?? at, atIndex }, this.lastGood, true);
  }
}
