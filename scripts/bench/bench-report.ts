// `npm run bench:report -- [--frames N] [--width W --height H] [--runs N] [--data DIR] [--json]`
// A review with N captured frames (default 50, 1920 × 1080, textured like real surgical video so the PNGs are
// realistically large), each with a box, a tag, a note and a stored analysis (Thinking Process + Final Answer),
// built through the real services the way the app captures: each frame arrives with its print copy (the JPEG the
// renderer makes from the same pixels; here Chromium's, the same encoder); then the report to HTML and to PDF
// (playwright-core + the system Chromium). Prints the times; --json prints one JSON object as the last line:
// { frames, pdf_ms, html_ms, pdf_bytes, ... }.
//   pdf_ms, html_ms   median of runs of a first export after capturing (a fresh report service each run: nothing
//                     in memory; the print copies the captures left in the data folder's cache)
//   *_uncached_ms     the same with no print copies (frames from an older library, or the timeline's samples):
//                     every frame PNG is decoded, shrunk and JPEG-encoded by the export
//   pdf_cold_ms       the very first PDF of the process: starts Chromium
// --data DIR keeps the built review in DIR and reuses it next time (building 50 large frames takes a while).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { PRINT_JPEG_QUALITY, printSize } from '../../electron/api/print-size';
import { createAnalysesStore } from '../../electron/core/analysis/analyses-store';
import { workstationKysely } from '../../electron/core/db/workstation-db';
import { createChromiumRenderer } from '../../electron/core/reports/chromium-printer';
import type { ReportRenderer } from '../../electron/core/reports/printer';
import { createReportService } from '../../electron/core/reports/report-service';
import { storedAnalysis } from '../../tests/fixtures/report-review';
import { startTestServices, type TestServices } from '../../tests/fixtures/services';
import { makeTestVideo } from '../../tests/fixtures/videos';
import { jsonAwareLog, printJsonLine, runBench } from './cli';
import { median } from './stats';

/** A frame that compresses like surgical video: smooth shading, a lit disc, and seeded low-level noise. */
function texturedPng(width: number, height: number, seed: number): Uint8Array {
  const png = new PNG({ width, height });
  let state = (seed * 2654435761) >>> 0;
  const rand = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state >>> 24;
  };
  const cx = width / 2;
  const cy = height / 2;
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const r = Math.hypot(x - cx, y - cy) / Math.hypot(cx, cy);
      const noise = (rand() & 7) - 4;
      const disc = r < 0.3 ? 40 : 0;
      png.data[i] = clamp(190 - r * 150 + disc + noise);
      png.data[i + 1] = clamp(80 - r * 55 + disc / 2 + noise);
      png.data[i + 2] = clamp(60 - r * 45 + (noise >> 1));
      png.data[i + 3] = 255;
    }
  }
  return new Uint8Array(PNG.sync.write(png, { deflateLevel: 6 }));
}

async function buildReview(s: TestServices, printer: ReportRenderer, code: string, frames: number, width: number, height: number): Promise<number> {
  const kase = await s.call('cases.create', { code, surgeryDate: '2026-01-31', eye: 'OS', surgeon: 'Bench Surgeon', notes: '' });
  const video = await makeTestVideo({ durationSeconds: Math.max(4, Math.ceil(frames / 5)), width, height, text: false });
  const { jobId } = await s.call('videos.import', { caseId: kase.id, path: video.file });
  const done = await s.waitFor('videos.jobProgress', (p) => p.jobId === jobId && ['done', 'failed', 'cancelled'].includes(p.phase), 300_000);
  if (!done.video) throw new Error(`video import failed: ${done.message}`);
  const v = done.video;
  const review = await s.call('reviews.open', { caseId: kase.id, videoId: v.id });
  const timeline = await s.call('videos.timeline', { id: v.id });
  const repo = createAnalysesStore(workstationKysely(s.services.db));
  for (let i = 0; i < frames; i++) {
    const frameIndex = Math.min(v.frameCount - 1, Math.round((i / frames) * v.frameCount));
    const data = texturedPng(width, height, i + 1);
    const size = printSize(width, height, data.byteLength);
    const printJpeg = size ? (await printer.shrink([{ data, mime: 'image/png', ...size }], PRINT_JPEG_QUALITY))[0] : undefined;
    const f = await s.call('frames.capture', { reviewId: review.id, frameIndex, mediaTime: timeline.pts[frameIndex]!, data, ...(printJpeg ? { printJpeg } : {}) });
    await repo.insert(storedAnalysis(f.id, i + 1));
    await s.call('annotations.create', { frameId: f.id, kind: 'box', label: 'capsulorhexis-forceps', geometry: { x: 0.3, y: 0.3, w: 0.2, h: 0.15 } });
    await s.call('tags.add', { reviewId: review.id, frameId: f.id, kind: 'phase', value: 'capsulorhexis' });
    await s.call('notes.create', { reviewId: review.id, frameId: f.id, text: `Note ${i + 1}.` });
  }
  return review.id;
}

