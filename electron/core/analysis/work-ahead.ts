// Work ahead (#14): while the local model is loaded and idle, encode the reviewer's captured frames into the image
// embedding cache, so that analysing one later skips the encode (about 260 s a frame for MedGemma 4B on a 2-core CPU).
// Lowest priority: it runs only when no analysis runs or waits, no phase timeline job runs, and the model has been idle
// for a while; one frame at a time; a request that comes meanwhile goes first (the inference client lets the encode
// finish or ends it: inference/work-ahead-policy.ts). Frames of the review the reviewer has open come first, then the
// most recently captured. Each frame is tried once per loaded model, and at most half the cache is filled this way, so
// work ahead never evicts its own work in circles. Off in Settings ("Encode captured frames while idle") or with a
// remote engine (it encodes on its server) or without the cache. Nothing here imports electron.
import type { InferenceStatus } from '../../api/schemas';
import { WorkstationError } from '../../api/errors';
import { HEADER_BYTES, isEmbeddingStored, type EmbeddingKey } from '../../inference/embedding-cache';
import type { InferenceClient } from '../../inference/inference-client';
import type { AppLog } from '../logging/app-log';

export interface WorkAheadFrame {
  id: number;
  sha256: string;
}

/**
 * How long the model must have been idle before work ahead starts: a reviewer who has just read an answer often asks a
 * follow-up, and at the real size an encode started then would be ended for it (the model process reloaded, ~18 s).
 */
export const DEFAULT_WORK_AHEAD_IDLE_MS = 30_000;
/** The most frames considered at a time (about 7 hours of encoding at the real size on a 2-core CPU). */
export const MAX_WORK_AHEAD_FRAMES = 200;

/** The frames to encode, in order: the open review's captures, then the others; each image once; at most `max`. Pure. */
export function workAheadOrder(openReview: readonly WorkAheadFrame[], recent: readonly WorkAheadFrame[], max: number): WorkAheadFrame[] {
  const seen = new Set<string>();
  const out: WorkAheadFrame[] = [];
  for (const f of [...openReview, ...recent]) {
    if (out.length >= max) break;
    if (seen.has(f.sha256)) continue;
    seen.add(f.sha256);
    out.push(f);
  }
  return out;
}

/** How many frames work ahead may keep in a cache of `cacheBytes`: half of it, and at most MAX_WORK_AHEAD_FRAMES. Pure. */
export function workAheadBudget(cacheBytes: number, key: Pick<EmbeddingKey, 'imageTokens' | 'embeddingLength'>): number {
  const perFrame = HEADER_BYTES + key.imageTokens * key.embeddingLength * 4;
  return Math.max(0, Math.min(MAX_WORK_AHEAD_FRAMES, Math.floor(cacheBytes / 2 / perFrame)));
}

export interface WorkAheadDeps {
  client: Pick<InferenceClient, 'status' | 'model' | 'loadRequest' | 'encodeAhead' | 'stopEncodeAhead'>;
  /** Captured frames of draft reviews, most recently captured first (frames-repo recentCaptures). */
  recentCaptures(limit: number, reviewId?: number): WorkAheadFrame[];
  readFrame(frameId: number): Uint8Array;
  /** The setting (on by default). */
  enabled(): boolean;
  /** An analysis (the reviewer's, a follow-up) or a phase timeline job is running or waiting. */
  busy(): boolean;
  /** The stored analyses' median encode time with the loaded model here (expected-times.ts), or null. */
  expectedEncodeMs(): Promise<number | null>;
  /** Default DEFAULT_WORK_AHEAD_IDLE_MS; null: never (CLIs, and tests that are not about it). */
  idleDelayMs?: number | null;
  log?: Pick<AppLog, 'info' | 'warn'>;
}

