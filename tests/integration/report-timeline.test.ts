// Reports of a review whose video was analysed as a whole (the phase timeline): the model's phases appear as a strip
// in the timeline figure of the HTML/PDF, in the JSON (phaseTimeline, timelineSample) and as timeline.csv; the
// sampled frames get a page of their own only when the reviewer marked them, or when asked for.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/api/contract';
import { AI_DISCLAIMER, ReviewReportV1, type ReportOptions } from '../../electron/api/schemas-reports';
import { formatTimecode } from '../../electron/core/reports/timecode';
import { csvObjects, pdfPages, pdfText } from '../fixtures/report-readers';
import { squareFramePng } from '../fixtures/report-review';
import { startTestServices, type TestServices } from '../fixtures/services';
import { ensureTestModel } from '../fixtures/test-model';
import { openTimelineReview, type TimelineReview } from '../fixtures/timeline';
import { runVideoJob } from '../fixtures/video-jobs';

type Progress = EventPayload<'reports.progress'>;
// Every 10 s over the 60 s video: samples at 0, 10, …, 50 s (frames 0, 300, …, 1500 at 30 fps).
const PHASES = ['incision', 'incision', 'capsulorhexis', 'capsulorhexis', null, 'phacoemulsification'] as const;
const LABELS = ['Incision', 'Incision', 'Capsulorhexis', 'Capsulorhexis', 'No phase named', 'Phacoemulsification'];