async function main() {
  const { values: v } = parseArgs({
    options: {
      frames: { type: 'string', default: '50' },
      width: { type: 'string', default: '1920' },
      height: { type: 'string', default: '1080' },
      runs: { type: 'string', default: '3' },
      data: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const frames = Number(v.frames);
  const width = Number(v.width);
  const height = Number(v.height);
  const runs = Math.max(1, Number(v.runs));
  const log = jsonAwareLog(v.json);

  const keep = v.data !== undefined;
  const dataDir = keep ? path.resolve(v.data!) : fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
  fs.mkdirSync(dataDir, { recursive: true });
  const s = startTestServices(dataDir);
  const renderer = createChromiumRenderer();
  // Each run gets its own service; they share the one Chromium (closed at the end, not by a service).
  const shared: ReportRenderer = { ...renderer, close: async () => {} };
  // Where the app keeps print copies (the captures put theirs there).
  const cacheDir = path.join(dataDir, 'cache', 'report-images');
  const service = (withCache: boolean) =>
    createReportService({
      source: s.services.reviewSource,
      readFrame: (f) => fs.readFileSync(s.services.resolveFrame(f.sha256)!.file),
      renderer: () => shared,
      emit: () => {},
      appName: 'Cataract Review Workstation',
      appVersion: 'bench',
      ...(withCache ? { cacheDir } : {}),
    });
  try {
    const code = `BENCH-${frames}-${width}x${height}-PC`;
    const existing = (await s.call('cases.list', {})).find((c) => c.code === code);
    let reviewId = existing ? (await s.call('reviews.list', { caseId: existing.id }))[0]?.id : undefined;
    if (!reviewId) {
      log(`Building a ${frames}-frame review (${width} × ${height}) through the services…`);
      const t = Date.now();
      reviewId = await buildReview(s, renderer, code, frames, width, height);
      log(`  built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    const id = reviewId;
    const pngBytes = (await s.call('frames.listForReview', { reviewId: id })).reduce((n, f) => n + f.bytes, 0);
    log(`Review ${id}: ${frames} frames, ${(pngBytes / 1024 / 1024).toFixed(1)} MiB of stored PNG`);

    const timeOne = async (format: 'pdf' | 'html', withCache: boolean) => {
      const reports = service(withCache);
      const t = performance.now();
      const report = await reports.prepare(id, {});
      const files = await reports.renderFiles(report, [format], 'bench', () => {});
      return { ms: performance.now() - t, bytes: Buffer.byteLength(files[0]!.data) };
    };

    const cold = await timeOne('pdf', true); // starts Chromium
    const pdfUncached: number[] = [];
    const htmlUncached: number[] = [];
    for (let r = 0; r < runs; r++) pdfUncached.push((await timeOne('pdf', false)).ms);
    for (let r = 0; r < runs; r++) htmlUncached.push((await timeOne('html', false)).ms);
    const pdf: number[] = [];
    const html: number[] = [];
    let pdfBytes = 0;
    let htmlBytes = 0;
    for (let r = 0; r < runs; r++) {
      const p = await timeOne('pdf', true);
      pdf.push(p.ms);
      pdfBytes = p.bytes;
      const h = await timeOne('html', true);
      html.push(h.ms);
      htmlBytes = h.bytes;
    }
    const result = {
      frames,
      pdf_ms: Math.round(median(pdf)),
      html_ms: Math.round(median(html)),
      pdf_bytes: pdfBytes,
      html_bytes: htmlBytes,
      pdf_uncached_ms: Math.round(median(pdfUncached)),
      html_uncached_ms: Math.round(median(htmlUncached)),
      pdf_cold_ms: Math.round(cold.ms),
      width,
      height,
      frame_png_bytes: pngBytes,
      runs,
      cpus: os.cpus().length,
    };
    log(`PDF:  ${result.pdf_ms} ms (first export after capture), ${result.pdf_uncached_ms} ms with no print copies, ${result.pdf_cold_ms} ms first in the process (Chromium start); ${(pdfBytes / 1024 / 1024).toFixed(1)} MiB`);
    log(`HTML: ${result.html_ms} ms (first export after capture), ${result.html_uncached_ms} ms with no print copies; ${(htmlBytes / 1024 / 1024).toFixed(1)} MiB`);
    log(`Target PDF < 3000 ms: ${result.pdf_ms < 3000 ? 'met' : 'NOT met'} (after capture); ${result.pdf_uncached_ms < 3000 ? 'met' : 'not met'} with no print copies`);
    printJsonLine(v.json, result);
  } finally {
    await renderer.close();
    await s.close();
    if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

runBench(main, (err) => err);
