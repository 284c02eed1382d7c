// The seek path: the <video> element seeks to the middle of frame k ((pts[k] + pts[k+1]) / 2, exact in Chromium),
// and requestVideoFrameCallback must then report a presented mediaTime equal to pts[k]; a VideoFrame of the element
// is the fallback witness. This side owns the element's events (seeked, rVFC, error, ended), knows which frame the
// element is confirmed on, and reloads it after a media error. What the player does with a presented frame while
// playing, with an error and with the end of the file is the player's (the callbacks below).
import { nextPaint, sleep } from './player-async';
import { frameMid, isFrame } from './timeline';
import type { VideoElementHandle } from './video-element';

export type SeekResult = 'ok' | 'error' | 'mismatch' | 'superseded';

export interface VideoSeekerEvents {
  /** rVFC reported a presented frame (already counted in `presented`). */
  presented(mediaTime: number): void;
  /**
   * The element stopped with a media error: while playing or idle, or (`seekTarget`) on a seek to that frame that
   * failed again after a reload.
   */
  error(seekTarget: number | null): void;
  ended(): void;
}

export class VideoSeeker {
  readonly video: HTMLVideoElement;
  /** The frame the element is confirmed on; null while it seeks, after an error, or when not known. */
  videoIndex: number | null = null;
  /** How many frames rVFC has reported, and the last one's media time. */
  presented = { count: 0, mediaTime: Number.NaN };
  /** The time the last seek went to, and whether its `seeked` is still to come. */
  seekTime = 0;
  seeking = false;
  /** Resolves once the element has its first frame (or failed to load). */
  readonly loaded: Promise<void>;
  private presentedWaiters: Array<() => void> = [];
  private seekedWaiters: Array<(ok: boolean) => void> = [];
  private seekGen = 0;
  private rvfcHandle: number | null = null;
  private disposed = false;
  /** A seek reloads the element to try its frame again (see seek): a media error meanwhile is the seek's. */
  private retrying = false;
  /** The reload under way, null when none is (a seek waits for it). */
  private reloading: Promise<boolean> | null = null;

  constructor(
    private readonly handle: VideoElementHandle,
    private readonly pts: readonly number[],
    /** Media time of the end of the last frame. */
    private readonly endSeconds: number,
    private readonly events: VideoSeekerEvents,
  ) {
    this.video = handle.video;
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
  }

  /**
   * Seeks the element to frame k and confirms that frame k itself is presented. Chromium chooses the frame to show by
   * its own estimate of frame durations, so on a variable-rate file a short frame can be missed by a seek to its middle
   * (measured on the test VFR file: the frame at 3.090 s, next at 3.115 s, is shown for seeks to 3.11–3.14 s and not at
   * its middle, 3.1025 s, where the frame before it stays). When the frame shown is on one side of k, one more seek
   * goes to the other end of frame k's interval.
   *
   * A media error during the seek is not taken as frame k's at once: the element is reloaded and frame k tried once
   * more, and only a second failure is reported (events.error(k)). The first can be the element's own doing: paused
   * on a frame just before damage (a file cut short), the element reports nothing, but the next seek, wherever it
   * goes, fails at once with PIPELINE_ERROR_DECODE (Chromium has presumably read or decoded on past that frame into
   * the damage). Measured on the e2e cut file (decode error at frame 54 while playing): reload, seek to 53 (shown),
   * 1.7 s idle (no error), seek back to 20: error 1 ms after `seeking`; reload, seek to 20: frame 20 shown.
   */
  async seek(k: number): Promise<SeekResult> {
    const first = await this.seekOnce(k);
    const gen = first.gen;
    let result = first.result;
    if (result === 'error' && gen === this.seekGen && !this.disposed) {
      // The element failed during this seek (not a reload before it): reload it and try frame k once more.
      this.retrying = true;
      const reloaded = await this.reload().finally(() => (this.retrying = false));
      if (gen !== this.seekGen) return 'superseded';
      if (reloaded && !this.disposed) ({ result } = await this.seekOnce(k));
    }
    if (result === 'error' && !this.disposed) this.events.error(k);
    return result;
  }

  /** One seek to frame k (after a reload when the element is dead); `gen` is null when it did not get to seek. */
  private async seekOnce(k: number): Promise<{ result: SeekResult; gen: number | null }> {
    while (this.reloading) await this.reloading;
    if (this.videoIndex === k && this.video.paused && !this.video.seeking && !this.video.error) return { result: 'ok', gen: null };
    // After a media error the element is dead until its source is reloaded.
    if (this.video.error && !(await this.reload())) return { result: 'error', gen: null };
    const gen = ++this.seekGen;
    this.videoIndex = null;
    let r = await this.seekAt(k, frameMid(this.pts, k, this.endSeconds), gen);
    if (r.result === 'mismatch' && r.shown !== null) {
      const start = this.pts[k]!;
      const end = k + 1 < this.pts.length ? this.pts[k + 1]! : this.endSeconds;
      if (end - start > 0.003) r = await this.seekAt(k, r.shown < start ? end - 0.001 : start + 0.001, gen);
    }
    if (r.result === 'ok') this.videoIndex = k;
    return { result: r.result, gen };
  }

