// Decoded frames around the playhead, so ±1 frame steps are drawn at once instead of re-decoding the group of
// pictures from its keyframe on every seek (Chromium's <video> does that: about 1 s per step on a 250-frame GOP).
//
// mediabunny reads the library video over HTTP Range (UrlSource) and decodes with WebCodecs (VideoSampleSink);
// each decoded frame becomes an ImageBitmap keyed by its frame index, kept only when its timestamp is exactly that
// frame's pts. One decode job runs at a time:
//   - forward: from the first missing frame ahead of the playhead to the end of the file, pausing whenever it is a
//     window's worth ahead (so holding → never waits for a keyframe again);
//   - backward: the window behind the playhead, decoded from the keyframe before it (a GOP decode per refill).
// The cache is bounded by a frame count and a byte budget (an ImageBitmap is width × height × 4 bytes); the frames
// farthest from the playhead go first, those behind the direction of travel three times sooner. A refill starts
// when fewer than a third of a window is left ahead, not on every step.
import { ALL_FORMATS, Input, UrlSource, VideoSampleSink, type InputVideoTrack } from 'mediabunny';
import { indexOfTimestamp } from './timeline';

export interface CachedFrame {
  index: number;
  /** The decoded frame's timestamp (s): equals pts[index]. */
  timestamp: number;
  bitmap: ImageBitmap;
  bytes: number;
}

export interface FrameCacheLimits {
  maxFrames: number;
  maxBytes: number;
}

/** 150 frames, 512 MiB: about 61 frames of 1080p (8.3 MB each) or 150 of 640×360. */
export const DEFAULT_CACHE_LIMITS: FrameCacheLimits = { maxFrames: 150, maxBytes: 512 * 1024 * 1024 };

export interface FrameCacheStats {
  frames: number;
  bytes: number;
  capacity: number;
  /** Frames decoded into the cache so far. */
  decoded: number;
  jobs: number;
  failures: number;
  /** Decoded frames dropped because their timestamp was no frame's pts (never drawn). */
  mismatches: number;
  lastError: string | null;
}

interface Job {
  id: number;
  /** First and last frame index the job may produce (end inclusive). */
  start: number;
  end: number;
  forward: boolean;
  /** The next index the job will reach (frames before it are done). */
  next: number;
  /** A forward job waiting for the playhead to catch up (not decoding). */
  waiting: boolean;
  cancelled: boolean;
  done: Promise<void>;
}

type Waiter = (frame: CachedFrame | null) => void;

const BEHIND_WEIGHT = 3;

export class FrameCache {
  /** A cache for the video at `url`, or why there can be none (no WebCodecs, a codec it cannot decode…). */
  static async open(url: string, pts: readonly number[], limits: FrameCacheLimits = DEFAULT_CACHE_LIMITS): Promise<{ cache: FrameCache } | { reason: string }> {
    if (typeof VideoDecoder === 'undefined' || typeof createImageBitmap === 'undefined') return { reason: 'this browser has no WebCodecs video decoder' };
    const input = new Input({
      formats: ALL_FORMATS,
      // Retry a failed range request twice, then give up (a truncated file must fail, not retry forever).
      source: new UrlSource(url, { requestInit: { credentials: 'same-origin' }, getRetryDelay: (attempts) => (attempts < 2 ? 0.2 : null) }),
    });
    try {
      const track = await input.getPrimaryVideoTrack();
      if (!track) throw new Error('no video track');
      if (track.rotation !== 0) {
        input.dispose();
        return { reason: `the video is rotated ${track.rotation}°` };
      }
      if (!(await track.canDecode())) {
        input.dispose();
        return { reason: `WebCodecs cannot decode ${track.codec ?? 'this codec'} here` };
      }
      return { cache: new FrameCache(input, track, pts, limits) };
    } catch (err) {
      input.dispose();
      return { reason: `the video could not be read for decoding (${(err as Error).message})` };
    }
  }

  private readonly frames = new Map<number, CachedFrame>();
  private readonly waiters = new Map<number, Waiter[]>();
  private readonly sink: VideoSampleSink;
  private readonly frameBytes: number;
  private bytes = 0;
  private playhead = 0;
  private dir: 1 | -1 = 1;
  private pinned: number | null = null;
  private job: Job | null = null;
  private jobSeq = 0;
  private movedWaiters: Array<() => void> = [];
  private consecutiveFailures = 0;
  private disposed = false;
  private listeners = new Set<() => void>();
  readonly stats: FrameCacheStats;

