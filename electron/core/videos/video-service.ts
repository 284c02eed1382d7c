// The video review surface's backend: probing, importing (in place), converting, re-linking and removing videos;
// opening and updating reviews; storing captured frames. Long work runs as jobs that report videos.jobProgress
// and can be cancelled. Nothing here imports electron.
import type { Database } from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventName, EventPayload } from '../../api/contract';
import type { Handlers } from '../../api/dispatch';
import { WorkstationError } from '../../api/errors';
import type { Settings } from '../../api/schemas';
import type { Video, VideoJobProgress } from '../../api/schemas-video';
import type { FrameStore } from '../frames/frame-store';
import type { FramesRepo } from '../frames/frames-repo';
import { createReviewGuard } from '../reviews/review-guard';
import { createReviewsRepo } from '../reviews/reviews-repo';
import { ffmpegInfo } from '../ffmpeg/ffmpeg-binary';
import { ConversionCancelled, convertToH264, findFfmpeg, mediaSummary, INSTALL_FFMPEG_HINT, type FfmpegTools } from './ffmpeg-tools';
import { HashCancelled, quickHash, sha256WithProgress } from './hashing';
import { ProbeCancelled, probeVideo, statVideoFile, type ProbeResult } from './probe';
import { cannotDecode, CODEC_LABEL } from './probe-verdicts';
import { createFrameCapture } from './frame-capture';
import { joinAndImport, partLayout, type ProbedPart } from './join-parts';
import { createProxyService } from './proxy-service';
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
  cases: { get(id: number): unknown };
  emit: Emit;
  /** ffmpeg to convert with: a path, null for none; default: $WORKSTATION_FFMPEG, else found on PATH. */
  ffmpeg?: string | null;
  /** Make a scrub proxy after each import (default true). */
  autoProxy?: boolean;
  /** Keeps a captured frame's checked print copy for the reports (a cache: failing to write it fails nothing). */
  keepPrintCopy?: (sha256: string, size: { width: number; height: number }, jpeg: Uint8Array) => Promise<void>;
}

type Phase = VideoJobProgress['phase'];

interface Job {
  id: string;
  kind: VideoJobProgress['kind'];
  controller: AbortController;
  /** The registration this job created, once it exists (removed again when the job is cancelled). */
  videoId: number | null;
  done: Promise<void>;
}

