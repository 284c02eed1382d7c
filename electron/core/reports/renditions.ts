// The frame images as the HTML and PDF embed them. Small frames (at most 1280 px a side and 200 KB) go in as
// stored (lossless); the others as a JPEG rendition (quality 0.9, at most 1280 px a side), made by the printer's
// Chromium. A 1080p PNG of surgical video is 2–4 MB: fifty of them as data URLs make a 250 MB page Chromium cannot
// load, and even a 640 × 360 PNG costs Chromium's PDF writer far more than a JPEG it can pass through unchanged.
// The lossless frames stay in the data folder and go out unchanged in the COCO export.
// Renditions are content-addressed (frame sha256 + size + quality), kept in memory (64 MB) and, when a cache
// folder is given, on disk, so the export after the dialog's preview (which warms them) does not redo them.
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { WorkstationError } from '../../api/errors';
import type { ShrinkJob } from './printer';
import type { FrameImages } from './report-html';

export const PRINT_MAX_SIDE = 1280;
export const MAX_INLINE_BYTES = 200 * 1024;
export const PRINT_JPEG_QUALITY = 0.9;
const MEMORY_BYTES = 64 * 1024 * 1024;
const CHUNK = 6;

/** The size a frame is embedded at in the HTML/PDF, or null to embed the stored image itself. */
export function printSize(width: number, height: number, bytes: number): { width: number; height: number } | null {
  if (width <= PRINT_MAX_SIDE && height <= PRINT_MAX_SIDE && bytes <= MAX_INLINE_BYTES) return null;
  const scale = Math.min(1, PRINT_MAX_SIDE / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export interface RenditionSource {
  sha256: string;
  width: number;
  height: number;
  /** Size of the stored image (decides whether it is embedded as stored). */
  bytes: number;
  mime: string;
  /** Reads the stored image (only when it is embedded as stored or a rendition must be made). */
  load: () => Promise<Uint8Array>;
}

export interface RenditionOptions {
  signal?: AbortSignal | undefined;
  /** Renditions made so far of those that had to be made. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

export function createRenditions(deps: { shrink: (jobs: ShrinkJob[], quality: number) => Promise<Uint8Array[]>; cacheDir?: string | undefined }) {
  const memory = new Map<string, Uint8Array>();
  let memoryBytes = 0;
  const inFlight = new Map<string, Promise<Uint8Array>>();

  const keyOf = (sha: string, size: { width: number; height: number }) => `${sha}-${size.width}x${size.height}-q${Math.round(PRINT_JPEG_QUALITY * 100)}`;

  function remember(key: string, data: Uint8Array): void {
    if (memory.has(key)) return;
    memory.set(key, data);
    memoryBytes += data.byteLength;
    for (const [k, v] of memory) {
      if (memoryBytes <= MEMORY_BYTES) break;
      memory.delete(k);
      memoryBytes -= v.byteLength;
    }
  }

  async function fromDisk(key: string): Promise<Uint8Array | null> {
    if (!deps.cacheDir) return null;
    try {
      const data = await fsp.readFile(path.join(deps.cacheDir, `${key}.jpg`));
      // A JPEG starts FF D8 and ends FF D9; anything else (a torn write from another tool) is made again.
      if (data.length > 4 && data[0] === 0xff && data[1] === 0xd8 && data[data.length - 2] === 0xff && data[data.length - 1] === 0xd9) return new Uint8Array(data);
    } catch {
      // not cached
    }
    return null;
  }

  async function toDisk(key: string, data: Uint8Array): Promise<void> {
    if (!deps.cacheDir) return;
    try {
      await fsp.mkdir(deps.cacheDir, { recursive: true });
      const file = path.join(deps.cacheDir, `${key}.jpg`);
      const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      await fsp.writeFile(tmp, data);
      await fsp.rename(tmp, file).catch(async (err: unknown) => {
        await fsp.rm(tmp, { force: true });
        throw err;
      });
    } catch {
      // A cache that cannot be written only costs time next export.
    }
  }

  /** The embedded image of every source, by sha256. */
  async function get(sources: readonly RenditionSource[], options: RenditionOptions = {}): Promise<FrameImages> {
    const out = new Map<string, { data: Uint8Array; mime: string }>();
    const waits: Promise<void>[] = [];
    const todo: { key: string; sha: string; src: RenditionSource; size: { width: number; height: number } }[] = [];
    for (const src of sources) {
      if (out.has(src.sha256)) continue;
      const size = printSize(src.width, src.height, src.bytes);
      if (!size) {
        out.set(src.sha256, { data: await src.load(), mime: src.mime });
        continue;
      }
      const key = keyOf(src.sha256, size);
      const known = memory.get(key) ?? (await fromDisk(key));
      if (known) {
        remember(key, known);
        out.set(src.sha256, { data: known, mime: 'image/jpeg' });
      } else if (inFlight.has(key)) {
        waits.push(inFlight.get(key)!.then((data) => void out.set(src.sha256, { data, mime: 'image/jpeg' })));
      } else if (!todo.some((t) => t.key === key)) {
        todo.push({ key, sha: src.sha256, src, size });
      }
    }
    let done = 0;
    options.onProgress?.(0, todo.length);
    for (let i = 0; i < todo.length; i += CHUNK) {
      if (options.signal?.aborted) throw new WorkstationError('cancelled', 'The export was cancelled. Nothing was written.');
      const chunk = todo.slice(i, i + CHUNK);
      const made = (async () => {
        const jobs: ShrinkJob[] = [];
        for (const t of chunk) jobs.push({ data: await t.src.load(), mime: t.src.mime, ...t.size });
        return deps.shrink(jobs, PRINT_JPEG_QUALITY);
      })();
      chunk.forEach((t, k) => {
        const p = made.then((all) => all[k]!);
        p.catch(() => {});
        inFlight.set(t.key, p);
      });
      try {
        const jpegs = await made;
        for (const [k, t] of chunk.entries()) {
          const data = jpegs[k]!;
          remember(t.key, data);
          out.set(t.sha, { data, mime: 'image/jpeg' });
          await toDisk(t.key, data);
        }
      } catch (err) {
        if (err instanceof WorkstationError) throw err;
        throw new WorkstationError('internal', `Could not prepare the frame images for the report: ${(err as Error).message}`);
      } finally {
        for (const t of chunk) inFlight.delete(t.key);
      }
      done += chunk.length;
      options.onProgress?.(done, todo.length);
    }
    await Promise.all(waits);
    return out;
  }

  return { get };
}
export type Renditions = ReturnType<typeof createRenditions>;