  private constructor(
    private readonly input: Input,
    track: InputVideoTrack,
    private readonly pts: readonly number[],
    private readonly limits: FrameCacheLimits,
  ) {
    this.sink = new VideoSampleSink(track, { optimizeForLatency: true });
    this.frameBytes = Math.max(1, track.displayWidth * track.displayHeight * 4);
    this.stats = { frames: 0, bytes: 0, capacity: this.capacity, decoded: 0, jobs: 0, failures: 0, mismatches: 0, lastError: null };
  }

  /** How many frames fit: the frame limit or the byte budget, whichever is smaller (at least 8). */
  get capacity(): number {
    return Math.max(8, Math.min(this.limits.maxFrames, Math.floor(this.limits.maxBytes / this.frameBytes)));
  }

  /** False once decoding failed three times in a row: the player then uses the seek path only. */
  get usable(): boolean {
    return !this.disposed && this.consecutiveFailures < 3;
  }

  get(k: number): CachedFrame | undefined {
    return this.frames.get(k);
  }

  /** Called on every cache change (frames added or dropped). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Keep this frame (it is on screen) whatever the budget says. */
  pin(k: number | null): void {
    this.pinned = k;
  }

  /** The playhead moved to k, travelling in direction dir: refill ahead of it when little is left. */
  focus(k: number, dir: 1 | -1): void {
    if (this.disposed) return;
    this.playhead = k;
    this.dir = dir;
    this.wakeMoved();
    this.schedule();
  }

  /** Frame k, decoded now if it is not cached yet; null when it cannot be (decode failure, superseded, disposed). */
  want(k: number): Promise<CachedFrame | null> {
    const hit = this.frames.get(k);
    if (hit) return Promise.resolve(hit);
    if (!this.usable) return Promise.resolve(null);
    return new Promise<CachedFrame | null>((resolve) => {
      const list = this.waiters.get(k) ?? [];
      list.push(resolve);
      this.waiters.set(k, list);
      this.schedule();
    });
  }

  /** Stops the running decode job (a jump elsewhere needs the CPU); focus() starts the next one. */
  stop(): void {
    if (!this.job) return;
    this.job.cancelled = true;
    this.wakeMoved();
  }

  /** Whether decoding is under way (not counting a forward job waiting for the playhead). */
  get busy(): boolean {
    return this.job !== null && !this.job.waiting;
  }

