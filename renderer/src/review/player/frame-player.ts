// The review's player: an integer frame index is the source of truth, and a frame counts as shown only when the
// browser confirms that frame k itself is on screen.
//
// Two ways to put frame k on screen:
//   - the cache path (±1 steps, reverse shuttle): frame k decoded by WebCodecs (frame-cache.ts) and drawn on a
//     canvas laid over the video with the same transform; its timestamp is pts[k] by construction;
//   - the seek path (jumps, scrubbing, and steps the cache cannot serve): the <video> seeks to the middle of
//     frame k ((pts[k] + pts[k+1]) / 2, exact in Chromium), and requestVideoFrameCallback must then report a
//     presented mediaTime equal to pts[k] (a VideoFrame of the element is the fallback witness).
// While playing, the index follows rVFC's mediaTime through the pts table. Navigation is coalesced: only the
// newest target is pursued, so holding an arrow key or dragging the scrub bar never queues stale seeks.
// A media error is reported where it happened; the element is reloaded and sent back to the last good frame.
import { encodePng, type EncodedFrame } from './capture';
import { FrameCache, DEFAULT_CACHE_LIMITS, type FrameCacheLimits, type FrameCacheStats } from './frame-cache';
import type { DecodedImage } from './frame-decoder-protocol';
import { frameMid, indexAt, isFrame } from './timeline';
import type { VideoElementHandle } from './video-element';

export type FramePath = 'cache' | 'seek' | 'play';
export type CacheState = 'loading' | 'on' | 'off' | 'unavailable' | 'failed';

export interface PlaybackProblem {
  code: number | null;
  /** What happened, in words for the reviewer. */
  message: string;
  /** The browser's own text (Chromium: PipelineStatus::…), when it gave one. */
  detail: string | null;
  /** Where it happened. */
  atSeconds: number;
  atIndex: number;
  state: 'recovering' | 'recovered' | 'failed';
  /** The last good frame the player went back to. */
  recoveredTo: number | null;
}

export interface PlayerState {
  /** The frame the reviewer is on (the target while a seek is under way). */
  index: number;
  frameCount: number;
  /** The frame confirmed on screen, and its media time (= pts[shownIndex]). */
  shownIndex: number | null;
  mediaTime: number | null;
  /** Where the shown pixels come from. */
  source: 'video' | 'cache' | null;
  /** True when frame `index` is confirmed on screen and nothing is pending: safe to capture. */
  settled: boolean;
  busy: boolean;
  playing: boolean;
  /** Backward shuttle speed (stepping backwards in time), 0 when off. */
  reverseRate: number;
  /** Forward playback speed. */
  rate: number;
  /** How the last frame got on screen, and how long it took from the request (ms). */
  lastPath: FramePath | null;
  lastMs: number | null;
  cache: { state: CacheState; reason: string | null; frames: number; capacity: number; decoding: boolean };
  problem: PlaybackProblem | null;
  /** A frame the browser showed that was not the one asked for (kept honest in the display). */
  warning: string | null;
}

export interface FramePlayerOptions {
  handle: VideoElementHandle;
  canvas: HTMLCanvasElement;
  url: string;
  pts: number[];
  durationSeconds: number;
  cache: boolean;
  cacheLimits?: FrameCacheLimits;
}

export interface CapturedFrame extends EncodedFrame {
  index: number;
  mediaTime: number;
  source: 'video' | 'cache';
}

const SUPERSEDED = Symbol('superseded');
type SeekResult = 'ok' | 'error' | 'mismatch' | 'superseded';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const nextPaint = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const PLAYBACK_RATES = [0.1, 0.25, 0.5, 1, 1.5, 2, 4] as const;
const SHUTTLE_RATES = [1, 2, 4];

export class FramePlayer {
  private readonly video: HTMLVideoElement;
  private readonly ctx: CanvasRenderingContext2D | null;
  private readonly pts: number[];
  private listeners = new Set<() => void>();
  private snapshot: PlayerState;
  private disposed = false;

  // Navigation
  private index = 0;
  private dir: 1 | -1 = 1;
  private mode: 'step' | 'seek' = 'seek';
  private requestedAt = 0;
  private changed = deferred();
  private pumping = false;
  private busy = false;
  private settleWaiters: Array<() => void> = [];

