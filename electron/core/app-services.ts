// The service object behind the contract. Electron main registers it over IPC; the browser host serves it over
// HTTP/SSE. Nothing here imports electron.
import type { Database } from 'better-sqlite3';
import path from 'node:path';
import type { EventName, EventPayload } from '../api/contract';
import type { Handlers } from '../api/dispatch';
import { WorkstationError } from '../api/errors';
import type { InferenceClient } from '../inference/inference-client';
import type { SpawnWorker } from '../inference/worker-handle';
import { DEFAULT_EMBEDDING_CACHE_BYTES } from '../inference/embedding-cache';
import { probeImage } from '../inference/image/decode';
import { createAnalysisService } from './analysis/analysis-service';
import { createWorkAhead, type WorkAhead } from './analysis/work-ahead';
import { departmentLoadRequest } from './analysis/department-engine';
import { createAssessmentServices } from './assessment/assessment-services';
import { createCasesStore } from './cases/cases-store';
import { workstationKysely } from './db/workstation-db';
import { createDepartmentLink, type DepartmentLinkService } from './department-link/department-link';
import { explainDepartmentError } from './department-link/explain';
import { publisherOver } from './department-link/publisher';
import { createRememberedLink } from './department-link/remembered';
import { openDepartmentSession } from './department-link/session';
import { createClipService, type ClipService } from './clips/clip-service';
import { openDatabase } from './db/connection';
import { findFfmpeg, type FfmpegTools } from './ffmpeg/ffmpeg-binary';
import { createFrameStore } from './frames/frame-store';
import { createFramesRepo } from './frames/frames-repo';
import { logsDir, silentLog, type AppLog } from './logging/app-log';
import { secretsKnownToLog } from './logging/log-secrets';
import { normalRecoveryHandlers } from './library/recovery-handlers';
import { createModelsService, type ModelsServiceOptions } from './models/models-service';
import type { SecretStore } from './secrets/secret-store';
import { createChromiumRenderer } from './reports/chromium-printer';
import type { ReportRenderer } from './reports/printer';
import { printCopyKey, writePrintCopy } from './reports/print-copies';
import { createReportService, type ReviewSource } from './reports/report-service';
import { createReviewSource } from './reports/review-source';
import { createReviewServices } from './reviews/review-services';
import { createSettingsRepo } from './settings/settings-repo';
import { createTeachingServices } from './teaching/teaching-services';
import { createTimelineService } from './timeline/timeline-service';
import { createVideosRepo } from './videos/videos-repo';
import { createVideoService } from './videos/video-service';

export type EmitEvent = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

export interface AppServicesOptions {
  dataDir: string;
  transport: 'electron' | 'browser-host';
  appVersion: string;
  spawnWorker: SpawnWorker;
  emit: EmitEvent;
  /** Where secrets live: Electron safeStorage in the app, a 0600 file under the browser host. */
  secrets: SecretStore;
  /** Test seams of the model manager (a catalog pointing at a loopback server, fast retries). */
  models?: ModelsServiceOptions;
  /** The library file, when not <dataDir>/library.sqlite (recovery: open another file). */
  libraryPath?: string;
  /** The caller has just run the integrity check (off the main thread): skip the quick check at open. */
  libraryChecked?: boolean;
  /** Makes the report printer: Electron's printToPDF in the app; by default playwright-core + system Chromium. */
  reportRenderer?: () => ReportRenderer;
  /** Continue phase-timeline jobs that were running when the library was last open (default true; CLIs say false). */
  resumeTimelines?: boolean;
  /** The app log (crashes of the model process, the loaded device); default: none. */
  log?: AppLog;
  /** The cap on stored image embeddings (<dataDir>/cache/image-embeddings), bytes; default 1 GiB, 0: none kept. */
  embeddingCacheBytes?: number;
  /** Work ahead: how long the model must be idle before captured frames are encoded (default 30 s); null: never. */
  workAheadIdleMs?: number | null;
}

export interface AppServices {
  handlers: Handlers;
  db: Database;
  /** A review's rows as reports read them (the export CLI and benchmarks make their own report service over it). */
  reviewSource: ReviewSource;
  /** Teaching clips (the export CLI and tests write one without a job). */
  clips: ClipService;
  /** The inference process manager (status, pid for fault tests). */
  inference: InferenceClient;
  /** Encoding captured frames while the model is idle (tests wait on it). */
  workAhead: WorkAhead;
  /** A stored frame image the library knows, for media:// and the host's /media/; null for anything else. */
  resolveFrame(sha256: string): { file: string; mime: string } | null;
  /** A registered video whose file is in place, for media://videos/<id> and the host's /media/videos/<id>; null otherwise. Its scrub proxy: /proxy after the id. */
  resolveVideo(id: number, variant?: 'proxy'): { file: string; mime: string } | null;
  close(): Promise<void>;
}

