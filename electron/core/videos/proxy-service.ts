// Scrub proxies of registered videos (scrub-proxy.ts): made one at a time in the background after import, kept in
// <data>/proxies/, checked to have the video's frames exactly, removed with their video. State in video_proxies;
// progress as videos.proxyProgress. Nothing here imports electron.
import type { Database } from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decideColour } from '../../api/colour';
import type { EventName, EventPayload } from '../../api/contract';
import type { VideoProxy } from '../../api/schemas-video';
import type { Handlers } from '../../api/dispatch';
import { WorkstationError } from '../../api/errors';
import type { FfmpegTools } from '../ffmpeg/ffmpeg-binary';
import { INSTALL_FFMPEG_HINT } from './ffmpeg-tools';
import { readWithMediabunny } from './media-read';
import { frameOffset, makeScrubProxy, PROXY_GOP, PROXY_MAX_BYTES, ProxyCancelled, ProxyTooLarge, proxySize } from './scrub-proxy';
import type { VideosRepo } from './videos-repo';

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

interface Row {
  video_id: number;
  state: 'making' | 'ready' | 'failed' | 'skipped';
  file: string | null;
  width: number | null;
  height: number | null;
  gop: number | null;
  size_bytes: number | null;
  time_offset: number | null;
  message: string | null;
}

export interface ProxyServiceOptions {
  db: Database;
  dataDir: string;
  videos: VideosRepo;
  ffmpeg(): FfmpegTools | null;
  emit: Emit;
  maxBytes?: number;
}