describe('reports with a phase timeline', () => {
  let s: TestServices;
  let r: TimelineReview;
  let tmp: string;
  let sampleFrameIds: number[];
  let sampleAnalysisIds: number[];
  let capturedId: number;

  async function exportTo(formats: ('pdf' | 'html' | 'json' | 'csv')[], options?: ReportOptions): Promise<Record<string, string>> {
    const folder = fs.mkdtempSync(path.join(tmp, 'out-'));
    const { jobId } = await s.call('reports.export', { reviewId: r.reviewId, folder, formats, ...(options ? { options } : {}) });
    const end: Progress = await s.waitFor('reports.progress', (p) => p.jobId === jobId && p.state !== 'running', 120_000);
    expect(end.state, end.message ?? '').toBe('completed');
    return Object.fromEntries(end.files.map((f) => [path.basename(f).replace(/^.*?-review-\d+/, ''), f]));
  }

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'report-timeline-'));
    const model = await ensureTestModel(224);
    s = startTestServices();
    r = await openTimelineReview((c, i) => s.call(c, i), async (jobId) => (await runVideoJob(s, Promise.resolve({ jobId }))).end, 'TL-RPT-1');
    await s.call('inference.load', { ...model, device: 'cpu', contextSize: 2048 });
    await s.call('timeline.start', { reviewId: r.reviewId, everySeconds: 10 });
    await s.waitFor('timeline.progress', (p) => p.reviewId === r.reviewId && p.state === 'done', 180_000);
    // The random tiny model names no phase. Give the stored samples the phases a real model's text would have given
    // (the rows as the timeline stores them), so the figure has blocks to draw.
    const set = s.services.db.prepare<[string | null, number | null, number, number]>('UPDATE timeline_samples SET phase = ?, confidence = ? WHERE review_id = ? AND sample_index = ?');
    PHASES.forEach((phase, i) => set.run(phase, phase ? 0.8 : null, r.reviewId, i));
    const view = await s.call('timeline.get', { reviewId: r.reviewId });
    sampleFrameIds = view.samples.map((x) => x.frameId!);
    sampleAnalysisIds = view.samples.map((x) => x.analysisId!);
    // The reviewer marks the sample at 20 s, and captures a frame of their own at 1.5 s.
    await s.call('annotations.create', { frameId: sampleFrameIds[2]!, kind: 'box', label: null, color: '#00ff00', geometry: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 } });
    const captured = await s.call('frames.capture', { reviewId: r.reviewId, frameIndex: 45, mediaTime: 1.5, data: squareFramePng(640, 360, { x: 10, y: 10, size: 20 }, 1) });
    capturedId = captured.id;
    // …and asks the model again about the sample at 40 s (its own analysis, beside the timeline's).
    const { jobId } = await s.call('analysis.start', { frameId: sampleFrameIds[4]! });
    await s.waitFor('analysis.status', (p) => p.jobId === jobId && p.status === 'completed', 120_000);
  }, 300_000);
  afterAll(async () => {
    await s?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('JSON: the timeline with every sample, and every frame marked as sampled or captured', async () => {
    const files = await exportTo(['json']);
    const doc = ReviewReportV1.parse(JSON.parse(fs.readFileSync(files['.json']!, 'utf8')));
    expect(doc.phaseTimeline).toMatchObject({ sampling: 'interval', intervalSeconds: 10, method: 'matcher', state: 'done' });
    expect(doc.phaseTimeline!.samples.map((x) => [x.time, x.frameIndex, x.phase, x.label])).toEqual(PHASES.map((p, i) => [i * 10, i * 300, p, LABELS[i]]));
    expect(doc.phaseTimeline!.samples.map((x) => x.timecode)).toEqual(PHASES.map((_, i) => formatTimecode(i * 10)));
    expect(doc.phaseTimeline!.samples.map((x) => x.frameId)).toEqual(sampleFrameIds);
    expect(doc.phaseTimeline!.samples.map((x) => x.analysisId)).toEqual(sampleAnalysisIds);
    expect(doc.frames.find((f) => f.id === sampleFrameIds[4])!.analyses).toHaveLength(2);
    // Each phase has one colour; no phase has none.
    const colours = new Map(doc.phaseTimeline!.samples.map((x) => [x.phase, x.color]));
    expect(colours.get(null)).toBeNull();
    expect(new Set(['incision', 'capsulorhexis', 'phacoemulsification'].map((p) => colours.get(p))).size).toBe(3);
    expect(doc.frames).toHaveLength(7);
    expect(doc.frames.filter((f) => f.timelineSample).map((f) => f.id)).toEqual(sampleFrameIds);
    expect(doc.frames.find((f) => f.id === capturedId)!.timelineSample).toBe(false);
  });

  it('CSV: timeline.csv has a row per sample with its phase and the AI label', async () => {
    const files = await exportTo(['csv']);
    const rows = csvObjects(fs.readFileSync(files['-timeline.csv']!, 'utf8'));
    expect(rows.map((x) => [Number(x.sample_time_s), Number(x.frame_index), x.phase, x.phase_label])).toEqual(PHASES.map((p, i) => [i * 10, i * 300, p ?? '', LABELS[i]]));
    expect(rows.every((x) => x.case_code === 'TL-RPT-1' && x.ai_notice === AI_DISCLAIMER && x.method === 'matcher')).toBe(true);
  });

  it('HTML/PDF: the model strip in the figure; a page only for the captured frame and the samples the reviewer worked on', async () => {
    const files = await exportTo(['html', 'pdf']);
    const html = fs.readFileSync(files['.html']!, 'utf8');
    expect(html).toContain('Model phases, a sample every 10 s (AI-generated)');
    // One block per run of samples naming the same phase; the sample that named none leaves a gap.
    const blocks = [...html.matchAll(/<rect x="([\d.]+)" y="\d+" width="([\d.]+)" height="18" fill="#[0-9a-f]{6}"><title>([^<]+)<\/title><\/rect>/g)];
    expect(blocks.map((b) => [Number(b[1]), Number(b[2]), b[3]])).toEqual([
      [0, 333.33, 'Incision'],
      [333.33, 333.33, 'Capsulorhexis'],
      [833.33, 166.67, 'Phacoemulsification'],
    ]);
    expect([...html.matchAll(/<section class="frame page-break" id="frame-(\d+)"/g)].map((m) => Number(m[1]))).toEqual([capturedId, sampleFrameIds[2], sampleFrameIds[4]]);
    const text = pdfText(files['.pdf']!);
    expect(text).toContain('Model phase timeline');
    expect(text).toContain(AI_DISCLAIMER);
    for (const label of ['Incision', 'Capsulorhexis', 'Phacoemulsification', 'No phase named']) expect(text).toContain(label);
    expect(text).toContain(formatTimecode(20));
    expect(text).toContain(formatTimecode(40));
    expect(text).not.toContain(formatTimecode(30)); // an unmarked sample has no page (and no row in the summary)

    const all = await exportTo(['html', 'pdf'], { fields: { timelineFrames: true } });
    expect(fs.readFileSync(all['.html']!, 'utf8').match(/<section class="frame page-break"/g)).toHaveLength(7);
    // Four more frame pages (each section starts a page; a long answer of the random model may spill onto a second).
    expect(pdfPages(all['.pdf']!)).toBeGreaterThanOrEqual(pdfPages(files['.pdf']!) + 4);
    expect(pdfPages(all['.pdf']!)).toBeLessThanOrEqual(pdfPages(files['.pdf']!) + 8);
    const allText = pdfText(all['.pdf']!);
    for (const t of [0, 10, 30, 50]) expect(allText).toContain(formatTimecode(t));
  });
});
