// Review reports: reads a review through the ReviewSource it is given (wired in app-services.ts), builds the de-identified report document,
// renders the chosen formats (HTML, PDF through the injected Chromium printer, JSON, CSV, COCO) and writes them
// all or nothing. Exports run as jobs with progress events and cancel; the preview is the first page as PNG.
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { WorkstationError } from '../../api/errors';
import type { Analysis, AnalysisTurn, Case, Frame } from '../../api/schemas';
import type { Annotation, AuditEntry, Note, Segment, Tag, Taxonomy } from '../../api/schemas-review';
import type { TimelineView } from '../../api/schemas-timeline';
import type { Review, Video } from '../../api/schemas-video';
import {
  DEFAULT_REPORT_FIELDS,
  ReportFields,
  type ReportFormat,
  type ReportOptions,
  type ReportPreview,
  type ReportProgress,
  type ReviewReportV1,
} from '../../api/schemas-reports';
import { FrameFileError } from '../frames/frame-store';
import { describeWriteError, writeAtomically, type OutputFile, type WriterFs } from './atomic-writer';
import { PAPER_PIXELS, type ReportRenderer } from './printer';
import { createRenditions, type RenditionOptions } from './renditions';
import { cocoFiles } from './report-coco';
import { analysesCsv, annotationsCsv, timelineCsv } from './report-csv';
import { assessmentCsv } from './report-assessment';
import { teachingCsv, type TeachingData } from './report-teaching';
import type { ReviewAssessments } from '../../api/schemas-assessment';
import { buildReportDocument, printedFrames, type ReviewData } from './report-document';
import { renderReportHtml, type FrameImages } from './report-html';

/** What a report reads of a review: the stored rows, each method as the matching contract call answers it. */
export interface ReviewSource {
  /** Throws not-found for an unknown review. */
  review(id: number): Review | Promise<Review>;
  case(id: number): Case | Promise<Case>;
  /** Throws not-found when the video was removed (the report then has no video section). */
  video(id: number): Video;
  /** The review's captured frames, by frame index. */
  frames(reviewId: number): Frame[];
  /** A frame's analyses, newest first. */
  analyses(frameId: number): Analysis[] | Promise<Analysis[]>;
  /** An analysis's follow-up questions and answers, in order. */
  turns(analysisId: number): AnalysisTurn[] | Promise<AnalysisTurn[]>;
  annotations(reviewId: number): Annotation[] | Promise<Annotation[]>;
  tags(reviewId: number): Tag[] | Promise<Tag[]>;
  segments(reviewId: number): Segment[] | Promise<Segment[]>;
  notes(reviewId: number): Note[] | Promise<Note[]>;
  /** Newest first, `limit` at most, before `beforeId` when given. */
  audit(q: { reviewId: number; limit: number; beforeId?: number }): AuditEntry[] | Promise<AuditEntry[]>;
  taxonomy(): Taxonomy;
  /** The phase timeline's job and samples. */
  timeline(reviewId: number): TimelineView | Promise<TimelineView>;
  /** The review's skill assessments with their templates (optional: sources without them report none). */
  assessments?(reviewId: number): ReviewAssessments | null | Promise<ReviewAssessments | null>;
  /** Teaching mode and every resident response (optional: sources without them report none). */
  teaching?(reviewId: number): TeachingData | null | Promise<TeachingData | null>;
}

export interface ReportServiceDeps {
  /** Where the review's rows come from. */
  source: ReviewSource;
  /** The stored bytes of a frame. */
  readFrame: (frame: Frame) => Uint8Array | Promise<Uint8Array>;
  /** Makes the Chromium printer (called once, on first use; closed with the service). */
  renderer: () => ReportRenderer;
  emit: (name: 'reports.progress', payload: ReportProgress) => void;
  appName: string;
  appVersion: string;
  /** Where print renditions of large frames are kept between exports (<data>/cache/report-images). */
  cacheDir?: string;
  /** Test seam: the file operations of the writer (a fake that fails with ENOSPC). */
  fs?: WriterFs;
  now?: () => Date;
}

export interface ExportRequest {
  reviewId: number;
  folder: string;
  formats: ReportFormat[];
  options?: ReportOptions | undefined;
}

/** The review's report in memory: the document, the frame images (read when first needed), and the options. */
export interface PreparedReport {
  doc: ReviewReportV1;
  /** The stored bytes of a frame image, by sha256 (read once, on first use). */
  image(sha256: string): Promise<{ data: Uint8Array; mime: string }>;
  taxonomy: Taxonomy | null;
  paperSize: 'A4' | 'Letter';
}

