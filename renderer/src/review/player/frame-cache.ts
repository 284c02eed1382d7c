// Decoded frames around the playhead, so ±1 frame steps are drawn at once instead of re-decoding the group of
// pictures from its keyframe on every seek (Chromium's <video> does that: about 1 s per step on a 250-frame GOP).
//
// A worker (frame-decoder.worker.ts) reads the library video over HTTP Range with mediabunny and decodes it with
// WebCodecs; each frame arrives here as an RGBA ImageBitmap keyed by its frame index, and only when its timestamp
// is exactly that frame's pts. This side decides what to decode and what to keep. One decode job runs at a time:
//   - forward: from the first missing frame ahead of the playhead to the end of the file, pausing (in the worker)
//     whenever it is a window's worth ahead, so holding → never waits for a keyframe again;
//   - backward: the window behind the playhead, decoded from the keyframe before it (a GOP decode per refill).
// The cache is bounded by a frame count and a byte budget (RGBA: width × height × 4 bytes, 8.3 MB at 1080p); the
// frames farthest from the playhead go first, those behind the direction of travel three times sooner. A refill
// starts when less than half a window is left ahead, not on every step.
import { DEFAULT_CACHE_LIMITS, type FrameCacheLimits } from './cache-limits';
import { planJob } from './frame-cache-plan';
import type { DecodedImage, FromDecoder, ToDecoder } from './frame-decoder-protocol';

export interface CachedFrame {
  index: number;
  /** The decoded frame's timestamp (s): equals pts[index]. */
  timestamp: number;
  image: DecodedImage;
  bytes: number;
}

export { cacheLimitsFor, DEFAULT_CACHE_LIMITS, DEFAULT_CACHE_MB, type FrameCacheLimits } from './cache-limits';

export interface FrameCacheStats {
  frames: number;
  bytes: number;
  capacity: number;
  /** Frames decoded into the cache so far. */
  decoded: number;
  /** Frames the decoder delivered, kept or not (a frame outside the window is dropped): the decoding work done. */
  received: number;
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
  /** Frames the job passes over without producing (they were cached when it started; some may be evicted since). */
  skip: ReadonlySet<number>;
  cancelled: boolean;
  produced: number;
  done: Promise<void>;
  finish: () => void;
}

type Waiter = (frame: CachedFrame | null) => void;

const BEHIND_WEIGHT = 3;

function startWorker(): Worker {
  return new Worker(new URL('./frame-decoder.worker.ts', import.meta.url), { type: 'module', name: 'frame-decoder' });
}

export class FrameCache {
  /** A cache for the video at `url`, or why there can be none (no WebCodecs, a codec it cannot decode…). */
  static async open(url: string, pts: readonly number[], limits: FrameCacheLimits = DEFAULT_CACHE_LIMITS, timeOffset = 0): Promise<{ cache: FrameCache } | { reason: string }> {
    if (typeof VideoDecoder === 'undefined' || typeof VideoFrame === 'undefined' || typeof Worker === 'undefined') return { reason: 'this browser has no WebCodecs video decoder' };
    // The worker fetches on its own: give it an absolute URL (the page's base does not apply there).
    const absolute = new URL(url, window.location.href).href;
    let worker: Worker;
    try {
      worker = startWorker();
    } catch (err) {
      return { reason: `the decoder could not start (${(err as Error).message})` };
    }
    const opened = await new Promise<FromDecoder & { type: 'opened' }>((resolve) => {
      const onMessage = (e: MessageEvent<FromDecoder>) => {
        if (e.data.type !== 'opened') return;
        worker.removeEventListener('message', onMessage);
        resolve(e.data);
      };
      worker.addEventListener('message', onMessage);
      worker.addEventListener('error', (e) => resolve({ type: 'opened', ok: false, reason: `the decoder stopped (${e.message || 'worker error'})` }), { once: true });
      worker.postMessage({ type: 'open', url: absolute, pts: [...pts], ...(limits.maxWidth ? { maxWidth: limits.maxWidth } : {}), ...(limits.maxHeight ? { maxHeight: limits.maxHeight } : {}), ...(timeOffset ? { timeOffset } : {}) } satisfies ToDecoder);
    });
    if (!opened.ok) {
      worker.terminate();
      return { reason: opened.reason };
    }
    return { cache: new FrameCache(worker, pts, limits, opened.frameWidth * opened.frameHeight * 4, { width: opened.frameWidth, height: opened.frameHeight }, { width: opened.width, height: opened.height }) };
  }

