// The video review surface's backend: probing, importing (in place), converting, re-linking and removing videos;
// opening and updating reviews; storing captured frames. Long work runs as jobs that report videos.jobProgress
// and can be cancelled (video-jobs.ts: the import and convert jobs). Nothing here imports electron.
import type { Database } from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventName, EventPayload } from '../../api/contract';
import type { Handlers } from '../../api/dispatch';
import { WorkstationError } from '../../api/errors';
import type { Settings } from '../../api/schemas';
import { workstationKysely } from '../db/workstation-db';
import type { FrameStore } from '../frames/frame-store';
import type { FramesRepo } from '../frames/frames-repo';
import { createReviewGuard } from '../reviews/review-guard';
import { createReviewsStore } from '../reviews/reviews-store';
import { ffmpegInfo } from '../ffmpeg/ffmpeg-binary';
import { findFfmpeg, INSTALL_FFMPEG_HINT, type FfmpegTools } from './ffmpeg-tools';
import { quickHash } from './hashing';
import { probeVideo, statVideoFile } from './probe';
import { createFrameCapture } from './frame-capture';
import { joinAndImport } from './join-parts';
import { createProxyService } from './proxy-service';
import { createVideoJobs } from './video-jobs';
import { createVideosRepo } from './videos-repo';

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

export type VideoChannel =
  | 'videos.probe'
  | 'videos.import'
  | 'videos.importParts'
  | 'videos.convert'
  | 'videos.cancelJob'
  | 'videos.list'
  | 'videos.get'
  | 'videos.timeline'
  | 'videos.relink'
  | 'videos.remove'
  | 'videos.tools'
  | 'videos.proxy'
  | 'videos.makeProxy'
  | 'reviews.open'
  | 'reviews.get'
  | 'reviews.list'
  | 'reviews.update'
  | 'frames.capture'
  | 'frames.listForReview';

export interface VideoServiceOptions {
  db: Database;
  dataDir: string;
  frames: FramesRepo;
  store: FrameStore;
  settings: { get(): Settings };
  /** Throws not-found for an unknown case. */
  cases: { get(id: number): Promise<unknown> };
  emit: Emit;
  /** ffmpeg to convert with: a path, null for none; default: $WORKSTATION_FFMPEG, else found on PATH. */
  ffmpeg?: string | null;
  /** Make a scrub proxy after each import (default true). */
  autoProxy?: boolean;
  /** Keeps a captured frame's checked print copy for the reports (a cache: failing to write it fails nothing). */
  keepPrintCopy?: (sha256: string, size: { width: number; height: number }, jpeg: Uint8Array) => Promise<void>;
}