const FORMAT_ORDER: ReportFormat[] = ['html', 'pdf', 'json', 'csv', 'coco'];

export function resolveFields(options: ReportOptions | undefined): ReportFields {
  return ReportFields.parse({ ...DEFAULT_REPORT_FIELDS, ...(options?.fields ?? {}) });
}

/** The file name stem of a review's report: the de-identified case code and the review id. */
export function reportBaseName(doc: Pick<ReviewReportV1, 'case' | 'review'>): string {
  return `${doc.case.code.replace(/[^A-Za-z0-9._-]/g, '_')}-review-${doc.review.id}`;
}

/** The top-level names each format writes for a base name (COCO is a folder). */
export function formatOutputs(base: string, format: ReportFormat): string[] {
  switch (format) {
    case 'pdf':
      return [`${base}.pdf`];
    case 'html':
      return [`${base}.html`];
    case 'json':
      return [`${base}.json`];
    case 'csv':
      // …and `${base}-assessment.csv` when the review has an assessment, `${base}-teaching.csv` when a resident answered in teaching mode.
      return [`${base}-annotations.csv`, `${base}-analyses.csv`, `${base}-timeline.csv`, `${base}-assessment.csv`, `${base}-teaching.csv`];
    case 'coco':
      return [`${base}-coco`];
  }
}