  /** One seek to `time`, which should show frame k: what it showed (the frame's timestamp) when not k. */
  private async seekAt(k: number, time: number, gen: number): Promise<{ result: SeekResult; shown: number | null }> {
    const before = this.presented.count;
    this.seekTime = time;
    const seeked = new Promise<boolean>((r) => this.seekedWaiters.push(r));
    this.seeking = true;
    this.video.currentTime = time;
    if (!(await seeked)) return { result: 'error', shown: null };
    if (gen !== this.seekGen) return { result: 'superseded', shown: null };
    // rVFC reports the presented frame about when `seeked` fires (often just before). A frame other than k gets
    // a short grace period (a callback of an earlier, aborted seek may come first).
    const start = performance.now();
    let wrongSince: number | null = null;
    while (!(this.presented.count > before && isFrame(this.pts, k, this.presented.mediaTime))) {
      const now = performance.now();
      if (this.presented.count > before) wrongSince ??= now;
      if (now - start > 600 || (wrongSince !== null && now - wrongSince > 80)) break;
      await Promise.race([new Promise<void>((r) => this.presentedWaiters.push(r)), sleep(20)]);
      if (gen !== this.seekGen) return { result: 'superseded', shown: null };
    }
    const t = this.presented.count > before ? this.presented.mediaTime : (this.currentFrameTime() ?? Number.NaN);
    if (isFrame(this.pts, k, t)) return { result: 'ok', shown: t };
    // The element's own frame is the witness when rVFC said otherwise.
    const witness = this.currentFrameTime();
    if (witness !== null && isFrame(this.pts, k, witness)) return { result: 'ok', shown: witness };
    return { result: 'mismatch', shown: witness ?? (Number.isFinite(t) ? t : null) };
  }

  /**
   * After pause(): the timestamp (s) of the frame on screen once it has stopped changing (three paints alike, at
   * most half a second), or null when no VideoFrame of the element can be had. `stop` ends the wait early.
   */
  async stillFrameTime(stop: () => boolean): Promise<number | null> {
    const deadline = performance.now() + 500;
    let last = this.currentFrameTime();
    let stable = 0;
    while (!stop() && stable < 3 && performance.now() < deadline) {
      await nextPaint();
      const t = this.currentFrameTime();
      if (t !== null && t === last) stable++;
      else {
        stable = 0;
        last = t;
      }
    }
    return last;
  }

  /** The timestamp (s) of the frame the element shows now, from a VideoFrame of it; null when unavailable. */
  currentFrameTime(): number | null {
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

  /** Reloads the element (it is dead after a media error); false when it does not load again. */
  reload(): Promise<boolean> {
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
    this.handle.reload();
    const p: Promise<boolean> = loaded.finally(() => {
      if (this.reloading === p) this.reloading = null;
    });
    this.reloading = p;
    return p;
  }

  /** Ends the wait of a seek under way: with `seeked` (ok), or because of an error or dispose. */
  flushSeeked(ok: boolean): void {
    this.seeking = false;
    for (const w of this.seekedWaiters.splice(0)) w(ok);
  }

  dispose(): void {
    this.disposed = true;
    if (this.rvfcHandle !== null && typeof this.video.cancelVideoFrameCallback === 'function') this.video.cancelVideoFrameCallback(this.rvfcHandle);
    this.video.removeEventListener('seeked', this.onSeeked);
    this.video.removeEventListener('error', this.onError);
    this.video.removeEventListener('ended', this.onEnded);
    this.flushSeeked(false);
  }

  // ------------------------------------------------------------------------------------------- <video> events

  private onFrame = (_now: number, meta: VideoFrameCallbackMetadata): void => {
    if (this.disposed) return;
    this.presented = { count: this.presented.count + 1, mediaTime: meta.mediaTime };
    for (const w of this.presentedWaiters.splice(0)) w();
    this.events.presented(meta.mediaTime);
    this.rvfcHandle = this.video.requestVideoFrameCallback(this.onFrame);
  };

  private onSeeked = (): void => this.flushSeeked(true);

  private onError = (): void => {
    // During a seek, the seek judges the error (it tries once more after a reload); it only has to stop waiting.
    if (this.seeking || this.retrying) this.flushSeeked(false);
    else this.events.error(null);
  };

  private onEnded = (): void => this.events.ended();
}