/** `~/x` and relative paths are taken from the home folder; the result is absolute and normalised. */
function userPath(p: string): string {
  const t = p.trim();
  if (t === '~' || t.startsWith('~/') || t.startsWith('~\\')) return path.join(os.homedir(), t.slice(1));
  if (!path.isAbsolute(t)) throw new WorkstationError('invalid-argument', `Enter the full path of the video file (for example ${path.join(os.homedir(), 'Videos', 'case.mp4')}).`);
  return path.normalize(t);
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

export function createVideoService(o: VideoServiceOptions) {
  const videos = createVideosRepo(o.db);
  const reviews = createReviewsStore(workstationKysely(o.db));
  const guard = createReviewGuard(o.db);
  // Looked up on first use (it runs `ffmpeg -version`), not while the app starts.
  let found: FfmpegTools | null | undefined;
  const ffmpegTools = (): FfmpegTools | null => (found === undefined ? (found = findFfmpeg(o.ffmpeg)) : found);
  const videosDir = path.join(o.dataDir, 'videos');
  const proxies = createProxyService({ db: o.db, dataDir: o.dataDir, videos, ffmpeg: ffmpegTools, emit: o.emit });

  const probeOptions = (signal?: AbortSignal, onProgress?: (f: number | null) => void) => ({
    ffprobe: ffmpegTools()?.ffprobe ?? null,
    ffmpeg: ffmpegTools()?.ffmpeg ?? null,
    ffmpegAvailable: ffmpegTools() !== null,
    ...(signal ? { signal } : {}),
    ...(onProgress ? { onProgress } : {}),
  });

  /** Removes a registration and the stored frame images nothing else uses; a converted copy goes too. */
  function unregister(id: number): void {
    const v = videos.get(id);
    const images = o.db.prepare<[number], { sha256: string; mime: 'image/png' | 'image/jpeg' }>('SELECT DISTINCT sha256, mime FROM frames WHERE video_id = ?').all(id);
    proxies.remove(id);
    videos.remove(id);
    for (const img of images) {
      if (!o.db.prepare('SELECT 1 FROM frames WHERE sha256 = ? LIMIT 1').get(img.sha256)) o.store.remove(img.sha256, img.mime);
    }
    if ((v.convertedFrom || v.parts.length > 0) && isInside(videosDir, v.path)) fs.rmSync(v.path, { force: true });
  }

  function isInside(dir: string, file: string): boolean {
    const rel = path.relative(dir, file);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  }

  const { jobs, startJob, importFile, convertFile } = createVideoJobs({
    db: o.db,
    videos,
    videosDir,
    emit: o.emit,
    autoProxy: o.autoProxy,
    startProxy: (id) => proxies.start(id),
    ffmpegTools,
    probeOptions,
    unregister,
  });

  const captureFrame = createFrameCapture({ db: o.db, videos, reviews, guard, frames: o.frames, ...(o.keepPrintCopy ? { keepPrintCopy: o.keepPrintCopy } : {}) });

  const handlers: Pick<Handlers, VideoChannel> = {
    'videos.probe': async ({ path: p }) => (await probeVideo(userPath(p), probeOptions())).probe,
    'videos.import': async ({ caseId, path: p, playsHere }) => {
      await o.cases.get(caseId);
      const file = userPath(p);
      statVideoFile(file);
      return startJob('import', (job, report) => importFile(job, report, caseId, file, null, playsHere));
    },
    'videos.importParts': async ({ caseId, paths, playsHere }) => {
      await o.cases.get(caseId);
      const files = paths.map(userPath);
      const seen = new Set<string>();
      for (const file of files) {
        if (seen.has(file)) throw new WorkstationError('invalid-argument', `“${path.basename(file)}” is listed twice. Each part of the recording is listed once, in order.`);
        seen.add(file);
        statVideoFile(file);
      }
      return startJob('join', (job, report) =>
        joinAndImport({
          ffmpeg: ffmpegTools()?.ffmpeg ?? null,
          videosDir,
          files,
          signal: job.controller.signal,
          report,
          probe: (file) => probeVideo(file, probeOptions(job.controller.signal)),
          importJoined: (file, parts) => importFile(job, report, caseId, file, null, playsHere, parts),
          registered: (file) => o.db.prepare('SELECT 1 FROM videos WHERE path = ? LIMIT 1').get(file) !== undefined,
        }),
      );
    },
    'videos.convert': async ({ caseId, path: p }) => {
      await o.cases.get(caseId);
      const file = userPath(p);
      statVideoFile(file);
      if (!ffmpegTools()) throw new WorkstationError('unavailable', `No ffmpeg was found on this computer, so the video cannot be converted here. ${INSTALL_FFMPEG_HINT}`);
      return startJob('convert', (job, report) => convertFile(job, report, caseId, file));
    },
    'videos.cancelJob': ({ jobId }) => {
      const job = jobs.get(jobId);
      if (!job || job.controller.signal.aborted) return { cancelled: false };
      job.controller.abort();
      return { cancelled: true };
    },
    'videos.list': async ({ caseId }) => {
      await o.cases.get(caseId);
      return videos.list(caseId);
    },
    'videos.get': ({ id }) => videos.get(id),
    'videos.timeline': ({ id }) => videos.timeline(id),
    'videos.relink': async ({ id, path: p }) => {
      const v = videos.get(id);
      const file = userPath(p);
      statVideoFile(file);
      const found = await quickHash(file);
      const name = path.basename(file);
      if (found.size !== v.sizeBytes) {
        throw new WorkstationError(
          'unsupported-input',
          `"${name}" is not the same video: it is ${mb(found.size)}, but "${v.fileName}" was ${mb(v.sizeBytes)}. Choose the file "${v.fileName}" was moved or copied to.`,
        );
      }
      if (found.quickHash !== v.quickHash) {
        throw new WorkstationError('unsupported-input', `"${name}" is not the same video: it has the same size as "${v.fileName}" but different contents. Choose the file "${v.fileName}" was moved or copied to.`);
      }
      return videos.setPath(id, file, name);
    },
    'videos.remove': ({ id }) => {
      videos.get(id);
      for (const job of jobs.values()) if (job.videoId === id) job.controller.abort();
      unregister(id);
      return { ok: true as const };
    },

    'videos.tools': () => ffmpegInfo(ffmpegTools()),
    ...proxies.handlers,

    'reviews.open': async ({ caseId, videoId }) => {
      await o.cases.get(caseId);
      const v = videos.get(videoId);
      if (v.caseId !== caseId) throw new WorkstationError('invalid-argument', `Video ${videoId} belongs to another case.`);
      const reviewer = o.settings.get().reviewerName.trim() || 'Reviewer';
      return reviews.open(caseId, videoId, reviewer);
    },
    'reviews.get': ({ id }) => reviews.get(id),
    'reviews.list': async ({ caseId }) => {
      await o.cases.get(caseId);
      return reviews.list(caseId);
    },
    'reviews.update': async ({ id, lastFrameIndex }) => {
      const r = await reviews.get(id);
      if (lastFrameIndex !== undefined) {
        const v = videos.get(r.videoId);
        if (lastFrameIndex >= v.frameCount) throw new WorkstationError('invalid-argument', `Frame ${lastFrameIndex} does not exist: the video has ${v.frameCount} frames (0–${v.frameCount - 1}).`);
      }
      return reviews.update(id, lastFrameIndex !== undefined ? { lastFrameIndex } : {});
    },

    'frames.capture': (input) => captureFrame(input),
    'frames.listForReview': async ({ reviewId, kind }) => {
      await reviews.get(reviewId);
      return o.frames.listForReview(reviewId, kind);
    },
  };

  return {
    handlers,
    captureFrame,
    /** The ffmpeg conversion uses, or null when there is none. */
    ffmpeg: ffmpegTools,
    /** A registered video whose file is where it was registered (or its ready scrub proxy); null for anything else. */
    resolveVideo(id: number, variant?: 'proxy'): { file: string; mime: string } | null {
      if (!Number.isSafeInteger(id) || id <= 0) return null;
      if (variant === 'proxy') {
        const file = proxies.fileOf(id);
        return file ? { file, mime: 'video/mp4' } : null;
      }
      const f = videos.fileOf(id);
      if (!f) return null;
      try {
        if (!fs.statSync(f.path).isFile()) return null;
      } catch {
        return null;
      }
      return { file: f.path, mime: f.mime };
    },
    /** Cancels running jobs (ffmpeg is killed, partial files removed) and waits for them to finish. */
    async close(): Promise<void> {
      const running = [...jobs.values()];
      for (const job of running) job.controller.abort();
      await Promise.all(running.map((j) => j.done));
      await proxies.close();
    },
  };
}
export type VideoService = ReturnType<typeof createVideoService>;