  // What is on screen
  private shownIndex: number | null = null;
  private mediaTime: number | null = null;
  private source: 'video' | 'cache' | null = null;
  private lastPath: FramePath | null = null;
  private lastMs: number | null = null;
  private warning: string | null = null;

  // The <video>
  private videoIndex: number | null = null;
  private presented = { count: 0, mediaTime: Number.NaN };
  private presentedWaiters: Array<() => void> = [];
  private seekGen = 0;
  private seekTime = 0;
  private seeking = false;
  private loaded: Promise<void>;
  private seekedWaiters: Array<(ok: boolean) => void> = [];
  private rvfcHandle: number | null = null;
  private playing = false;
  private rate = 1;
  private reverseRate = 0;
  private reverseBase = { at: 0, mediaTime: 0 };
  private problem: PlaybackProblem | null = null;
  private recovery: Promise<void> | null = null;
  private lastGood = 0;

  // The frame cache
  private cache: FrameCache | null = null;
  private cacheState: CacheState = 'off';
  private cacheReason: string | null = null;
  private cacheUnsub: (() => void) | null = null;
  private cacheOpening: Promise<void> | null = null;
  private prefetchTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly o: FramePlayerOptions) {
    this.video = o.handle.video;
    this.pts = o.pts;
    this.ctx = o.canvas.getContext('2d', { alpha: false });
    this.snapshot = this.build();
    this.video.addEventListener('seeked', this.onSeeked);
    this.video.addEventListener('error', this.onError);
    this.video.addEventListener('ended', this.onEnded);
    this.loaded = this.video.readyState >= 2 ? Promise.resolve() : new Promise<void>((resolve) => {
      const done = () => {
        this.video.removeEventListener('loadeddata', done);
        this.video.removeEventListener('error', done);
        resolve();
      };
      this.video.addEventListener('loadeddata', done);
      this.video.addEventListener('error', done);
    });
    if (typeof this.video.requestVideoFrameCallback === 'function') this.rvfcHandle = this.video.requestVideoFrameCallback(this.onFrame);
    if (o.cache) void this.setCacheEnabled(true);
  }

  // ------------------------------------------------------------------------------------------- public API

  get frameCount(): number {
    return this.pts.length;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): PlayerState => this.snapshot;

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
    this.changed.resolve();
    this.changed = deferred();
    const hit = this.cache?.get(target);
    if (how === 'step') this.cache?.focus(target, this.dir);
    else {
      // A jump: stop decoding around the old place (the seek needs the CPU), refill once the jumping stops.
      if (!hit) this.cache?.stop();
      this.schedulePrefetch();
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
    if (this.videoIndex !== this.index) {
      // The cache drew this frame; the <video> is elsewhere. Bring it here first so playback starts from it.
      this.busy = true;
      this.emit();
      const r = await this.seekVideo(this.index);
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
    const deadline = performance.now() + 500;
    let last = this.currentFrameTime();
    let stable = 0;
    while (!this.disposed && stable < 3 && performance.now() < deadline) {
      await nextPaint();
      const t = this.currentFrameTime();
      if (t !== null && t === last) stable++;
      else {
        stable = 0;
        last = t;
      }
    }
    if (this.disposed || this.playing) return;
    const k = last !== null ? indexAt(this.pts, last) : indexAt(this.pts, this.video.currentTime);
    this.index = k;
    this.changed.resolve();
    this.changed = deferred();
    if (last !== null && isFrame(this.pts, k, last)) {
      this.videoIndex = k;
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
    if (this.reverseRate) {
      this.reverseRate = SHUTTLE_RATES.find((r) => r > this.reverseRate) ?? 4;
      this.reverseBase = { at: performance.now(), mediaTime: this.pts[this.index]! };
      this.emit();
      return;
    }
    this.reverseRate = 1;
    this.reverseBase = { at: performance.now(), mediaTime: this.pts[this.index]! };
    this.emit();
    void this.runReverse();
  }

  setRate(rate: number): void {
    this.rate = Math.max(0.1, Math.min(4, rate));
    this.video.playbackRate = this.rate;
    this.emit();
  }

  /** Resolves when nothing is pending (then, normally, frame `index` is confirmed on screen: see state.settled). */
  whenSettled(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.settleWaiters.push(r));
  }

  /** The exact frame on screen as a lossless PNG at its native size (pauses first). */
  async capture(): Promise<CapturedFrame> {
    this.stopReverse();
    if (this.playing) await this.pause();
    await this.whenSettled();
    const k = this.index;
    if (this.shownIndex !== k) throw new Error('The frame is not on screen yet; try again.');
    if (this.source === 'cache') {
      const f = this.cache?.get(k);
      if (f && isFrame(this.pts, k, f.timestamp)) return { ...(await encodePng(f.image)), index: k, mediaTime: this.pts[k]!, source: 'cache' };
      // The cached frame is gone (the cache was turned off): show it from the video.
      this.shownIndex = null;
      this.source = null;
      this.goTo(k, 'seek', true);
      await this.whenSettled();
    }
    for (let attempt = 0; ; attempt++) {
      const frame = new VideoFrame(this.video);
      try {
        const t = frame.timestamp / 1e6;
        if (isFrame(this.pts, k, t)) return { ...(await encodePng(frame)), index: k, mediaTime: this.pts[k]!, source: 'video' };
        if (attempt > 0) {
          throw new Error(`The video shows the frame at ${t.toFixed(6)} s, not frame ${k} (${this.pts[k]!.toFixed(6)} s). Step away and back, then capture again.`);
        }
      } finally {
        frame.close();
      }
      // What is on screen is not frame k after all: show it again (exactly), then capture.
      this.shownIndex = null;
      this.source = null;
      this.videoIndex = null;
      this.goTo(k, 'seek', true);
      await this.whenSettled();
      if (this.index !== k || this.shownIndex !== k) throw new Error(`Frame ${k} could not be shown again for capture; try again.`);
      if (this.source === 'cache') {
        const f = this.cache?.get(k);
        if (f) return { ...(await encodePng(f.image)), index: k, mediaTime: this.pts[k]!, source: 'cache' };
      }
    }
  }

  /** Turns the WebCodecs frame cache on (steps drawn from decoded frames) or off (every step seeks). */
  async setCacheEnabled(on: boolean): Promise<void> {
    if (this.cacheOpening) await this.cacheOpening;
    if (on === (this.cache !== null)) return;
    if (!on) {
      this.dropCache('off', null);
      if (this.source === 'cache' && this.shownIndex !== null) {
        this.shownIndex = null;
        this.source = null;
        this.goTo(this.index, 'seek', true);
      }
      this.emit();
      return;
    }
    this.cacheState = 'loading';
    this.emit();
    this.cacheOpening = (async () => {
      const opened = await FrameCache.open(this.o.url, this.pts, this.o.cacheLimits ?? DEFAULT_CACHE_LIMITS);
      if (this.disposed) {
        if ('cache' in opened) opened.cache.dispose();
        return;
      }
      if ('reason' in opened) {
        this.cacheState = 'unavailable';
        this.cacheReason = opened.reason;
      } else {
        this.cache = opened.cache;
        this.cacheState = 'on';
        this.cacheReason = null;
        this.cacheUnsub = this.cache.subscribe(() => this.onCacheChange());
        this.cache.focus(this.index, this.dir);
      }
      this.emit();
    })();
    await this.cacheOpening;
    this.cacheOpening = null;
  }

  cacheStats(): FrameCacheStats | null {
    return this.cache ? { ...this.cache.stats } : null;
  }

  /** Resolves when the frame cache has nothing left to decode (benchmarks and tests wait for this). */
  async cacheIdle(): Promise<void> {
    if (this.cacheOpening) await this.cacheOpening;
    await this.cache?.idle();
  }

  dismissProblem(): void {
    if (this.problem && this.problem.state !== 'recovering') {
      this.problem = null;
      this.emit();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.reverseRate = 0;
    if (this.prefetchTimer) clearTimeout(this.prefetchTimer);
    this.changed.resolve();
    if (this.rvfcHandle !== null && typeof this.video.cancelVideoFrameCallback === 'function') this.video.cancelVideoFrameCallback(this.rvfcHandle);
    this.video.removeEventListener('seeked', this.onSeeked);
    this.video.removeEventListener('error', this.onError);
    this.video.removeEventListener('ended', this.onEnded);
    this.flushSeeked(false);
    this.dropCache('off', null);
    this.listeners.clear();
    for (const w of this.settleWaiters.splice(0)) w();
  }

  // ------------------------------------------------------------------------------------------- navigation

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      await this.loaded;
      for (let guard = 0; guard < 10_000 && !this.disposed; guard++) {
        if (this.recovery) await this.recovery;
        const k = this.index;
        if (this.shownIndex === k && this.source !== null) break;
        if (this.mode === 'step' && this.cache?.usable) {
          const f = await this.race(this.cache.want(k));
          if (f === SUPERSEDED || this.index !== k) continue;
          if (f) {
            this.showCached(f.index, f.timestamp, f.image);
            continue;
          }
        }
        const r = await this.race(this.seekVideo(k));
        if (r === SUPERSEDED || r === 'superseded' || this.index !== k) continue;
        if (r === 'ok') {
          this.showVideo(k, 'seek');
        } else if (r === 'error') {
          // onError reports it and starts the recovery; wait for it, then carry on from where it left us.
          if (this.recovery) await this.recovery;
          if (this.problem?.state === 'failed') break;
        } else {
          // Chromium presented another frame than the one asked for (it happens: some frames of some files are
          // never shown by a seek). WebCodecs decodes every frame: show k from the frame cache when it can.
          if (this.cache?.usable) {
            this.cache.focus(k, this.dir);
            const f = await this.race(this.cache.want(k));
            if (f === SUPERSEDED || this.index !== k) continue;
            if (f) {
              this.showCached(f.index, f.timestamp, f.image);
              continue;
            }
          }
          const t = this.currentFrameTime() ?? this.presented.mediaTime;
          const got = Number.isFinite(t) ? indexAt(this.pts, t) : null;
          if (got !== null && got !== k && Math.abs(got - k) <= 2) {
            // A neighbour (Chromium's own frame timing on some variable-rate files): believe the screen, say so.
            this.warning = `Asked for frame ${k}, the video shows frame ${got}.`;
            this.index = got;
            this.videoIndex = got;
            this.showVideo(got, 'seek');
            break;
          }
          // Far off, or nothing: the file cannot be read there (damaged, or cut short since it was imported).
          const why = this.cache?.stats.lastError;
          this.fail(
            {
              code: null,
              message: `Frame ${k} could not be shown${got === null ? '' : ` (the video showed frame ${got} instead)`}: the file may be damaged or cut short here.`,
              detail: why ? `Frame cache: ${why}` : null,
              atSeconds: this.pts[k]!,
              atIndex: k,
            },
            false,
          );
          if (this.recovery) await this.recovery;
          break;
        }
      }
    } finally {
      this.pumping = false;
      this.busy = false;
      this.emit();
    }
  }

  /** Resolves with the promise's value, or SUPERSEDED as soon as the reviewer asks for another frame. */
  private race<T>(p: Promise<T>): Promise<T | typeof SUPERSEDED> {
    const changed: Promise<typeof SUPERSEDED> = this.changed.promise.then(() => SUPERSEDED);
    return Promise.race<T | typeof SUPERSEDED>([p, changed]);
  }

  private async seekVideo(k: number): Promise<SeekResult> {
    if (this.videoIndex === k && this.video.paused && !this.video.seeking && !this.video.error) return 'ok';
    // After a media error the element is dead until its source is reloaded.
    if (this.video.error && !(await this.reload())) return 'error';
    const gen = ++this.seekGen;
    const before = this.presented.count;
    this.seekTime = frameMid(this.pts, k, this.o.durationSeconds);
    this.videoIndex = null;
    const seeked = new Promise<boolean>((r) => this.seekedWaiters.push(r));
    this.seeking = true;
    this.video.currentTime = this.seekTime;
    if (!(await seeked)) return 'error';
    if (gen !== this.seekGen) return 'superseded';
    // rVFC reports the presented frame about when `seeked` fires (often just before). A frame other than k gets
    // a short grace period (a callback of an earlier, aborted seek may come first).
    const start = performance.now();
    let wrongSince: number | null = null;
    while (!(this.presented.count > before && isFrame(this.pts, k, this.presented.mediaTime))) {
      const now = performance.now();
      if (this.presented.count > before) wrongSince ??= now;
      if (now - start > 600 || (wrongSince !== null && now - wrongSince > 80)) break;
      await Promise.race([new Promise<void>((r) => this.presentedWaiters.push(r)), sleep(20)]);
      if (gen !== this.seekGen) return 'superseded';
    }
    const t = this.presented.count > before ? this.presented.mediaTime : (this.currentFrameTime() ?? Number.NaN);
    if (!isFrame(this.pts, k, t)) {
      const witness = this.currentFrameTime();
      if (witness === null || !isFrame(this.pts, k, witness)) return 'mismatch';
    }
    this.videoIndex = k;
    return 'ok';
  }

  /** The timestamp (s) of the frame the element shows now, from a VideoFrame of it; null when unavailable. */
  private currentFrameTime(): number | null {
    if (typeof VideoFrame === 'undefined' || this.video.readyState < 2) return null;
    try {
      const f = new VideoFrame(this.video);
      const t = f.timestamp / 1e6;
      f.close();
      return t;
    } catch {
      return null;
    }
  }

  private showCached(index: number, timestamp: number, image: DecodedImage): void {
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
  }

  private showVideo(index: number, path: FramePath): void {
    this.o.canvas.hidden = true;
    this.cache?.pin(null);
    this.shownIndex = index;
    this.mediaTime = this.pts[index]!;
    this.source = 'video';
    this.lastGood = index;
    this.finishNavigation(path);
  }

  private finishNavigation(path: FramePath): void {
    this.lastPath = path;
    if (path !== 'play') this.lastMs = performance.now() - this.requestedAt;
    if (this.shownIndex === this.index && !this.pumping) this.busy = false;
    this.emit();
  }

  /** Nothing pending: no navigation, playback, shuttle or recovery under way. */
  private isIdle(): boolean {
    return !this.busy && !this.pumping && !this.playing && this.reverseRate === 0 && !this.recovery;
  }

  private isSettled(): boolean {
    return this.isIdle() && this.shownIndex === this.index && this.source !== null;
  }

  private async runReverse(): Promise<void> {
    while (this.reverseRate > 0 && !this.disposed) {
      if (this.index <= 0) break;
      const elapsed = (performance.now() - this.reverseBase.at) / 1000;
      const target = indexAt(this.pts, this.reverseBase.mediaTime - elapsed * this.reverseRate);
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

  /** After a jump, fill the cache around the new frame once the reviewer stops jumping (not while scrubbing). */
  private schedulePrefetch(): void {
    if (!this.cache) return;
    if (this.prefetchTimer) clearTimeout(this.prefetchTimer);
    this.prefetchTimer = setTimeout(() => {
      this.prefetchTimer = null;
      if (!this.pumping && !this.playing && this.cache) this.cache.focus(this.index, 1, true);
      else if (this.cache) this.schedulePrefetch();
    }, 150);
  }

  // ------------------------------------------------------------------------------------------- <video> events

  private onFrame = (_now: number, meta: VideoFrameCallbackMetadata): void => {
    if (this.disposed) return;
    this.presented = { count: this.presented.count + 1, mediaTime: meta.mediaTime };
    for (const w of this.presentedWaiters.splice(0)) w();
    if (this.playing) {
      const k = indexAt(this.pts, meta.mediaTime);
      this.index = k;
      this.videoIndex = k;
      this.shownIndex = k;
      this.mediaTime = this.pts[k]!;
      this.source = 'video';
      this.lastGood = k;
      this.lastPath = 'play';
      this.emit();
    }
    this.rvfcHandle = this.video.requestVideoFrameCallback(this.onFrame);
  };

  private onSeeked = (): void => this.flushSeeked(true);

  private flushSeeked(ok: boolean): void {
    this.seeking = false;
    for (const w of this.seekedWaiters.splice(0)) w(ok);
  }

  private onEnded = (): void => {
    if (this.playing) void this.pause();
  };

  private onError = (): void => {
    if (this.disposed) return;
    const wasPlaying = this.playing;
    const at = wasPlaying || !this.seeking ? this.video.currentTime : this.seekTime;
    // While playing, the frame that could not be shown is the one after the last one presented.
    const atIndex = wasPlaying ? Math.min(this.pts.length - 1, Math.max(indexAt(this.pts, at), this.index + 1)) : indexAt(this.pts, at);
    const { code, message, detail } = this.o.handle.errorText();
    this.playing = false;
    this.videoIndex = null;
    this.flushSeeked(false);
    if (this.recovery) return; // an error while recovering: recover() sees it
    const what =
      code === 3
        ? 'The video could not be decoded here: the file may be damaged or cut short.'
        : code === 4
          ? 'The video could not be opened for playback.'
          : code === 2
            ? 'The video stopped loading (network or file error).'
            : (message ?? 'The video stopped with an error.');
    this.fail({ code, message: what, detail, atSeconds: this.pts[atIndex] ?? at, atIndex }, true);
  };

  /** Reports a problem where it happened and goes back to the last good frame (reloading the element first). */
  private fail(p: Omit<PlaybackProblem, 'state' | 'recoveredTo'>, reload: boolean): void {
    this.problem = { ...p, state: 'recovering', recoveredTo: null };
    this.emit();
    this.recovery = this.recover(this.lastGood, reload).finally(() => {
      this.recovery = null;
      this.emit();
    });
  }

  /**
   * Goes back to the last good frame; when even that fails (a frame just before a cut can depend on data after it,
   * B-frames), a little further back each time, reloading the dead element before each try.
   */
  private async recover(lastGood: number, reload: boolean): Promise<void> {
    const problem = this.problem;
    const candidates = [...new Set([lastGood, lastGood - 4, lastGood - 15, lastGood - 60, 0].map((k) => Math.max(0, k)))];
    let back: number | null = null;
    let needReload = reload;
    for (const k of candidates) {
      if (this.disposed) return;
      // A source that does not even load again (gone, unsupported) will not get better with more tries.
      if ((needReload || this.video.error) && !(await this.reload())) break;
      needReload = false;
      if ((await this.seekVideo(k)) === 'ok') {
        back = k;
        break;
      }
    }
    if (this.disposed) return;
    if (back !== null) {
      this.index = back;
      this.changed.resolve();
      this.changed = deferred();
      this.showVideo(back, 'seek');
    }
    if (problem && this.problem === problem) this.problem = { ...problem, state: back !== null ? 'recovered' : 'failed', recoveredTo: back };
    this.emit();
  }

  /** Reloads the element (it is dead after a media error); false when it does not load again. */
  private reload(): Promise<boolean> {
    const loaded = new Promise<boolean>((resolve) => {
      const ok = () => done(true);
      const bad = () => done(false);
      const done = (v: boolean) => {
        this.video.removeEventListener('loadeddata', ok);
        this.video.removeEventListener('error', bad);
        resolve(v);
      };
      this.video.addEventListener('loadeddata', ok);
      this.video.addEventListener('error', bad);
      setTimeout(() => done(this.video.readyState >= 2), 10_000);
    });
    this.o.handle.reload();
    return loaded;
  }

  // ------------------------------------------------------------------------------------------- cache glue

  private onCacheChange(): void {
    if (!this.cache) return;
    if (!this.cache.usable && this.cacheState === 'on') {
      this.cacheState = 'failed';
      this.cacheReason = this.cache.stats.lastError ?? 'decoding failed';
    }
    this.emitSoon();
  }

  private dropCache(state: CacheState, reason: string | null): void {
    this.cacheUnsub?.();
    this.cacheUnsub = null;
    this.cache?.dispose();
    this.cache = null;
    this.cacheState = state;
    this.cacheReason = reason;
  }

  // ------------------------------------------------------------------------------------------- state

  private emitPending = false;
  private emitSoon(): void {
    if (this.emitPending) return;
    this.emitPending = true;
    requestAnimationFrame(() => {
      this.emitPending = false;
      if (!this.disposed) this.emit();
    });
  }

  private build(): PlayerState {
    const stats = this.cache?.stats;
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
      cache: { state: this.cacheState, reason: this.cacheReason, frames: stats?.frames ?? 0, capacity: stats?.capacity ?? 0, decoding: this.cache?.busy ?? false },
      problem: this.problem,
      warning: this.warning,
    };
  }

  private emit(): void {
    if (this.disposed) return;
    this.snapshot = this.build();
    if (this.isIdle()) for (const w of this.settleWaiters.splice(0)) w();
    for (const l of this.listeners) l();
  }
}