const isCancel = (err: unknown) => err instanceof ProbeCancelled || err instanceof HashCancelled || err instanceof ConversionCancelled;
const PROGRESS_INTERVAL_MS = 100;

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
  const reviews = createReviewsRepo(o.db);
  const guard = createReviewGuard(o.db);
  // Looked up on first use (it runs `ffmpeg -version`), not while the app starts.
  let found: FfmpegTools | null | undefined;
  const ffmpegTools = (): FfmpegTools | null => (found === undefined ? (found = findFfmpeg(o.ffmpeg)) : found);
  const videosDir = path.join(o.dataDir, 'videos');
  const jobs = new Map<string, Job>();
  const proxies = createProxyService({ db: o.db, dataDir: o.dataDir, videos, ffmpeg: ffmpegTools, emit: o.emit });

  const probeOptions = (signal?: AbortSignal, onProgress?: (f: number | null) => void) => ({
    ffprobe: ffmpegTools()?.ffprobe ?? null,
    ffmpeg: ffmpegTools()?.ffmpeg ?? null,
    ffmpegAvailable: ffmpegTools() !== null,
    ...(signal ? { signal } : {}),
    ...(onProgress ? { onProgress } : {}),
  });

  function reporter(job: Job) {
    let lastPhase: Phase | null = null;
    let lastAt = 0;
    return (phase: Phase, progress: number | null, message: string | null = null, video: Video | null = null) => {
      const now = Date.now();
      const final = phase === 'done' || phase === 'failed' || phase === 'cancelled';
      if (!final && phase === lastPhase && progress !== 1 && now - lastAt < PROGRESS_INTERVAL_MS) return;
      lastPhase = phase;
      lastAt = now;
      o.emit('videos.jobProgress', { jobId: job.id, kind: job.kind, phase, progress, message, video });
    };
  }
  type Report = ReturnType<typeof reporter>;

  function startJob(kind: Job['kind'], work: (job: Job, report: Report) => Promise<Video>): { jobId: string } {
    const job: Job = { id: `video-${crypto.randomUUID()}`, kind, controller: new AbortController(), videoId: null, done: Promise.resolve() };
    const report = reporter(job);
    jobs.set(job.id, job);
    job.done = (async () => {
      try {
        const video = await work(job, report);
        report('done', 1, null, video);
        if (o.autoProxy !== false) proxies.start(video.id);
      } catch (err) {
        const what = kind === 'convert' ? 'conversion' : kind === 'join' ? 'joining of the parts' : 'import';
        const cancelled = { import: 'Import cancelled.', convert: 'Conversion cancelled; the original is untouched.', join: 'Joining cancelled; the parts are untouched.' }[kind];
        if (job.controller.signal.aborted || isCancel(err)) report('cancelled', null, cancelled);
        else if (err instanceof WorkstationError) report('failed', null, err.message);
        else report('failed', null, `The ${what} failed: ${(err as Error).message}`);
      } finally {
        jobs.delete(job.id);
      }
    })();
    return { jobId: job.id };
  }

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

  /**
   * Probe → refuse what does not play → quick hash → register in place → full sha256 (cancellable). Whether it
   * decodes is the renderer's answer (`playsHere`, from its own decoder) when it gave one, else the probe's guess.
   */
  async function importFile(
    job: Job,
    report: Report,
    caseId: number,
    file: string,
    convertedFrom: string | null,
    playsHere?: boolean,
    parts: readonly ProbedPart[] = [],
  ): Promise<Video> {
    const signal = job.controller.signal;
    report('probing', null);
    const probed: ProbeResult = await probeVideo(file, probeOptions(signal, (f) => report('probing', f)));
    const p = probed.probe;
    const plays = p.playback !== null && (playsHere ?? p.playable);
    if (!plays || !probed.timeline || !probed.mime) {
      const why = p.playable ? cannotDecode(p.codec, p.codec ? (CODEC_LABEL[p.codec] ?? p.codec) : null, p.container, ffmpegTools() !== null) : p.problem;
      throw new WorkstationError('unsupported-input', why ?? `"${path.basename(file)}" cannot be played here.`);
    }
    const layout = parts.length > 0 ? partLayout(parts, probed.timeline.pts, probed.timeline.durationSeconds) : [];
    const id = await quickHash(file);
    if (signal.aborted) throw new ProbeCancelled();

    const existing = videos.findByIdentity(caseId, id.size, id.quickHash);
    if (existing) {
      // The same file again: a moved registration is pointed at the new place; otherwise it is already here.
      if (existing.fileStatus === 'missing') return videos.setPath(existing.id, file, path.basename(file));
      return existing;
    }
    let video: Video;
    try {
      video = videos.insert(
        {
          caseId,
          fileName: path.basename(file),
          path: file,
          sizeBytes: id.size,
          quickHash: id.quickHash,
          container: p.container,
          mime: probed.mime,
          codec: p.codec,
          codecString: p.codecString,
          width: p.width!,
          height: p.height!,
          rotation: p.rotation,
          durationSeconds: probed.timeline.durationSeconds,
          startSeconds: probed.timeline.pts[0] ?? 0,
          colour: p.colour ?? { matrix: null, primaries: null, transfer: null, fullRange: null },
          frameCount: probed.timeline.pts.length,
          fps: p.fps ?? (probed.timeline.durationSeconds > 0 ? probed.timeline.pts.length / probed.timeline.durationSeconds : 0),
          variableFrameRate: p.variableFrameRate,
          convertedFrom,
          parts: layout,
        },
        probed.timeline,
      );
    } catch (err) {
      const again = videos.findByIdentity(caseId, id.size, id.quickHash); // a parallel import of the same file won
      if (again) return again;
      throw err;
    }
    job.videoId = video.id;
    report('hashing', 0, null, video);
    try {
      const sha = await sha256WithProgress(file, signal, (f) => report('hashing', f, null, video));
      videos.setSha256(video.id, sha);
    } catch (err) {
      if (signal.aborted || isCancel(err)) {
        if (!videos.hasReviews(video.id)) unregister(video.id);
      }
      throw err;
    }
    return videos.get(video.id);
  }

  function outputName(original: string): string {
    const stem = path.basename(original, path.extname(original)).replace(/[^\w.-]+/g, '_').slice(0, 100) || 'video';
    for (let n = 1; ; n++) {
      const candidate = path.join(videosDir, `${stem}-h264${n === 1 ? '' : `-${n}`}.mp4`);
      if (!fs.existsSync(candidate)) return candidate;
    }
  }

  async function convertFile(job: Job, report: Report, caseId: number, file: string): Promise<Video> {
    const signal = job.controller.signal;
    const tools = ffmpegTools();
    if (!tools) throw new WorkstationError('unavailable', `No ffmpeg was found on this computer, so the video cannot be converted here. ${INSTALL_FFMPEG_HINT}`);
    report('probing', null);
    const { probe: p } = await probeVideo(file, probeOptions(signal, (f) => report('probing', f)));
    if (!p.playable && !p.canConvert) throw new WorkstationError('unsupported-input', p.problem ?? `"${path.basename(file)}" cannot be converted.`);
    let duration = p.durationSeconds;
    if (duration === null) duration = (await mediaSummary(tools, file, signal))?.durationSeconds ?? null;
    fs.mkdirSync(videosDir, { recursive: true });
    const finalPath = outputName(file);
    const temp = path.join(videosDir, `.${path.basename(finalPath, '.mp4')}.${crypto.randomBytes(4).toString('hex')}.part.mp4`);
    report('converting', 0);
    try {
      await convertToH264({
        ffmpeg: tools.ffmpeg,
        input: file,
        output: temp,
        gop: Math.max(1, Math.round(p.fps ?? 30)),
        durationSeconds: duration,
        evenSize: ((p.width ?? 0) | (p.height ?? 0)) % 2 === 1,
        signal,
        onProgress: (f) => report('converting', f),
      });
      if (signal.aborted) throw new ConversionCancelled();
      fs.renameSync(temp, finalPath);
    } finally {
      fs.rmSync(temp, { force: true });
    }
    try {
      return await importFile(job, report, caseId, finalPath, file);
    } catch (err) {
      if (!o.db.prepare('SELECT 1 FROM videos WHERE path = ? LIMIT 1').get(finalPath)) fs.rmSync(finalPath, { force: true });
      throw err;
    }
  }

  const captureFrame = createFrameCapture({ db: o.db, videos, reviews, guard, frames: o.frames, ...(o.keepPrintCopy ? { keepPrintCopy: o.keepPrintCopy } : {}) });

  const handlers: Pick<Handlers, VideoChannel> = {
    'videos.probe': async ({ path: p }) => (await probeVideo(userPath(p), probeOptions())).probe,
    'videos.import': ({ caseId, path: p, playsHere }) => {
      o.cases.get(caseId);
      const file = userPath(p);
      statVideoFile(file);
      return startJob('import', (job, report) => importFile(job, report, caseId, file, null, playsHere));
    },
    'videos.importParts': ({ caseId, paths, playsHere }) => {
      o.cases.get(caseId);
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
    'videos.convert': ({ caseId, path: p }) => {
      o.cases.get(caseId);
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
    'videos.list': ({ caseId }) => {
      o.cases.get(caseId);
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

    'reviews.open': ({ caseId, videoId }) => {
      o.cases.get(caseId);
      const v = videos.get(videoId);
      if (v.caseId !== caseId) throw new WorkstationError('invalid-argument', `Video ${videoId} belongs to another case.`);
      const reviewer = o.settings.get().reviewerName.trim() || 'Reviewer';
      return reviews.open(caseId, videoId, reviewer);
    },
    'reviews.get': ({ id }) => reviews.get(id),
    'reviews.list': ({ caseId }) => {
      o.cases.get(caseId);
      return reviews.list(caseId);
    },
    'reviews.update': ({ id, lastFrameIndex }) => {
      const r = reviews.get(id);
      if (lastFrameIndex !== undefined) {
        const v = videos.get(r.videoId);
        if (lastFrameIndex >= v.frameCount) throw new WorkstationError('invalid-argument', `Frame ${lastFrameIndex} does not exist: the video has ${v.frameCount} frames (0–${v.frameCount - 1}).`);
      }
      return reviews.update(id, lastFrameIndex !== undefined ? { lastFrameIndex } : {});
    },

    'frames.capture': (input) => captureFrame(input),
    'frames.listForReview': ({ reviewId, kind }) => {
      reviews.get(reviewId);
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