export function libraryFile(dataDir: string): string {
  return path.join(dataDir, 'library.sqlite');
}

export function createAppServices(o: AppServicesOptions): AppServices {
  const file = o.libraryPath ?? libraryFile(o.dataDir);
  const db = openDatabase(file, { backupDir: path.join(o.dataDir, 'backups'), check: o.libraryChecked ? 'none' : 'quick' });
  const cases = createCasesStore(workstationKysely(db));
  const settings = createSettingsRepo(db);
  const store = createFrameStore(o.dataDir);
  const frames = createFramesRepo(db, store);
  const log = o.log ?? silentLog;
  const secrets = secretsKnownToLog(o.secrets, log);
  const embeddingCache = { dir: path.join(o.dataDir, 'cache', 'image-embeddings'), maxBytes: o.embeddingCacheBytes ?? DEFAULT_EMBEDDING_CACHE_BYTES };
  // Work ahead hears what may let it start: the model's state, analyses and timeline jobs ending (see below for captures).
  let workAhead: WorkAhead | null = null;
  const emit: EmitEvent = (name, payload) => {
    o.emit(name, payload);
    if (name === 'inference.status' || name === 'analysis.status' || name === 'timeline.progress') workAhead?.poke();
    // A new or ended department session: an engine loaded with the old session's token lets go of it.
    if (name === 'department.link') void analysis.departmentSessionChanged();
  };
  // The department link is made below (it publishes through the frame store); the engine asks it when it loads.
  let department: DepartmentLinkService | null = null;
  const departmentEngine = async () => {
    if (!department) throw new WorkstationError('unavailable', 'Connect to a department library first (Settings → Department library).');
    return departmentLoadRequest(department.engineAccess());
  };
  const analysis = createAnalysisService({ db, frames, store, settings, spawnWorker: o.spawnWorker, emit, secrets, log, embeddingCache, departmentEngine });
  const models = createModelsService({
    db,
    dataDir: o.dataDir,
    settings,
    secrets,
    emit: o.emit,
    client: analysis.client,
    engine: analysis,
    ...(o.models ? { options: o.models } : {}),
  });

  const printCopies = path.join(o.dataDir, 'cache', 'report-images');
  const videos = createVideoService({
    db,
    dataDir: o.dataDir,
    frames,
    store,
    settings,
    cases,
    emit: o.emit,
    keepPrintCopy: (sha, size, jpeg) => writePrintCopy(printCopies, printCopyKey(sha, size), jpeg),
  });
  const reviews = createReviewServices({
    db,
    actor: () => settings.get().reviewerName || 'Reviewer',
    identity: () => ({ name: settings.get().reviewerName, role: settings.get().reviewerRole }),
    activeAnalysisFrames: () => analysis.activeFrames(),
    emit: o.emit,
  });
  const assessment = createAssessmentServices({
    db,
    identity: () => ({ name: settings.get().reviewerName, role: settings.get().reviewerRole }),
    emit: o.emit,
  });
  const teaching = createTeachingServices({
    db,
    identity: () => ({ name: settings.get().reviewerName, role: settings.get().reviewerRole }),
    emit: o.emit,
  });
  const departmentLink = createDepartmentLink({
    openSession: openDepartmentSession,
    publish: publisherOver(db, store),
    remembered: createRememberedLink(db),
    emit,
    explain: explainDepartmentError,
  });
  department = departmentLink;
  const timeline = createTimelineService({ db, frames, store, analysis, captureFrame: videos.captureFrame, emit, resumeOnStart: o.resumeTimelines !== false });
  workAhead = createWorkAhead({
    client: analysis.client,
    recentCaptures: (limit, reviewId) => frames.recentCaptures(limit, reviewId),
    readFrame: (frameId) => {
      const f = frames.get(frameId);
      return new Uint8Array(store.read(f.sha256, f.mime, f.bytes));
    },
    enabled: () => settings.get().workAhead,
    busy: () => analysis.activeFrames().length > 0 || timeline.running(),
    expectedEncodeMs: async () => (await analysis.expected())?.encodeMs ?? null,
    ...(o.workAheadIdleMs !== undefined ? { idleDelayMs: o.workAheadIdleMs } : {}),
    log,
  });
  const ahead = workAhead;
  const reviewSource = createReviewSource({ db, cases, frames, reviews, timeline, assessments: assessment.assessments, teaching: teaching.teaching });
  const reports = createReportService({
    source: reviewSource,
    readFrame: (f) => store.read(f.sha256, f.mime, f.bytes),
    renderer: o.reportRenderer ?? (() => createChromiumRenderer()),
    emit: o.emit,
    appName: 'Cataract Review Workstation',
    appVersion: o.appVersion,
    cacheDir: printCopies,
  });

  // Teaching clips read the review as its report does (the default, de-identified fields).
  let clipFfmpeg: FfmpegTools | null | undefined;
  const clipVideos = createVideosRepo(db);
  const clips = createClipService({
    source: reviewSource,
    prepare: (reviewId) => reports.prepare(reviewId, undefined),
    timeline: (videoId) => clipVideos.timeline(videoId),
    ffmpeg: () => (clipFfmpeg === undefined ? (clipFfmpeg = findFfmpeg()) : clipFfmpeg),
    emit: o.emit,
  });

  const handlers: Handlers = {
    'app.info': () => ({
      name: 'Cataract Review Workstation',
      version: o.appVersion,
      transport: o.transport,
      platform: `${process.platform}-${process.arch}`,
      dataDir: o.dataDir,
    }),
    'app.choosePath': () => {
      throw new WorkstationError('unavailable', 'There is no file dialog in the browser. Type or paste the full path into the field.');
    },
    // The desktop app opens the folder (electron/main answers this channel itself); here the page shows where it is.
    'app.openLogFolder': () => ({ opened: false, folder: log.dir ?? logsDir(o.dataDir) }),
    'cases.list': ({ search }) => cases.list(search),
    'cases.get': ({ id }) => cases.get(id),
    'cases.create': (input) => cases.create(input),
    'cases.update': ({ id, patch }) => cases.update(id, patch),
    'cases.delete': async ({ id }) => {
      await cases.delete(id);
      return { ok: true as const };
    },
    'settings.get': () => settings.get(),
    'settings.update': (patch) => {
      const next = settings.update(patch);
      if (patch.workAhead !== undefined) ahead.poke();
      return next;
    },
    'frames.addImage': async ({ caseId, fileName, data }) => {
      await cases.get(caseId);
      let probe;
      try {
        probe = probeImage(data);
      } catch (err) {
        throw new WorkstationError('unsupported-input', (err as Error).message);
      }
      const mime = probe.format === 'png' ? 'image/png' : 'image/jpeg';
      return frames.add({ caseId, sourceName: path.basename(fileName), data, mime, width: probe.width, height: probe.height });
    },
    'frames.list': ({ caseId, samples }) => frames.list(caseId, samples),
    'frames.delete': ({ id }) => {
      frames.delete(id);
      return { ok: true as const };
    },
    ...analysis.handlers,
    ...models.handlers,
    ...videos.handlers,
    ...reviews.handlers,
    ...reports.handlers,
    ...clips.handlers,
    ...timeline.handlers,
    ...assessment.handlers,
    ...teaching.handlers,
    ...departmentLink.handlers,
    ...normalRecoveryHandlers({ file, dataDir: o.dataDir }),
  };
  // The review the reviewer has open goes first; a new capture may be encoded ahead.
  const videoHandlers = videos.handlers;
  handlers['reviews.open'] = (input) => withOpenReview(videoHandlers['reviews.open'](input), (r) => r.id);
  handlers['reviews.update'] = (input) => withOpenReview(videoHandlers['reviews.update'](input), (r) => r.id);
  handlers['frames.capture'] = async (input) => {
    const frame = await videoHandlers['frames.capture'](input);
    if (frame.reviewId !== null) ahead.openReview(frame.reviewId);
    ahead.poke();
    return frame;
  };
  function withOpenReview<T>(result: T, reviewOf: (r: Awaited<T>) => number): T {
    void Promise.resolve(result).then((r) => ahead.openReview(reviewOf(r)), () => undefined);
    return result;
  }

  return {
    handlers,
    db,
    reviewSource,
    clips,
    inference: analysis.client,
    workAhead: ahead,
    resolveFrame(sha256) {
      if (!/^[0-9a-f]{64}$/.test(sha256)) return null;
      const known = frames.findBySha(sha256);
      if (!known) return null;
      return { file: path.join(store.root, store.relativePath(known.sha256, known.mime)), mime: known.mime };
    },
    resolveVideo: (id, variant) => videos.resolveVideo(id, variant),
    async close() {
      departmentLink.close();
      ahead.close();
      await clips.close();
      await reports.close();
      await timeline.close();
      await videos.close();
      await models.close();
      await analysis.close();
      db.close();
    },
  };
}