export function createProxyService(o: ProxyServiceOptions) {
  const dir = path.join(o.dataDir, 'proxies');
  const queue: number[] = [];
  const progress = new Map<number, number | null>();
  let running: { videoId: number; controller: AbortController; done: Promise<void> } | null = null;
  let closed = false;

  const row = (id: number) => o.db.prepare<[number], Row>('SELECT * FROM video_proxies WHERE video_id = ?').get(id);

  function state(videoId: number): VideoProxy {
    const r = row(videoId);
    const queued = queue.includes(videoId);
    if (!r) return { videoId, state: queued ? 'queued' : 'none', progress: null, width: null, height: null, gop: null, sizeBytes: null, timeOffset: null, message: null };
    // A proxy whose file went missing is no proxy (made again on request).
    // A proxy whose file went missing, or one left half-made by an app that stopped, is no proxy (made on request).
    const missing = (r.state === 'ready' && (!r.file || !fs.existsSync(path.join(o.dataDir, r.file)))) || (r.state === 'making' && running?.videoId !== videoId && !queued);
    return {
      videoId,
      state: missing ? 'none' : queued ? 'queued' : r.state,
      progress: r.state === 'making' ? (progress.get(videoId) ?? null) : null,
      width: r.width,
      height: r.height,
      gop: r.gop,
      sizeBytes: r.size_bytes,
      timeOffset: r.time_offset,
      message: missing ? null : r.message,
    };
  }

  function write(videoId: number, fields: Omit<Row, 'video_id'>): void {
    o.db
      .prepare(
        `INSERT INTO video_proxies (video_id, state, file, width, height, gop, size_bytes, time_offset, message, updated_at)
         VALUES (@video_id, @state, @file, @width, @height, @gop, @size_bytes, @time_offset, @message, @at)
         ON CONFLICT(video_id) DO UPDATE SET state = excluded.state, file = excluded.file, width = excluded.width, height = excluded.height, gop = excluded.gop,
           size_bytes = excluded.size_bytes, time_offset = excluded.time_offset, message = excluded.message, updated_at = excluded.updated_at`,
      )
      .run({ video_id: videoId, ...fields, at: new Date().toISOString() });
  }

  const announce = (videoId: number) => o.emit('videos.proxyProgress', state(videoId));

  async function make(videoId: number, signal: AbortSignal): Promise<void> {
    const tools = o.ffmpeg();
    const v = o.videos.get(videoId);
    const empty = { file: null, width: null, height: null, gop: null, size_bytes: null, time_offset: null };
    if (!tools) {
      write(videoId, { state: 'skipped', ...empty, message: 'No ffmpeg: scrubbing uses the original.' });
      return;
    }
    fs.mkdirSync(dir, { recursive: true });
    const size = proxySize(v.width, v.height);
    const name = `${videoId}-${crypto.randomBytes(4).toString('hex')}.mp4`;
    const temp = path.join(dir, `.${name}.part`);
    write(videoId, { state: 'making', ...empty, message: null });
    progress.set(videoId, 0);
    announce(videoId);
    let last = 0;
    try {
      await makeScrubProxy({
        ffmpeg: tools.ffmpeg,
        input: v.path,
        output: temp,
        width: v.width,
        height: v.height,
        durationSeconds: v.durationSeconds,
        colour: decideColour(v.colour, v.width, v.height),
        maxBytes: o.maxBytes ?? PROXY_MAX_BYTES,
        signal,
        onProgress: (f) => {
          progress.set(videoId, f);
          if (Date.now() - last > 250) {
            last = Date.now();
            announce(videoId);
          }
        },
      });
      // Frame k of the proxy must be frame k of the video, or the proxy is not used.
      const read = await readWithMediabunny(temp, { signal }, true);
      const table = o.videos.timeline(videoId);
      const offset = read?.timeline ? frameOffset(table.pts, read.timeline.pts) : null;
      if (offset === null) {
        throw new Error(`the copy's frames (${read?.timeline?.pts.length ?? 0}) are not the video's (${table.pts.length}); scrubbing uses the original`);
      }
      fs.renameSync(temp, path.join(dir, name));
      write(videoId, { state: 'ready', file: path.join('proxies', name), width: size.width, height: size.height, gop: PROXY_GOP, size_bytes: fs.statSync(path.join(dir, name)).size, time_offset: offset, message: null });
    } catch (err) {
      fs.rmSync(temp, { force: true });
      if (err instanceof ProxyCancelled || signal.aborted) {
        o.db.prepare('DELETE FROM video_proxies WHERE video_id = ?').run(videoId);
      } else {
        write(videoId, { state: err instanceof ProxyTooLarge ? 'skipped' : 'failed', ...empty, message: err instanceof ProxyTooLarge ? err.message : `The scrub proxy could not be made: ${(err as Error).message}` });
      }
    } finally {
      progress.delete(videoId);
    }
  }

  function pump(): void {
    if (running || closed) return;
    const videoId = queue.shift();
    if (videoId === undefined) return;
    const controller = new AbortController();
    const done = make(videoId, controller.signal)
      .catch(() => {
        // The video was removed meanwhile (not-found): nothing to record.
      })
      .finally(() => {
        running = null;
        if (o.db.open && o.db.prepare('SELECT 1 FROM videos WHERE id = ?').get(videoId)) announce(videoId);
        pump();
      });
    running = { videoId, controller, done };
  }

  function start(videoId: number): VideoProxy {
    const s = state(videoId);
    if (s.state === 'ready' || s.state === 'queued' || running?.videoId === videoId) return s;
    const old = row(videoId);
    if (old?.file) fs.rmSync(path.join(o.dataDir, old.file), { force: true });
    queue.push(videoId);
    const queued = state(videoId);
    o.emit('videos.proxyProgress', queued);
    pump();
    return queued;
  }

  const handlers: Pick<Handlers, 'videos.proxy' | 'videos.makeProxy'> = {
    'videos.proxy': ({ id }) => {
      o.videos.get(id);
      return state(id);
    },
    'videos.makeProxy': ({ id }) => {
      o.videos.get(id);
      if (!o.ffmpeg()) throw new WorkstationError('unavailable', `No ffmpeg was found, so no scrub proxy can be made. ${INSTALL_FFMPEG_HINT}`);
      return start(id);
    },
  };

  return {
    handlers,
    state,
    /** Queues the proxy of a video (nothing when it is ready, queued or being made). */
    start,
    /** The ready proxy's file, or null. */
    fileOf(videoId: number): string | null {
      const r = row(videoId);
      if (r?.state !== 'ready' || !r.file) return null;
      const file = path.join(o.dataDir, r.file);
      return fs.existsSync(file) ? file : null;
    },
    /** Before a video is removed: stop its proxy and delete the file (the row goes with the video). */
    remove(videoId: number): void {
      const i = queue.indexOf(videoId);
      if (i >= 0) queue.splice(i, 1);
      if (running?.videoId === videoId) running.controller.abort();
      const r = row(videoId);
      if (r?.file) fs.rmSync(path.join(o.dataDir, r.file), { force: true });
    },
    async close(): Promise<void> {
      closed = true;
      queue.length = 0;
      running?.controller.abort();
      await running?.done;
    },
  };
}
export type ProxyService = ReturnType<typeof createProxyService>;