  private readonly frames = new Map<number, CachedFrame>();
  private readonly waiters = new Map<number, Waiter[]>();
  private readonly jobsById = new Map<number, Job>();
  private bytes = 0;
  private playhead = 0;
  private dir: 1 | -1 = 1;
  private pinned: number | null = null;
  private around = false;
  /** The last focus was a jump drawn from the cache (the frame alone first, see schedule()). */
  private jumped = false;
  private job: Job | null = null;
  private jobSeq = 0;
  private consecutiveFailures = 0;
  private disposed = false;
  private listeners = new Set<() => void>();
  readonly stats: FrameCacheStats;

  private constructor(
    private readonly worker: Worker,
    private readonly pts: readonly number[],
    private readonly limits: FrameCacheLimits,
    private readonly frameBytes: number,
    /** The size frames are kept at, and the video's own. */
    readonly frameSize: { width: number; height: number },
    readonly videoSize: { width: number; height: number },
  ) {
    this.stats = { frames: 0, bytes: 0, capacity: this.capacity, decoded: 0, received: 0, jobs: 0, failures: 0, mismatches: 0, lastError: null };
    worker.addEventListener('message', (e: MessageEvent<FromDecoder>) => this.onMessage(e.data));
    worker.addEventListener('error', (e) => {
      this.consecutiveFailures = 3;
      this.stats.lastError = `the decoder stopped (${e.message || 'worker error'})`;
      this.endJob(this.job, this.stats.lastError);
    });
  }

  /** How many frames fit: the frame limit or the byte budget, whichever is smaller (at least 8). */
  get capacity(): number {
    return Math.max(8, Math.min(this.limits.maxFrames, Math.floor(this.limits.maxBytes / Math.max(1, this.frameBytes))));
  }

  /** False once decoding failed three times in a row: the player then uses the seek path only. */
  get usable(): boolean {
    return !this.disposed && this.consecutiveFailures < 3;
  }

  get(k: number): CachedFrame | undefined {
    return this.frames.get(k);
  }

  /** Called on every cache change (frames added or dropped, decoding started or stopped). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Keep this frame (it is on screen) whatever the budget says. */
  pin(k: number | null): void {
    this.pinned = k;
  }

