// The frame images as the HTML and PDF embed them (sizes: electron/api/print-size.ts): small frames as stored, the
// others as a JPEG print copy made by the printer's Chromium. The lossless frames stay in the data folder and go out
// unchanged in the COCO export. Print copies are kept in memory (64 MB) and, when a cache folder is given, on disk
// (print-copies.ts), where the renderer's copies made at capture also land; the export after the dialog's preview
// (which warms them) does not redo them.
import { WorkstationError } from '../../api/errors';
import { PRINT_JPEG_QUALITY, printSize } from '../../api/print-size';
import { printCopyKey, readPrintCopy, writePrintCopy } from './print-copies';
import type { ShrinkJob } from './printer';
import type { FrameImages } from './report-html';

const MEMORY_BYTES = 64 * 1024 * 1024;
const CHUNK = 6;

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

  const keyOf = printCopyKey;

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

  const fromDisk = (key: string) => (deps.cacheDir ? readPrintCopy(deps.cacheDir, key) : Promise.resolve(null));
  const toDisk = (key: string, data: Uint8Array) => (deps.cacheDir ? writePrintCopy(deps.cacheDir, key, data) : Promise.resolve());

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
