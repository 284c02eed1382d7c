// The player's side of the WebCodecs frame cache (frame-cache.ts): opening it (or why there is none), turning it
// off, what the review is told about it, and refilling it around a new place once the reviewer stops jumping.
// Which frames to draw from it is the player's (frame-player.ts).
import { FrameCache, DEFAULT_CACHE_LIMITS, type FrameCacheLimits, type FrameCacheStats } from './frame-cache';
import type { CacheState, PlayerState } from './player-types';

export interface CacheDriverHost {
  readonly url: string;
  /** Seconds to add to the file's timestamps to get the table's (a scrub proxy starts at 0). */
  readonly timeOffset?: number;
  readonly pts: readonly number[];
  readonly limits: FrameCacheLimits | undefined;
  isDisposed(): boolean;
  /** Where to start decoding once the cache is open: the frame the reviewer is on, and the direction of travel. */
  focus(): { index: number; dir: 1 | -1 };
  /** The frame to fill the cache around after a jump, or null while the player is still moving (try again later). */
  prefetchAt(): number | null;
  /** The decoded frames changed (a snapshot on the next paint is enough). */
  changedSoon(): void;
}

/** How long after opening the cache starts filling around the frame on screen (unless the reviewer moved first). */
const INITIAL_FILL_DELAY_MS = 700;

export class CacheDriver {
  /** The open cache, null when off, unavailable or failed to open. */
  cache: FrameCache | null = null;
  /** Resolves when an opening under way is done (null when none is). */
  opening: Promise<void> | null = null;
  private state: CacheState = 'off';
  private reason: string | null = null;
  private unsub: (() => void) | null = null;
  private prefetchTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly host: CacheDriverHost) {}

  /** Opens the cache ('loading' until then); `emit` publishes the state at each change. */
  async open(emit: () => void): Promise<void> {
    this.state = 'loading';
    emit();
    this.opening = (async () => {
      const opened = await FrameCache.open(this.host.url, this.host.pts, this.host.limits ?? DEFAULT_CACHE_LIMITS, this.host.timeOffset ?? 0);
      if (this.host.isDisposed()) {
        if ('cache' in opened) opened.cache.dispose();
        return;
      }
      if ('reason' in opened) {
        this.state = 'unavailable';
        this.reason = opened.reason;
      } else {
        this.cache = opened.cache;
        this.state = 'on';
        this.reason = null;
        this.unsub = this.cache.subscribe(() => this.onChange());
        // The first fill waits until the review has opened (the page, the <video> and the decoder's first reads are
        // all starting now): a jump made at once then has the CPU to itself. Any navigation before it starts its own job.
        const cache = this.cache;
        setTimeout(() => {
          if (this.cache !== cache || cache.stats.jobs > 0) return;
          const { index, dir } = this.host.focus();
          cache.focus(index, dir);
        }, INITIAL_FILL_DELAY_MS);
      }
      emit();
    })();
    await this.opening;
    this.opening = null;
  }

  /** Closes the cache and says why it is gone ('off' when turned off). */
  drop(state: CacheState, reason: string | null): void {
    this.unsub?.();
    this.unsub = null;
    this.cache?.dispose();
    this.cache = null;
    this.state = state;
    this.reason = reason;
  }

  /** After a jump, fill the cache around the new frame once the reviewer stops jumping (not while scrubbing). */
  schedulePrefetch(): void {
    if (!this.cache) return;
    if (this.prefetchTimer) clearTimeout(this.prefetchTimer);
    this.prefetchTimer = setTimeout(() => {
      this.prefetchTimer = null;
      const at = this.host.prefetchAt();
      if (at !== null && this.cache) this.cache.focus(at, 1, true);
      else if (this.cache) this.schedulePrefetch();
    }, 150);
  }

  cancelPrefetch(): void {
    if (this.prefetchTimer) clearTimeout(this.prefetchTimer);
  }

  stats(): FrameCacheStats | null {
    return this.cache ? { ...this.cache.stats } : null;
  }

  /** Resolves when the cache has nothing left to decode. */
  async idle(): Promise<void> {
    if (this.opening) await this.opening;
    await this.cache?.idle();
  }

  /** The cache as the player's state shows it. */
  snapshot(): PlayerState['cache'] {
    const stats = this.cache?.stats;
    return { state: this.state, reason: this.reason, frames: stats?.frames ?? 0, capacity: stats?.capacity ?? 0, decoding: this.cache?.busy ?? false };
  }

  private onChange(): void {
    if (!this.cache) return;
    if (!this.cache.usable && this.state === 'on') {
      this.state = 'failed';
      this.reason = this.cache.stats.lastError ?? 'decoding failed';
    }
    this.host.changedSoon();
  }
}
