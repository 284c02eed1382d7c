// Thumbnails for the timeline dock's thumbnail track, behind one small interface: a function that returns a small
// picture of frame k (or null when it cannot). Today they come from a hidden <video> of the same file that seeks to
// each frame and draws it small; a low-resolution proxy of the video can back the same function later.
//
// The hidden element works only while the review's player is idle (`idle()`), in the order asked, so thumbnails
// never slow down the frame the reviewer asked for; each picture is kept (up to `keep`) once made.
import { frameMid } from '../player/timeline';

export type Thumbnail = ImageBitmap | HTMLCanvasElement;
/** How long the player must have been idle before a thumbnail is made (ms). */
const QUIET_MS = 400;
/** A small picture of frame k, or null when it cannot be made (the request is dropped when `signal` aborts). */
export type ThumbnailSource = (frameIndex: number, signal: AbortSignal) => Promise<Thumbnail | null>;

interface Request {
  k: number;
  signal: AbortSignal;
  resolve(t: Thumbnail | null): void;
}

export interface VideoThumbnails {
  source: ThumbnailSource;
  dispose(): void;
}

/** `url`: the scrub proxy when it is ready (small and quick to seek), else the original; `timeOffset` as the proxy's
 * (seconds to add to the file's timestamps to get the table's). */
export function createVideoThumbnails(o: { url: string; timeOffset?: number; pts: readonly number[]; endSeconds: number; height: number; idle: () => boolean; keep?: number }): VideoThumbnails {
  const keep = o.keep ?? 240;
  const cache = new Map<number, Thumbnail>();
  const queue: Request[] = [];
  let video: HTMLVideoElement | null = null;
  let running = false;
  let disposed = false;

  function element(): HTMLVideoElement {
    if (video) return video;
    const v = document.createElement('video');
    v.muted = true;
    v.preload = 'auto';
    v.playsInline = true;
    v.src = o.url;
    video = v;
    return v;
  }

  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  function seek(v: HTMLVideoElement, t: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        v.removeEventListener('seeked', onSeeked);
        v.removeEventListener('error', onError);
        resolve(ok);
      };
      const onSeeked = () => done(true);
      const onError = () => done(false);
      const timer = setTimeout(() => done(false), 8000);
      v.addEventListener('seeked', onSeeked);
      v.addEventListener('error', onError);
      v.currentTime = t;
    });
  }

  async function make(k: number): Promise<Thumbnail | null> {
    const v = element();
    if (v.readyState < 1) {
      await new Promise<void>((resolve) => {
        const ok = () => resolve();
        v.addEventListener('loadedmetadata', ok, { once: true });
        v.addEventListener('error', ok, { once: true });
      });
    }
    if (!v.videoWidth || !(await seek(v, Math.max(0, frameMid(o.pts, k, o.endSeconds) - (o.timeOffset ?? 0))))) return null;
    const h = o.height * Math.min(2, window.devicePixelRatio || 1);
    const w = Math.max(1, Math.round((h * v.videoWidth) / v.videoHeight));
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = Math.round(h);
    canvas.getContext('2d')?.drawImage(v, 0, 0, canvas.width, canvas.height);
    try {
      return await createImageBitmap(canvas);
    } catch {
      return canvas;
    }
  }

  async function pump(): Promise<void> {
    if (running) return;
    running = true;
    try {
      let quietSince = performance.now();
      while (!disposed && queue.length) {
        // The player first: wait while it is seeking, decoding or playing, and until it has been quiet a moment.
        if (!o.idle()) {
          quietSince = performance.now();
          await wait(120);
          continue;
        }
        if (performance.now() - quietSince < QUIET_MS) {
          await wait(QUIET_MS - (performance.now() - quietSince));
          continue;
        }
        const r = queue.shift()!;
        if (r.signal.aborted) {
          r.resolve(null);
          continue;
        }
        const hit = cache.get(r.k);
        if (hit) {
          r.resolve(hit);
          continue;
        }
        const t = await make(r.k).catch(() => null);
        if (t) {
          cache.set(r.k, t);
          if (cache.size > keep) {
            const oldest = cache.keys().next().value as number;
            const img = cache.get(oldest);
            if (img && 'close' in img) img.close();
            cache.delete(oldest);
          }
        }
        // Other requests for the same frame get the same picture.
        for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.k === r.k) queue.splice(i, 1)[0]!.resolve(t);
        r.resolve(t);
      }
    } finally {
      running = false;
    }
  }

  return {
    source(k, signal) {
      const hit = cache.get(k);
      if (hit) return Promise.resolve(hit);
      if (disposed || signal.aborted) return Promise.resolve(null);
      return new Promise((resolve) => {
        queue.push({ k, signal, resolve });
        void pump();
      });
    },
    dispose() {
      disposed = true;
      for (const r of queue.splice(0)) r.resolve(null);
      for (const img of cache.values()) if ('close' in img) img.close();
      cache.clear();
      if (video) {
        video.removeAttribute('src');
        video.load();
        video = null;
      }
    },
  };
}