  /** Resolves when nothing is being decoded (a forward job waiting for the playhead counts as idle). */
  async idle(): Promise<void> {
    while (this.job && !this.job.waiting) await Promise.race([this.job.done, new Promise<void>((r) => setTimeout(r, 20))]);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.job) this.job.cancelled = true;
    this.wakeMoved();
    for (const f of this.frames.values()) f.bitmap.close();
    this.frames.clear();
    this.bytes = 0;
    this.resolveWaiters(() => true);
    this.input.dispose();
    this.syncStats();
  }

  // ---------------------------------------------------------------------------------------------- scheduling

  private get aheadCount(): number {
    return this.capacity - Math.floor(this.capacity / 4);
  }

  /** The window the cache tries to hold: three quarters ahead of the playhead in the direction of travel. */
  private window(): { start: number; end: number } {
    const n = this.pts.length;
    const ahead = this.aheadCount - 1;
    const behind = Math.floor(this.capacity / 4);
    const p = this.playhead;
    const [start, end] = this.dir > 0 ? [p - behind, p + ahead] : [p - ahead, p + behind];
    return { start: Math.max(0, start), end: Math.min(n - 1, end) };
  }

  private wanted(idx: number): boolean {
    if (this.waiters.has(idx)) return true;
    const w = this.window();
    return idx >= w.start && idx <= w.end;
  }

  private covers(job: Job | null, idx: number): boolean {
    return !!job && !job.cancelled && idx >= job.next && idx <= job.end;
  }

  /** Starts (or keeps) the one decode job the playhead needs next. */
  private schedule(): void {
    if (this.disposed || !this.usable) return;
    const n = this.pts.length;
    const p = this.playhead;
    const d = this.dir;
    let run = 0;
    for (let i = p; i >= 0 && i < n && this.frames.has(i); i += d) run++;
    const gap = p + d * run;
    if (gap < 0 || gap >= n) return; // cached to the end of the file in this direction
    const needNow = run === 0;
    const refill = run - 1 < Math.ceil(this.aheadCount / 3);
    if (!needNow && !refill) return;
    if (this.covers(this.job, gap)) return;

    if (this.job) this.job.cancelled = true;
    this.wakeMoved();
    const w = this.window();
    const start = d > 0 ? gap : Math.min(w.start, gap);
    const job: Job = { id: ++this.jobSeq, start, end: d > 0 ? n - 1 : gap, forward: d > 0, next: start, waiting: false, cancelled: false, done: Promise.resolve() };
    this.job = job;
    this.stats.jobs++;
    job.done = this.run(job);
  }

  private async run(job: Job): Promise<void> {
    const n = this.pts.length;
    const from = this.pts[job.start]!;
    const to = job.end + 1 < n ? this.pts[job.end + 1]! : Infinity;
    let produced = 0;
    try {
      for await (const sample of this.sink.samples(from, to)) {
        try {
          if (job.cancelled || this.disposed) break;
          const idx = indexOfTimestamp(this.pts, sample.timestamp);
          if (idx === null) {
            this.stats.mismatches++;
            continue;
          }
          job.next = idx + 1;
          // A forward job waits while it is a window's worth ahead of the playhead.
          while (job.forward && !job.cancelled && !this.disposed && !this.waiters.has(idx) && idx - this.playhead >= this.aheadCount) {
            if (!job.waiting) {
              job.waiting = true;
              this.syncStats();
            }
            await this.moved();
          }
          if (job.waiting) {
            job.waiting = false;
            this.syncStats();
          }
          if (job.cancelled || this.disposed) break;
          if (this.frames.has(idx) || !this.wanted(idx)) continue;
          const frame = sample.toVideoFrame();
          let bitmap: ImageBitmap;
          try {
            bitmap = await createImageBitmap(frame);
          } finally {
            frame.close();
          }
          if (this.disposed) {
            bitmap.close();
            break;
          }
          this.insert({ index: idx, timestamp: sample.timestamp, bitmap, bytes: bitmap.width * bitmap.height * 4 });
          produced++;
        } finally {
          sample.close();
        }
      }
      if (produced > 0) this.consecutiveFailures = 0;
    } catch (err) {
      this.consecutiveFailures++;
      this.stats.failures++;
      this.stats.lastError = (err as Error)?.message ?? String(err);
    } finally {
      if (this.job === job) this.job = null;
      // Whoever waits for a frame this job was meant to produce and did not gets null, unless a newer job will.
      this.resolveWaiters((k) => !this.covers(this.job, k));
      this.syncStats();
      // Keep going (a backward refill after a forward run, say) only after a job that made progress.
      if (!job.cancelled && produced > 0 && this.job === null && !this.disposed) this.schedule();
    }
  }

  // ---------------------------------------------------------------------------------------------- storage

  private insert(f: CachedFrame): void {
    this.frames.set(f.index, f);
    this.bytes += f.bytes;
    this.stats.decoded++;
    this.evict();
    const list = this.waiters.get(f.index);
    if (list && this.frames.has(f.index)) {
      this.waiters.delete(f.index);
      for (const w of list) w(f);
    }
    this.syncStats();
  }

  private weight(idx: number): number {
    const d = idx - this.playhead;
    const behind = this.dir > 0 ? d < 0 : d > 0;
    return Math.abs(d) * (behind ? BEHIND_WEIGHT : 1);
  }

  private evict(): void {
    while (this.frames.size > this.capacity || this.bytes > this.limits.maxBytes) {
      let worst: CachedFrame | null = null;
      let worstWeight = -1;
      for (const f of this.frames.values()) {
        if (f.index === this.pinned || this.waiters.has(f.index)) continue;
        const w = this.weight(f.index);
        if (w > worstWeight) {
          worst = f;
          worstWeight = w;
        }
      }
      if (!worst) return;
      this.frames.delete(worst.index);
      this.bytes -= worst.bytes;
      worst.bitmap.close();
    }
  }

  private resolveWaiters(which: (k: number) => boolean): void {
    for (const [k, list] of [...this.waiters]) {
      if (!which(k)) continue;
      this.waiters.delete(k);
      const f = this.frames.get(k) ?? null;
      for (const w of list) w(f);
    }
  }

  private moved(): Promise<void> {
    return new Promise((resolve) => this.movedWaiters.push(resolve));
  }

  private wakeMoved(): void {
    const list = this.movedWaiters;
    this.movedWaiters = [];
    for (const w of list) w();
  }

  private syncStats(): void {
    this.stats.frames = this.frames.size;
    this.stats.bytes = this.bytes;
    this.stats.capacity = this.capacity;
    for (const l of this.listeners) l();
  }
}