export function createWorkAhead(d: WorkAheadDeps) {
  const idleDelayMs = d.idleDelayMs === undefined ? DEFAULT_WORK_AHEAD_IDLE_MS : d.idleDelayMs;
  let openReviewId: number | null = null;
  let lastBusyAt = performance.now();
  let wasBusy = true;
  let timer: NodeJS.Timeout | null = null;
  let timerAt = Infinity;
  let loop: Promise<void> | null = null;
  let closed = false;
  /** The loaded model's cache key (what `tried` is about). */
  let modelKey = '';
  /** Frames tried with the loaded model (encoded, failed, or found stored): not tried again until another model loads. */
  const tried = new Set<string>();

  /** Where the loaded model's embeddings go; null when there is nothing to encode ahead (remote, no cache, none loaded). */
  function target(): { dir: string; maxBytes: number; key: Omit<EmbeddingKey, 'imageSha256'> } | null {
    const req = d.client.loadRequest;
    const key = d.client.model?.embeddingKey;
    if (!req || req.engine === 'remote' || !req.embeddingCache || req.embeddingCache.maxBytes <= 0 || !key) return null;
    return { dir: req.embeddingCache.dir, maxBytes: req.embeddingCache.maxBytes, key };
  }

  const requestsWaiting = (s: InferenceStatus) => s.state !== 'ready' || s.runningAnalysisId !== null || s.queued > 0;

  /** Whether the reviewer's work keeps the model busy now; notes when it last did (the idle delay counts from then). */
  function observe(): { busy: boolean; encoding: boolean } {
    const s = d.client.status();
    const busy = requestsWaiting(s) || d.busy();
    if (busy || wasBusy) lastBusyAt = performance.now();
    wasBusy = busy;
    return { busy, encoding: s.encodingAhead === true };
  }

  /** May an encode start now? (Else, when only the idle delay is missing, a tick is scheduled for its end.) */
  function mayStart(): boolean {
    const now = observe();
    if (closed || idleDelayMs === null || !d.enabled() || !target() || now.busy || now.encoding) return false;
    const wait = lastBusyAt + idleDelayMs - performance.now();
    if (wait > 0) {
      schedule(wait);
      return false;
    }
    return true;
  }

  function schedule(ms: number): void {
    if (closed) return;
    const at = performance.now() + ms;
    if (timer && timerAt <= at) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = null;
      timerAt = Infinity;
      tick();
    }, ms);
    timer.unref?.();
  }

  function tick(): void {
    if (closed) return;
    if (loop) {
      // The loop checks again after each frame; turning the setting off also ends the encode under way (by the rule).
      if (observe().encoding && !d.enabled()) d.client.stopEncodeAhead();
      return;
    }
    if (!mayStart()) return;
    loop = run()
      .catch((err: Error) => d.log?.warn('Work ahead stopped', { message: err.message }))
      .finally(() => {
        loop = null;
      });
  }

  /** The next frame with no stored embedding for the loaded model, or null. */
  async function next(t: NonNullable<ReturnType<typeof target>>): Promise<WorkAheadFrame | null> {
    const budget = workAheadBudget(t.maxBytes, t.key);
    const open = openReviewId === null ? [] : d.recentCaptures(budget, openReviewId);
    for (const f of workAheadOrder(open, d.recentCaptures(budget), budget)) {
      if (tried.has(f.sha256)) continue;
      if (!(await isEmbeddingStored(t.dir, { ...t.key, imageSha256: f.sha256 }))) return f;
    }
    return null;
  }

  async function run(): Promise<void> {
    for (;;) {
      const t = target();
      if (!t || !mayStart()) return;
      const key = JSON.stringify([t.dir, t.key]);
      if (key !== modelKey) {
        modelKey = key;
        tried.clear();
      }
      const frame = await next(t);
      if (!frame) return;
      tried.add(frame.sha256);
      let image: Uint8Array;
      try {
        image = d.readFrame(frame.id);
      } catch (err) {
        d.log?.warn('A captured frame could not be read to encode it ahead', { frameId: frame.id, message: (err as Error).message });
        continue;
      }
      const expected = await d.expectedEncodeMs().catch(() => null);
      if (!mayStart()) {
        tried.delete(frame.sha256);
        return;
      }
      let r;
      try {
        r = await d.client.encodeAhead(frame.sha256, image, expected);
      } catch (err) {
        d.log?.warn('A captured frame could not be encoded ahead', { frameId: frame.id, message: (err as Error).message });
        if (err instanceof WorkstationError && err.code === 'unsupported-input') continue;
        return; // the process ended or the model went: the next idle moment carries on with the other frames
      }
      if (r === null) {
        tried.delete(frame.sha256); // it gave way to a request: encoded at the next idle moment
        return;
      }
      if (!r.alreadyStored) d.log?.info('Encoded a captured frame ahead', { frameId: frame.id, encodeMs: Math.round(r.encodeMs), stored: r.stored });
    }
  }

  return {
    /** Something changed that may let work ahead start or must stop it (the model's state, a job, a capture, the setting). */
    poke(): void {
      schedule(0);
    },
    /** The review the reviewer has open (opened, scrubbed, captured in): its frames go first. */
    openReview(reviewId: number): void {
      if (openReviewId === reviewId) return;
      openReviewId = reviewId;
      schedule(0);
    },
    /** Resolves when no encode ahead is being chosen or waited for (tests). */
    settled: (): Promise<void> => loop ?? Promise.resolve(),
    close(): void {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
export type WorkAhead = ReturnType<typeof createWorkAhead>;
