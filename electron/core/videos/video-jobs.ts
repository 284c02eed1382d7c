// The video service's long work as jobs: importing a file in place (probe, quick hash, register, full sha256) and
// converting one to a short-GOP H.264 copy in <data>/videos that is then imported. Each job reports
// videos.jobProgress (at most every 100 ms within a phase), can be cancelled, and starts the video's scrub proxy
// when it is done. What the jobs need from the service comes in as VideoJobsDeps. Nothing here imports electron.
import type { Database } from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EventName, EventPayload } from '../../api/contract';
import { WorkstationError } from '../../api/errors';
import type { Video, VideoJobProgress } from '../../api/schemas-video';
import { ConversionCancelled, convertToH264, mediaSummary, INSTALL_FFMPEG_HINT, type FfmpegTools } from './ffmpeg-tools';
import { HashCancelled, quickHash, sha256WithProgress } from './hashing';
import { ProbeCancelled, probeVideo, type ProbeOptions, type ProbeResult } from './probe';
import { cannotDecode, CODEC_LABEL } from './probe-verdicts';
import { partLayout, type ProbedPart } from './join-parts';
import type { VideosRepo } from './videos-repo';

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

type Phase = VideoJobProgress['phase'];

export interface Job {
  id: string;
  kind: VideoJobProgress['kind'];
  controller: AbortController;
  /** The registration this job created, once it exists (removed again when the job is cancelled). */
  videoId: number | null;
  done: Promise<void>;
}

export interface VideoJobsDeps {
  db: Database;
  videos: VideosRepo;
  /** Where converted and joined copies are written (<data>/videos). */
  videosDir: string;
  emit: Emit;
  /** Make a scrub proxy after each import (default true). */
  autoProxy?: boolean;
  /** Starts the scrub proxy of a video just imported. */
  startProxy(videoId: number): void;
  /** The ffmpeg to convert with, or null for none. */
  ffmpegTools(): FfmpegTools | null;
  probeOptions(signal?: AbortSignal, onProgress?: (f: number | null) => void): ProbeOptions;
  /** Removes a registration (and what only it used): an import cancelled while hashing. */
  unregister(id: number): void;
}

const isCancel = (err: unknown) => err instanceof ProbeCancelled || err instanceof HashCancelled || err instanceof ConversionCancelled;
const PROGRESS_INTERVAL_MS = 100;

export function createVideoJobs(d: VideoJobsDeps) {
  const jobs = new Map<string, Job>();

  function reporter(job: Job) {
    let lastPhase: Phase | null = null;
    let lastAt = 0;
    return (phase: Phase, progress: number | null, message: string | null = null, video: Video | null = null) => {
      const now = Date.now();
      const final = phase === 'done' || phase === 'failed' || phase === 'cancelled';
      if (!final && phase === lastPhase && progress !== 1 && now - lastAt < PROGRESS_INTERVAL_MS) return;
      lastPhase = phase;
      lastAt = now;
      d.emit('videos.jobProgress', { jobId: job.id, kind: job.kind, phase, progress, message, video });
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
        if (d.autoProxy !== false) d.startProxy(video.id);
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
    const videos = d.videos;
    const signal = job.controller.signal;
    report('probing', null);
    const probed: ProbeResult = await probeVideo(file, d.probeOptions(signal, (f) => report('probing', f)));
    const p = probed.probe;
    const plays = p.playback !== null && (playsHere ?? p.playable);
    if (!plays || !probed.timeline || !probed.mime) {
      const why = p.playable ? cannotDecode(p.codec, p.codec ? (CODEC_LABEL[p.codec] ?? p.codec) : null, p.container, d.ffmpegTools() !== null) : p.problem;
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
        if (!videos.hasReviews(video.id)) d.unregister(video.id);
      }
      throw err;
    }
    return videos.get(video.id);
  }

  function outputName(original: string): string {
    const stem = path.basename(original, path.extname(original)).replace(/[^\w.-]+/g, '_').slice(0, 100) || 'video';
    for (let n = 1; ; n++) {
      const candidate = path.join(d.videosDir, `${stem}-h264${n === 1 ? '' : `-${n}`}.mp4`);
      if (!fs.existsSync(candidate)) return candidate;
    }
  }

  async function convertFile(job: Job, report: Report, caseId: number, file: string): Promise<Video> {
    const videosDir = d.videosDir;
    const signal = job.controller.signal;
    const tools = d.ffmpegTools();
    if (!tools) throw new WorkstationError('unavailable', `No ffmpeg was found on this computer, so the video cannot be converted here. ${INSTALL_FFMPEG_HINT}`);
    report('probing', null);
    const { probe: p } = await probeVideo(file, d.probeOptions(signal, (f) => report('probing', f)));
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
      if (!d.db.prepare('SELECT 1 FROM videos WHERE path = ? LIMIT 1').get(finalPath)) fs.rmSync(finalPath, { force: true });
      throw err;
    }
  }

  return {
    /** The running jobs by id (a job leaves when it ends). */
    jobs,
    startJob,
    importFile,
    convertFile,
  };
}
export type VideoJobs = ReturnType<typeof createVideoJobs>;
