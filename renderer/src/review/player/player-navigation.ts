// Navigation for the review's player (frame-player.ts): goTo/step coalesce targets (only the newest is pursued) and
// pump() puts each on screen by the cache path (frame-cache.ts, steps and scrub-proxy jumps) or the seek path
// (video-seeker.ts), confirming the exact frame; a frame Chromium will not present is taken from the cache, a near
// neighbour is believed and named, anything else is reported (playback-recovery.ts).
import { SUPERSEDED } from './player-async';
import { PlayerCore } from './player-core';
import { unshownFrameMessage } from './playback-recovery';
import { indexAt } from './timeline';

export abstract class PlayerNavigation extends PlayerCore {
  /** Pauses playback and settles on the frame on screen (the player's). */
  abstract pause(): Promise<void>;
  /** Ends a backward shuttle (the player's). */
  protected abstract stopReverse(): void;

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
}