  /**
   * The playhead moved to k, travelling in direction dir: refill ahead of it when little is left. `around`: after
   * a jump, where the next step may go either way: decode from the start of the window (the frames behind come
   * almost free, the decoder passes them on its way from the keyframe anyway). `jump`: a jump drawn from the cache
   * (the scrub proxy): the frame is decoded first, on its own, even backwards.
   */
  focus(k: number, dir: 1 | -1, around = false, jump = false): void {
    if (this.disposed) return;
    this.playhead = k;
    this.dir = dir;
    this.around = around;
    this.jumped = jump;
    this.send({ type: 'playhead', index: k, ahead: this.aheadCount });
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
      // Nothing will produce it (the file ends, or the job that would was just refused): say so now.
      if (!this.covers(this.job, k) && !this.frames.has(k)) this.resolveWaiters((i) => i === k);
    });
  }

  /** Stops the running decode job (a jump elsewhere needs the CPU); focus() starts the next one. */
  stop(): void {
    if (this.job) this.cancel(this.job);
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
    this.send({ type: 'dispose' });
    for (const job of this.jobsById.values()) job.finish();
    this.jobsById.clear();
    this.job = null;
    for (const f of this.frames.values()) f.image.close();
    this.frames.clear();
    this.bytes = 0;
    this.resolveWaiters(() => true);
    // The worker closes itself once its decoder is released; this is the backstop.
    setTimeout(() => this.worker.terminate(), 5000);
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

  /**
   * Whether the job will still produce frame idx. Not a frame it skips: one cached when the job started and evicted
   * since would otherwise wait for a job that passes it by (a forward job can wait for the playhead for ever: the
   * player then hung on a jump, seen in bench:video).
   */
  private covers(job: Job | null, idx: number): boolean {
    return !!job && !job.cancelled && idx >= job.next && idx <= job.end && !job.skip.has(idx);
  }

  /** Starts (or keeps) the one decode job the playhead needs next (the decision: frame-cache-plan.ts). */
  private schedule(): void {
    if (this.disposed || !this.usable) return;
    const running = this.job;
    const plan = planJob({
      frameCount: this.pts.length,
      playhead: this.playhead,
      dir: this.dir,
      isCached: (k) => this.frames.has(k),
      aheadCount: this.aheadCount,
      window: this.window(),
      around: this.around,
      jumped: this.jumped,
      job: running ? { next: running.next, covers: (k) => this.covers(running, k) } : null,
    });
    if (plan.kind !== 'start') return;
    if (this.job) this.cancel(this.job);
    const { start, end } = plan;
    const skip: number[] = [];
    for (const k of this.frames.keys()) if (k >= start && k <= end) skip.push(k);
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const job: Job = { id: ++this.jobSeq, start, end, forward: plan.forward, next: start, waiting: false, skip: new Set(skip), cancelled: false, produced: 0, done, finish };
    this.job = job;
    this.jobsById.set(job.id, job);
    this.stats.jobs++;
    this.send({ type: 'decode', id: job.id, start, end, forward: job.forward, skip });
    this.syncStats();
  }

  private cancel(job: Job): void {
    if (job.cancelled) return;
    job.cancelled = true;
    this.send({ type: 'cancel', id: job.id });
    if (this.job === job) this.job = null;
    // Whoever waits for a frame this job was meant to produce gets null, unless a newer job will produce it.
    queueMicrotask(() => this.resolveWaiters((k) => !this.covers(this.job, k) && !this.frames.has(k)));
  }

  private onMessage(m: FromDecoder): void {
    if (m.type === 'frame') {
      this.stats.received++;
      const job = this.jobsById.get(m.id);
      if (job) {
        job.next = Math.max(job.next, m.index + 1);
        job.produced++;
      }
      if (this.disposed || this.frames.has(m.index) || !this.wanted(m.index)) {
        m.image.close();
        return;
      }
      this.insert({ index: m.index, timestamp: m.timestamp, image: m.image, bytes: m.bytes });
    } else if (m.type === 'waiting') {
      const job = this.jobsById.get(m.id);
      if (job) {
        job.waiting = m.waiting;
        this.syncStats();
      }
    } else if (m.type === 'done') {
      const job = this.jobsById.get(m.id);
      this.stats.mismatches += m.mismatches;
      if (job) this.endJob(job, m.error);
    }
  }

  private endJob(job: Job | null, error: string | null): void {
    if (!job) return;
    this.jobsById.delete(job.id);
    job.finish();
    if (error) {
      this.consecutiveFailures++;
      this.stats.failures++;
      this.stats.lastError = error;
    } else if (job.produced > 0) {
      this.consecutiveFailures = 0;
    }
    const wasCurrent = this.job === job;
    if (wasCurrent) this.job = null;
    this.resolveWaiters((k) => !this.covers(this.job, k));
    this.syncStats();
    // Keep going (a backward refill after a forward run, say) only after a job that made progress.
    if (wasCurrent && !job.cancelled && !error && job.produced > 0 && !this.disposed) this.schedule();
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
      worst.image.close();
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

  private send(m: ToDecoder): void {
    if (this.disposed && m.type !== 'dispose') return;
    this.worker.postMessage(m);
  }

  private syncStats(): void {
    this.stats.frames = this.frames.size;
    this.stats.bytes = this.bytes;
    this.stats.capacity = this.capacity;
    for (const l of this.listeners) l();
  }
}
