// Review reports end to end: a review built through the real services (case, generated video, captured frames
// with a known red square, annotations of every kind, tags, segments, notes, analyses from the tiny model and
// stored ones), exported to every format through the contract, and read back the way a user's tools would:
// pdftotext/pdfinfo/pdftoppm (poppler), a JSON Schema validator, a CSV parser, the COCO images' pixels.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AI_DISCLAIMER, ReviewReportV1 } from '../../electron/api/schemas-reports';
import { STAGING_PREFIX } from '../../electron/core/reports/atomic-writer';
import { CHROMIUM_ARGS, findChromium } from '../../electron/core/reports/chromium-printer';
import { reportJsonSchema, reportJsonSchemaText } from '../../electron/core/reports/report-json-schema';
import { formatTimecode } from '../../electron/core/reports/timecode';
import { REVIEWER, SQUARE, STORED_THINKING, SURGEON, type ReportFixture } from '../fixtures/report-review';
import { countPixels, csvObjects, notWhite, parseCsv, pdfPage, pdfPages, pdfText, squash } from '../fixtures/report-readers';
import { reportSuite } from '../fixtures/report-suite';
import type { TestServices } from '../fixtures/services';

const REPO = path.resolve(__dirname, '../..');

describe('review reports', () => {
  const suite = reportSuite({ frames: 3, modelAnalyses: 2 }, 'reports-out-');
  const { newFolder, exportTo } = suite;
  let s: TestServices;
  let fx: ReportFixture;
  beforeAll(() => void ({ s, fx } = suite));

  /** Every format, default options (de-identified, no Thinking Process). */
  let out: string;
  let files: Record<'pdf' | 'html' | 'json' | 'annotations' | 'analyses' | 'timeline' | 'coco', string>;
  beforeAll(async () => {
    out = newFolder('all');
    const { end, all } = await exportTo(out, ['pdf', 'html', 'json', 'csv', 'coco']);
    expect(end.state, end.message ?? '').toBe('completed');
    const base = path.join(out, `${fx.caseCode}-review-${fx.reviewId}`);
    files = {
      pdf: `${base}.pdf`,
      html: `${base}.html`,
      json: `${base}.json`,
      annotations: `${base}-annotations.csv`,
      analyses: `${base}-analyses.csv`,
      timeline: `${base}-timeline.csv`,
      coco: `${base}-coco`,
    };
    expect([...end.files].sort()).toEqual(Object.values(files).sort());
    // Progress only goes forward and ends at 1.
    const steps = all.map((p) => p.progress);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(all.at(-1)!.progress).toBe(1);
  }, 180_000);

  it('writes exactly the chosen files and leaves no temporary files', () => {
    expect(fs.readdirSync(out).sort()).toEqual(Object.values(files).map((f) => path.basename(f)).sort());
    expect(fs.readdirSync(out).some((n) => n.startsWith(STAGING_PREFIX))).toBe(false);
  });

  it('PDF: the case code, every timecode and Final Answer, the AI label, one page per frame plus two', () => {
    const text = pdfText(files.pdf);
    expect(text).toContain(fx.caseCode);
    expect(squash(text)).toContain(squash(AI_DISCLAIMER));
    for (const { frame } of fx.frames) expect(text).toContain(formatTimecode(frame.mediaTime));
    for (const a of fx.analyses) expect(squash(text)).toContain(squash(a.answer));
    expect(text).toMatch(/Sign-off/);
    // Page 1: header, timeline and summary; one page per frame; the closing page (notes, sign-off).
    expect(pdfPages(files.pdf)).toBe(fx.frames.length + 2);
    // Model name and short hash beside the AI text.
    for (const a of fx.analyses) expect(text).toContain(a.provenance.modelSha256.slice(0, 12));
  });

  it('PDF: page 1 is not blank, and the frame pages show the frame with its box drawn around the red square', () => {
    const page1 = pdfPage(files.pdf, 1);
    const ink = countPixels(page1, notWhite).count;
    expect(ink / (page1.width * page1.height)).toBeGreaterThan(0.03);

    const page2 = pdfPage(files.pdf, 2, 100);
    const red = countPixels(page2, (r, g, b) => r > 200 && g < 60 && b < 60);
    const green = countPixels(page2, (r, g, b) => g > 200 && r < 90 && b < 90);
    expect(red.count).toBeGreaterThan(100);
    expect(green.count).toBeGreaterThan(50);
    const [rx0, ry0, rx1, ry1] = red.box!;
    const [gx0, gy0, gx1, gy1] = green.box!;
    expect(gx0).toBeLessThanOrEqual(rx0 + 2);
    expect(gy0).toBeLessThanOrEqual(ry0 + 2);
    expect(gx1).toBeGreaterThanOrEqual(rx1 - 2);
    expect(gy1).toBeGreaterThanOrEqual(ry1 - 2);
  });

  it('HTML: self-contained (images inline, CSP, no request when opened) with the same content', async () => {
    const html = fs.readFileSync(files.html, 'utf8');
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(fx.frames.length);
    expect(html).not.toMatch(/<(script|link|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(?!data:)[a-z]+:/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).toContain(fx.caseCode);
    expect(html).toContain(AI_DISCLAIMER);
    for (const { frame } of fx.frames) expect(html).toContain(formatTimecode(frame.mediaTime));
    // Opened in Chromium (JavaScript on, as a browser would), it asks for nothing.
    const browser = await chromium.launch({ executablePath: findChromium()!, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url());
      });
      await page.goto(`file://${files.html}`);
      expect(await page.locator('img').count()).toBe(fx.frames.length);
      expect(requests.filter((u) => u !== `file://${files.html}`)).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('JSON: validates against the schema file (kept in step with the zod schema) and the zod schema', () => {
    const doc: unknown = JSON.parse(fs.readFileSync(files.json, 'utf8'));
    const schemaFile = path.join(REPO, 'resources', 'report-schema', 'review-report-v1.schema.json');
    expect(fs.readFileSync(schemaFile, 'utf8'), 'run npm run report-schema').toBe(reportJsonSchemaText());
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as object);
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(ReviewReportV1.safeParse(doc).success).toBe(true);
    // And refuses a document that is not one.
    expect(validate({ ...(doc as object), version: 2 })).toBe(false);
    expect(reportJsonSchema().$id).toMatch(/review-report-v1/);
  });

  it('JSON: round-trips the review (everything, with provenance) when every field is included', async () => {
    const dir = newFolder('json-full');
    const all = { surgeon: true, reviewer: true, fileNames: true, caseNotes: true, thinking: true, notes: true, audit: true, surgeryDate: true };
    const { end } = await exportTo(dir, ['json'], { fields: all });
    expect(end.state).toBe('completed');
    const doc = ReviewReportV1.parse(JSON.parse(fs.readFileSync(end.files[0]!, 'utf8')));
    const id = fx.reviewId;
    const kase = await s.call('cases.get', { id: fx.caseId });
    const review = await s.call('reviews.get', { id });
    expect(doc.case).toEqual({ id: kase.id, code: kase.code, surgeryDate: kase.surgeryDate, eye: kase.eye, surgeon: kase.surgeon, notes: kase.notes });
    expect(doc.review).toEqual({
      id,
      status: 'final',
      reviewer: review.reviewer,
      lastFrameIndex: review.lastFrameIndex,
      createdAt: review.createdAt,
      updatedAt: review.updatedAt,
      finalisedAt: review.finalisedAt,
      finalisedBy: review.finalisedBy,
      finalisedRole: 'attending',
    });
    expect(doc.signOff).toEqual({ reviewer: REVIEWER, role: 'attending', finalisedAt: review.finalisedAt });

    const frames = await s.call('frames.listForReview', { reviewId: id });
    expect(doc.frames.map((f) => f.id).sort()).toEqual(frames.map((f) => f.id).sort());
    for (const f of frames) {
      const d = doc.frames.find((x) => x.id === f.id)!;
      expect({ frameIndex: d.frameIndex, mediaTime: d.mediaTime, width: d.width, height: d.height, sha256: d.sha256, mime: d.mime, bytes: d.bytes, sourceName: d.sourceName, createdAt: d.createdAt }).toEqual({
        frameIndex: f.frameIndex,
        mediaTime: f.mediaTime,
        width: f.width,
        height: f.height,
        sha256: f.sha256,
        mime: f.mime,
        bytes: f.bytes,
        sourceName: f.sourceName,
        createdAt: f.createdAt,
      });
      expect(d.timecode).toBe(formatTimecode(f.mediaTime));
      expect(d.analyses.map(({ modelShortHash: _h, turns: _t, ...a }) => a)).toEqual(await s.call('analysis.list', { frameId: f.id }));
      expect(d.notes).toEqual(await s.call('notes.list', { reviewId: id, frameId: f.id }));
      expect(d.tags).toEqual(await s.call('tags.list', { reviewId: id, frameId: f.id }));
    }
    const annotations = doc.frames.flatMap((f) => f.annotations).map(({ pixelBox: _p, displayLabel: _d, ...a }) => a);
    expect(annotations.sort((a, b) => a.id - b.id)).toEqual((await s.call('annotations.listForReview', { reviewId: id })).sort((a, b) => a.id - b.id));
    expect(doc.segments.map(({ displayLabel: _l, displayColor: _c, phaseLabel: _p, tags: _t, ...x }) => x)).toEqual(await s.call('segments.list', { reviewId: id }));
    // Each segment names its phase (the taxonomy's words) apart from its own label.
    expect(doc.segments.map((x) => [x.phase, x.phaseLabel])).toEqual([
      ['incision', 'Incision'],
      ['capsulorhexis', 'Capsulorhexis'],
    ]);
    expect(doc.reviewNotes).toEqual(await s.call('notes.list', { reviewId: id, frameId: null }));
    expect(doc.reviewTags).toEqual(await s.call('tags.list', { reviewId: id, frameId: null }));
    expect(doc.audit).toEqual(await s.call('audit.list', { reviewId: id, limit: 500 }));
    expect(doc.video?.fileName).toBe(path.basename(fx.videoFile));
    // Provenance survives whole.
    const stored = doc.frames.flatMap((f) => f.analyses);
    for (const a of fx.analyses) expect(stored.find((x) => x.id === a.id)!.provenance).toEqual(a.provenance);
  });

  it('CSV: one row per annotation and per analysis, RFC 4180 quoting, formula cells neutralised', () => {
    const annotations = csvObjects(fs.readFileSync(files.annotations, 'utf8'));
    const expected = fx.frames.length + 4; // a box per frame + arrow, ellipse, freehand, text
    expect(annotations).toHaveLength(expected);
    const text = annotations.find((r) => r.kind === 'text')!;
    expect(text.text).toBe("'=1+1 side port");
    const box = annotations.find((r) => r.kind === 'box' && Number(r.frame_id) === fx.frames[0]!.frame.id)!;
    const sq = fx.frames[0]!.square;
    expect([box.bbox_x_px, box.bbox_y_px, box.bbox_w_px, box.bbox_h_px].map(Number)).toEqual([sq.x, sq.y, sq.size, sq.size]);
    expect(JSON.parse(box.geometry_normalised_json!)).toEqual({ x: sq.x / 640, y: sq.y / 360, w: sq.size / 640, h: sq.size / 360 });
    expect(Object.keys(annotations[0]!)).not.toContain('author');

    const analyses = csvObjects(fs.readFileSync(files.analyses, 'utf8'));
    expect(analyses).toHaveLength(fx.analyses.length);
    for (const a of fx.analyses) {
      const row = analyses.find((r) => Number(r.analysis_id) === a.id)!;
      expect(row.final_answer).toBe(/^[=+\-@\t\r]/.test(a.answer) ? `'${a.answer}` : a.answer);
      expect(row.ai_notice).toBe(AI_DISCLAIMER);
      expect(row.model_sha256_short).toBe(a.provenance.modelSha256.slice(0, 12));
      expect(row.timecode).toBe(formatTimecode(fx.frames.find((f) => f.frame.id === a.frameId)!.frame.mediaTime));
    }
    expect(Object.keys(analyses[0]!)).not.toContain('thinking_process');

    // The video was never analysed as a whole: the timeline table is its header alone.
    expect(parseCsv(fs.readFileSync(files.timeline, 'utf8'))).toEqual([
      ['case_code', 'review_id', 'sample_time_s', 'timecode', 'frame_index', 'frame_id', 'phase', 'phase_label', 'method', 'confidence', 'ai_notice'],
    ]);
  });

  it('COCO: every box maps back onto the red square in the exported (unchanged) frame image', () => {
    const coco = JSON.parse(fs.readFileSync(path.join(files.coco, 'annotations.json'), 'utf8')) as {
      images: { id: number; file_name: string; width: number; height: number }[];
      annotations: { id: number; image_id: number; category_id: number; bbox: [number, number, number, number]; area: number }[];
      categories: { id: number; name: string; supercategory: string }[];
    };
    expect(coco.images).toHaveLength(fx.frames.length);
    expect(coco.annotations).toHaveLength(fx.frames.length); // boxes only
    expect(coco.categories.map((c) => [c.name, c.supercategory]).sort()).toEqual([
      ['capsulorhexis-forceps', 'instrument'],
      ['pupil', 'anatomy'],
    ]);
    for (const a of coco.annotations) {
      const image = coco.images.find((i) => i.id === a.image_id)!;
      const { frame, square } = fx.frames.find((f) => f.frame.id === image.id)!;
      const bytes = fs.readFileSync(path.join(files.coco, 'images', image.file_name));
      expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(frame.sha256);
      const png = PNG.sync.read(bytes);
      expect([png.width, png.height]).toEqual([image.width, image.height]);
      const [x, y, w, h] = a.bbox;
      expect([x, y, w, h]).toEqual([square.x, square.y, square.size, square.size]);
      expect(a.area).toBe(w * h);
      const at = (px: number, py: number) => {
        const i = (py * png.width + px) * 4;
        return [png.data[i], png.data[i + 1], png.data[i + 2]];
      };
      for (let py = y; py < y + h; py++) for (let px = x; px < x + w; px++) expect(at(px, py)).toEqual([...SQUARE.rgb]);
      // The pixels just outside the box are not the square.
      for (const [px, py] of [
        [x - 1, y + h / 2],
        [x + w, y + h / 2],
        [x + w / 2, y - 1],
        [x + w / 2, y + h],
      ] as const) {
        expect(at(px, py)).not.toEqual([...SQUARE.rgb]);
      }
    }
  });

  it('de-identified by default: no file path, name or case note in any format; names appear only when turned on', async () => {
    const secrets = [SURGEON, REVIEWER, 'Patient-identifying case note', path.basename(fx.videoFile), fx.videoFile, s.dataDir, REPO, os.tmpdir() + path.sep];
    const texts: Record<string, string> = {
      pdf: pdfText(files.pdf),
      pdfRaw: fs.readFileSync(files.pdf, 'latin1'),
      html: fs.readFileSync(files.html, 'utf8'),
      json: fs.readFileSync(files.json, 'utf8'),
      annotations: fs.readFileSync(files.annotations, 'utf8'),
      analyses: fs.readFileSync(files.analyses, 'utf8'),
      coco: fs.readFileSync(path.join(files.coco, 'annotations.json'), 'utf8'),
    };
    for (const [format, text] of Object.entries(texts)) for (const secret of secrets) expect(text.includes(secret), `${format} contains ${secret}`).toBe(false);
    const doc = ReviewReportV1.parse(JSON.parse(texts.json!));
    expect(doc.case.surgeon).toBeNull();
    expect(doc.review.reviewer).toBeNull();
    expect(doc.frames.flatMap((f) => [...f.annotations, ...f.tags, ...f.notes]).every((x) => x.author === null)).toBe(true);
    expect(doc.audit!.every((e) => e.actor === null && !JSON.stringify([e.before, e.after]).includes(REVIEWER))).toBe(true);

    const dir = newFolder('names');
    const { end } = await exportTo(dir, ['pdf', 'json'], { fields: { surgeon: true, reviewer: true } });
    expect(end.state).toBe('completed');
    const named = pdfText(end.files.find((f) => f.endsWith('.pdf'))!);
    expect(named).toContain(SURGEON);
    expect(named).toContain(REVIEWER);
    const json = fs.readFileSync(end.files.find((f) => f.endsWith('.json'))!, 'utf8');
    expect(json).toContain(SURGEON);
    expect(json).not.toContain(fx.videoFile); // a path never goes in
  });

  it('the Thinking Process is left out by default and put in when asked, in every format', async () => {
    const squashed = squash(STORED_THINKING);
    for (const f of [files.html, files.json, files.analyses]) expect(squash(fs.readFileSync(f, 'utf8'))).not.toContain(squashed);
    expect(squash(pdfText(files.pdf))).not.toContain(squashed);
    const dir = newFolder('thinking');
    const { end } = await exportTo(dir, ['pdf', 'json', 'csv'], { fields: { thinking: true } });
    expect(end.state).toBe('completed');
    expect(squash(pdfText(end.files.find((f) => f.endsWith('.pdf'))!))).toContain(squashed);
    expect(squash(fs.readFileSync(end.files.find((f) => f.endsWith('analyses.csv'))!, 'utf8'))).toContain(squashed);
    expect(pdfText(end.files.find((f) => f.endsWith('.pdf'))!)).toMatch(/Thinking Process/);
  });

  it('a second export into the same folder gets new names instead of replacing the first', async () => {
    const dir = newFolder('twice');
    const one = await exportTo(dir, ['json']);
    const two = await exportTo(dir, ['json']);
    expect(path.basename(one.end.files[0]!)).toBe(`${fx.caseCode}-review-${fx.reviewId}.json`);
    expect(path.basename(two.end.files[0]!)).toBe(`${fx.caseCode}-review-${fx.reviewId}-2.json`);
  });

  it('previews the first page as a PNG', async () => {
    const p = await s.call('reports.preview', { reviewId: fx.reviewId });
    const png = PNG.sync.read(Buffer.from(p.png));
    expect([png.width, png.height]).toEqual([p.width, p.height]);
    expect([p.width, p.height]).toEqual([794, 1123]);
    expect(countPixels(png, notWhite).count / (png.width * png.height)).toBeGreaterThan(0.03);
    const letter = await s.call('reports.preview', { reviewId: fx.reviewId, options: { paperSize: 'Letter' } });
    expect([letter.width, letter.height]).toEqual([816, 1056]);
  });
});