export function createReportService(deps: ReportServiceDeps) {
  const jobs = new Map<string, { controller: AbortController; done: Promise<void> }>();
  const now = deps.now ?? (() => new Date());
  let rendererInstance: ReportRenderer | null = null;
  const renderer = () => (rendererInstance ??= deps.renderer());
  const renditions = createRenditions({ shrink: (jobs, quality) => renderer().shrink(jobs, quality), cacheDir: deps.cacheDir });
  let warming: { controller: AbortController; done: Promise<void> } | null = null;

  /** The images as the HTML/PDF embeds them: small frames as stored, large ones as JPEG renditions. */
  function printImages(report: PreparedReport, options: RenditionOptions = {}): Promise<FrameImages> {
    return renditions.get(
      printedFrames(report.doc).map((f) => ({ sha256: f.sha256, width: f.width, height: f.height, bytes: f.bytes, mime: f.mime, load: async () => (await report.image(f.sha256)).data })),
      options,
    );
  }

  async function call<T>(fn: () => T | Promise<T>): Promise<T> {
    return await fn();
  }

  async function loadReviewData(reviewId: number): Promise<ReviewData> {
    const src = deps.source;
    const review = await call(() => src.review(reviewId));
    const kase = await call(() => src.case(review.caseId));
    const video = await call(() => src.video(review.videoId)).catch((err: unknown) => {
      if (err instanceof WorkstationError && err.code === 'not-found') return null;
      throw err;
    });
    const frames = await call(() => src.frames(reviewId));
    const analyses = new Map<number, Analysis[]>();
    const turns = new Map<number, AnalysisTurn[]>();
    for (const f of frames) {
      const list = await call(() => src.analyses(f.id));
      analyses.set(f.id, list);
      for (const a of list) if (a.status === 'completed') turns.set(a.id, await call(() => src.turns(a.id)));
    }
    const annotations = await call(() => src.annotations(reviewId));
    const tags = await call(() => src.tags(reviewId));
    const segments = await call(() => src.segments(reviewId));
    const notes = await call(() => src.notes(reviewId));
    const audit: AuditEntry[] = [];
    for (let beforeId: number | undefined; ; ) {
      const page = await call(() => src.audit({ reviewId, limit: 500, ...(beforeId !== undefined ? { beforeId } : {}) }));
      audit.push(...page);
      if (page.length < 500) break;
      beforeId = page[page.length - 1]!.id;
    }
    const taxonomy = await call(() => src.taxonomy()).catch(() => null);
    const timeline = await call(() => src.timeline(reviewId));
    const assessments = src.assessments ? await call(() => src.assessments!(reviewId)) : null;
    const teaching = src.teaching ? await call(() => src.teaching!(reviewId)) : null;
    return { case: kase, review, video, frames, analyses, turns, annotations, tags, segments, notes, audit, taxonomy, timeline, assessments, teaching };
  }

  async function prepare(reviewId: number, options: ReportOptions | undefined): Promise<PreparedReport> {
    const data = await loadReviewData(reviewId);
    const doc = buildReportDocument(data, resolveFields(options), { generatedAt: now().toISOString(), appName: deps.appName, appVersion: deps.appVersion });
    const loaded = new Map<string, Promise<{ data: Uint8Array; mime: string }>>();
    const image = (sha: string) => {
      let p = loaded.get(sha);
      if (!p) {
        const f = data.frames.find((x) => x.sha256 === sha);
        p = (async () => {
          if (!f) throw new WorkstationError('not-found', 'That image is not part of this review.');
          try {
            return { data: await deps.readFrame(f), mime: f.mime };
          } catch (err) {
            const what = `frame ${f.frameIndex ?? f.id}`;
            if (err instanceof FrameFileError) throw new WorkstationError(err.code, `The report cannot be made: ${err.message.replace('this frame', what)}`);
            throw new WorkstationError('not-found', `The stored image of ${what} is missing from the data folder; the report cannot be made.`);
          }
        })();
        loaded.set(sha, p);
      }
      return p;
    };
    return { doc, image, taxonomy: data.taxonomy, paperSize: options?.paperSize ?? 'A4' };
  }

  /** Every file of the chosen formats, named under `names` (a base name, or exact names for the CLI). */
  async function renderFiles(
    report: PreparedReport,
    formats: readonly ReportFormat[],
    base: string,
    step: (label: string, fraction?: number) => void,
    signal?: AbortSignal,
  ): Promise<OutputFile[]> {
    const { doc } = report;
    const files: OutputFile[] = [];
    const check = () => {
      if (signal?.aborted) throw new WorkstationError('cancelled', 'The export was cancelled. Nothing was written.');
    };
    let html: string | null = null;
    const page = async () => {
      if (html !== null) return html;
      const shown = await printImages(report, {
        signal,
        onProgress: (done, total) => {
          if (total > 0) step(`Preparing the frame images (${done} of ${total})`, done / total);
        },
      });
      html = renderReportHtml(doc, shown, { paperSize: report.paperSize });
      return html;
    };
    for (const format of FORMAT_ORDER.filter((f) => formats.includes(f))) {
      check();
      switch (format) {
        case 'html':
          step('Writing the HTML report');
          files.push({ path: `${base}.html`, data: await page() });
          break;
        case 'pdf':
          step('Printing the PDF');
          files.push({ path: `${base}.pdf`, data: await renderer().print(await page()) });
          break;
        case 'json':
          step('Writing the JSON report');
          files.push({ path: `${base}.json`, data: `${JSON.stringify(doc, null, 2)}\n` });
          break;
        case 'csv':
          step('Writing the CSV tables');
          files.push(
            { path: `${base}-annotations.csv`, data: annotationsCsv(doc) },
            { path: `${base}-analyses.csv`, data: analysesCsv(doc) },
            { path: `${base}-timeline.csv`, data: timelineCsv(doc) },
          );
          if (doc.assessments?.length) files.push({ path: `${base}-assessment.csv`, data: assessmentCsv(doc) });
          if (doc.teaching?.items.length) files.push({ path: `${base}-teaching.csv`, data: teachingCsv(doc) });
          break;
        case 'coco':
          step('Writing the COCO annotations');
          {
            const originals = new Map<string, { data: Uint8Array; mime: string }>();
            for (const f of doc.frames) {
              check();
              if (!originals.has(f.sha256)) originals.set(f.sha256, await report.image(f.sha256));
            }
            files.push(...cocoFiles(`${base}-coco`, doc, originals, report.taxonomy));
          }
          break;
      }
    }
    check();
    return files;
  }

  async function checkFolder(folder: string): Promise<void> {
    let info;
    try {
      info = await fsp.stat(folder);
    } catch (err) {
      throw describeWriteError(err, folder);
    }
    if (!info.isDirectory()) throw describeWriteError(Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }), folder);
  }

  /** The first free base name in the folder: CASE-review-7, then CASE-review-7-2, … */
  async function freeBaseName(folder: string, base: string, formats: readonly ReportFormat[]): Promise<string> {
    const taken = new Set(await fsp.readdir(folder).catch(() => [] as string[]));
    for (let i = 1; ; i++) {
      const candidate = i === 1 ? base : `${base}-${i}`;
      if (formats.flatMap((f) => formatOutputs(candidate, f)).every((name) => !taken.has(name))) return candidate;
    }
  }

  async function runExport(jobId: string, req: ExportRequest, signal: AbortSignal): Promise<void> {
    const formats = FORMAT_ORDER.filter((f) => req.formats.includes(f));
    // Progress: reading the review is the first of formats + 2 equal parts, saving the last.
    const total = formats.length + 2;
    let done = 1;
    const emit = (state: ReportProgress['state'], step: string, progress: number, message: string | null = null, files: string[] = []) => {
      if (state !== 'running') jobs.delete(jobId); // finished: cancel now answers false
      deps.emit('reports.progress', { jobId, reviewId: req.reviewId, state, step, progress: Math.min(1, Math.max(0, progress)), message, files });
    };
    try {
      emit('running', 'Reading the review', 0);
      const report = await prepare(req.reviewId, req.options);
      if (signal.aborted) throw new WorkstationError('cancelled', 'The export was cancelled. Nothing was written.');
      const base = await freeBaseName(req.folder, reportBaseName(report.doc), formats);
      const files = await renderFiles(
        report,
        formats,
        base,
        (label, fraction) => {
          if (fraction === undefined) emit('running', label, done++ / total);
          else emit('running', label, (done - 1 + fraction) / total);
        },
        signal,
      );
      emit('running', 'Saving the files', (total - 1) / total);
      const written = await writeAtomically(req.folder, files, {
        ...(deps.fs ? { fs: deps.fs } : {}),
        signal,
        onFile: (n, all) => emit('running', 'Saving the files', (total - 1 + n / all) / total),
      });
      emit('completed', 'Done', 1, null, written);
    } catch (err) {
      const e = err instanceof WorkstationError ? err : describeWriteError(err, req.folder);
      if (e.code === 'cancelled') emit('cancelled', 'Cancelled', 0, 'The export was cancelled. Nothing was written.');
      else emit('failed', 'Failed', 0, e.message);
    }
  }

  async function startExport(req: ExportRequest): Promise<{ jobId: string }> {
    const folder = path.resolve(req.folder);
    await checkFolder(folder);
    // The review must exist before a job is started (a clear error now, not an event later).
    await call(() => deps.source.review(req.reviewId));
    const jobId = `report-${crypto.randomUUID()}`;
    const controller = new AbortController();
    const done = runExport(jobId, { ...req, folder }, controller.signal).finally(() => jobs.delete(jobId));
    jobs.set(jobId, { controller, done });
    return { jobId };
  }

  async function preview(reviewId: number, options: ReportOptions | undefined): Promise<ReportPreview> {
    const report = await prepare(reviewId, options);
    const size = PAPER_PIXELS[report.paperSize];
    const html = renderReportHtml(report.doc, new Map(), { paperSize: report.paperSize, firstPageOnly: true });
    warm(report); // the first page shows no frame; their renditions start now, for the export that follows
    const png = await renderer().screenshot(html, size);
    return { png, width: size.width, height: size.height };
  }

  /** After a preview, makes the frames' print renditions in the background so the export that follows is quick. */
  function warm(report: PreparedReport): void {
    warming?.controller.abort();
    const controller = new AbortController();
    const done = printImages(report, { signal: controller.signal }).then(
      () => undefined,
      () => undefined, // an export makes (and reports) whatever is still missing
    );
    const entry = { controller, done };
    warming = entry;
    void done.finally(() => {
      if (warming === entry) warming = null;
    });
  }

  return {
    prepare,
    printImages,
    renderFiles,
    preview,
    startExport,
    /** Waits for a job (tests, the CLI). */
    async waitFor(jobId: string): Promise<void> {
      await jobs.get(jobId)?.done;
    },
    handlers: {
      'reports.preview': ({ reviewId, options }: { reviewId: number; options?: ReportOptions | undefined }) => preview(reviewId, options),
      'reports.export': (req: ExportRequest) => startExport(req),
      'reports.cancel': ({ jobId }: { jobId: string }) => {
        const job = jobs.get(jobId);
        if (!job) return { cancelled: false };
        job.controller.abort();
        return { cancelled: true };
      },
    },
    /** Waits for the background rendition warm-up started by a preview (tests, benchmarks). */
    async warmed(): Promise<void> {
      await warming?.done;
    },
    async close(): Promise<void> {
      for (const job of jobs.values()) job.controller.abort();
      warming?.controller.abort();
      await Promise.all([...jobs.values()].map((j) => j.done.catch(() => {})));
      await warming?.done;
      const r = rendererInstance;
      rendererInstance = null;
      await r?.close();
    },
  };
}
export type ReportService = ReturnType<typeof createReportService>;
