// The frame player's state and the primitives its parts share: the frame the reviewer is on and the one confirmed
// on screen (drawn from the frame cache on the canvas, or shown by the <video>), the snapshot the review subscribes
// to, and when the player is settled (nothing pending). It also wires the seek path (video-seeker.ts), the frame
// cache (cache-driver.ts) and error recovery (playback-recovery.ts) to that state. FramePlayer (frame-player.ts)
// adds navigation, playback and the shuttle on top.
import { CacheDriver } from './cache-driver';
import type { FrameCache } from './frame-cache';
import type { DecodedImage } from './frame-decoder-protocol';
import { deferred, SUPERSEDED } from './player-async';
import { PlaybackRecovery } from './playback-recovery';
import type { FramePath, FramePlayerOptions, PlayerState } from './player-types';
import { VideoSeeker } from './video-seeker';

export abstract class PlayerCore {
  protected readonly video: HTMLVideoElement;
  protected readonly ctx: CanvasRenderingContext2D | null;
  protected readonly pts: number[];
  protected listeners = new Set<() => void>();
  protected snapshot: PlayerState;
  protected disposed = false;

  // Navigation
  protected index = 0;
  protected dir: 1 | -1 = 1;
  protected mode: 'step' | 'seek' = 'seek';
  protected requestedAt = 0;
  protected changed = deferred();
  protected pumping = false;
  protected busy = false;
  protected settleWaiters: Array<() => void> = [];

  // What is on screen
  protected shownIndex: number | null = null;
  protected mediaTime: number | null = null;
  protected source: 'video' | 'cache' | null = null;
  protected lastPath: FramePath | null = null;
  protected lastMs: number | null = null;
  protected warning: string | null = null;

  // Playback
  protected playing = false;
  protected rate = 1;
  protected reverseRate = 0;
  protected reverseBase = { at: 0, mediaTime: 0 };
  protected lastGood = 0;

  // The <video>, the frame cache, errors
  protected readonly seeker: VideoSeeker;
  protected readonly caching: CacheDriver;
  protected readonly recovery: PlaybackRecovery;

  constructor(protected readonly o: FramePlayerOptions) {
    this.video = o.handle.video;
    this.pts = o.pts;
    this.ctx = o.canvas.getContext('2d', { alpha: false });
    this.seeker = new VideoSeeker(o.handle, o.pts, (o.pts[0] ?? 0) + o.durationSeconds, {
      presented: (mediaTime) => this.onPresented(mediaTime),
      error: (seekTarget) => this.onError(seekTarget),
      ended: () => this.onEnded(),
    });
    this.caching = new CacheDriver({
      url: o.proxyUrl ?? o.url,
      timeOffset: o.proxyUrl ? (o.proxyTimeOffset ?? 0) : 0,
      pts: o.pts,
      limits: o.cacheLimits,
      isDisposed: () => this.disposed,
      focus: () => ({ index: this.index, dir: this.dir }),
      prefetchAt: () => (!this.pumping && !this.playing ? this.index : null),
      changedSoon: () => this.emitSoon(),
    });
    this.recovery = new PlaybackRecovery({
      seeker: this.seeker,
      isDisposed: () => this.disposed,
      wentBack: (k) => {
        this.index = k;
        this.newTarget();
        this.showVideo(k, 'seek');
      },
      emit: () => this.emit(),
    });
    this.snapshot = this.build();
  }

  /** A frame was presented by the <video> (rVFC). */
  protected abstract onPresented(mediaTime: number): void;
  /** The <video> stopped with a media error (on a seek to frame `seekTarget`, when not null). */
  protected abstract onError(seekTarget: number | null): void;
  protected abstract onEnded(): void;

  get frameCount(): number {
    return this.pts.length;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): PlayerState => this.snapshot;

  /** Resolves when nothing is pending (then, normally, frame `index` is confirmed on screen: see state.settled). */
  whenSettled(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.settleWaiters.push(r));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.reverseRate = 0;
    this.caching.cancelPrefetch();
    this.changed.resolve();
    this.seeker.dispose();
    this.caching.drop('off', null);
    this.listeners.clear();
    for (const w of this.settleWaiters.splice(0)) w();
  }

  // ------------------------------------------------------------------------------------------- what is on screen

  protected get cache(): FrameCache | null {
    return this.caching.cache;
  }

  /** The target changed: whatever waits on the previous one (see race) stops waiting. */
  protected newTarget(): void {
    this.changed.resolve();
    this.changed = deferred();
  }

  /** Resolves with the promise's value, or SUPERSEDED as soon as the reviewer asks for another frame. */
  protected race<T>(p: Promise<T>): Promise<T | typeof SUPERSEDED> {
    const changed: Promise<typeof SUPERSEDED> = this.changed.promise.then(() => SUPERSEDED);
    return Promise.race<T | typeof SUPERSEDED>([p, changed]);
  }

  protected showCached(index: number, timestamp: number, image: DecodedImage): void {
    const canvas = this.o.canvas;
    const width = 'displayWidth' in image ? image.displayWidth : image.width;
    const height = 'displayHeight' in image ? image.displayHeight : image.height;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    this.ctx?.drawImage(image, 0, 0, width, height);
    canvas.hidden = false;
    this.cache?.pin(index);
    this.shownIndex = index;
    this.mediaTime = timestamp;
    this.source = 'cache';
    this.lastGood = index;
    this.finishNavigation('cache');
    this.fullSizeSoon();
  }

  /** A cached frame kept smaller than the video (4K on a smaller screen) was drawn: show the full frame once settled. */
  protected abstract fullSizeSoon(): void;

  protected showVideo(index: number, path: FramePath): void {
    this.o.canvas.hidden = true;
    this.cache?.pin(null);
    this.shownIndex = index;
    this.mediaTime = this.pts[index]!;
    this.source = 'video';
    this.lastGood = index;
    this.finishNavigation(path);
  }

  protected finishNavigation(path: FramePath): void {
    this.lastPath = path;
    if (path !== 'play') this.lastMs = performance.now() - this.requestedAt;
    if (this.shownIndex === this.index && !this.pumping) this.busy = false;
    this.emit();
  }

  /** Nothing pending: no navigation, playback, shuttle or recovery under way. */
  protected isIdle(): boolean {
    return !this.busy && !this.pumping && !this.playing && this.reverseRate === 0 && !this.recovery.pending;
  }

  protected isSettled(): boolean {
    return this.isIdle() && this.shownIndex === this.index && this.source !== null;
  }

  // ------------------------------------------------------------------------------------------- state

  private emitPending = false;
  protected emitSoon(): void {
    if (this.emitPending) return;
    this.emitPending = true;
    requestAnimationFrame(() => {
      this.emitPending = false;
      if (!this.disposed) this.emit();
    });
  }

  private build(): PlayerState {
    return {
      index: this.index,
      frameCount: this.pts.length,
      shownIndex: this.shownIndex,
      mediaTime: this.mediaTime,
      source: this.source,
      settled: this.isSettled(),
      busy: this.busy || this.pumping,
      playing: this.playing,
      reverseRate: this.reverseRate,
      rate: this.rate,
      lastPath: this.lastPath,
      lastMs: this.lastMs,
      cache: this.caching.snapshot(),
      problem: this.recovery.problem,
      warning: this.warning,
    };
  }

  protected emit(): void {
    if (this.disposed) return;
    this.snapshot = this.build();
    if (this.isIdle()) for (const w of this.settleWaiters.splice(0)) w();
    for (const l of this.listeners) l();
  }
}
