// Teaching mode through the real UI (browser host + Chromium + the generated model): an attending analyses a frame,
// writes a note on it and turns teaching mode on in the Analysis tab; the resident (Settings role) opens the review
// and finds the analysis and the note hidden — not in the page at all, each place saying why — behind "write what
// you see and what you would do next"; after saving, the response, the model's analysis and the attending's note
// are side by side with who and when. The attending then sees the resident's response. Screenshots of both screens
// in both review themes in test-results/teaching/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewReportV1 } from '../../electron/api/schemas-reports';
import { pdfText, squash } from '../fixtures/report-readers';
import { ensureTestModel } from '../fixtures/test-model';
import { makeTestVideo } from '../fixtures/videos';
import { launchApp, type App } from './harness';
import { addVideo, createCase, expectOnScreen, goTo, openCase, openReview, reviewId as currentReviewId, showTab, waitSettled } from './video-helpers';

const REPO = path.resolve(__dirname, '../..');
const SHOTS = path.join(REPO, 'test-results', 'teaching');
const NOTE = 'Rhexis edge drifting out at 2 o’clock: re-grasp and redirect centripetally.';
const SEEN = 'The capsulorhexis is running out towards the periphery superotemporally.';
const NEXT = 'Stop, refill the chamber with viscoelastic, re-grasp the flap and pull towards the centre.';
const poll = <T,>(fn: () => Promise<T> | T, timeout = 20_000) => expect.poll(fn, { timeout, interval: 100 });

describe('Teaching mode (browser host + Chromium + generated model)', () => {
  let app: App;
  let page: Page;
  let rid = 0;
  let frameId = 0;
  let answer = '';

  async function api<T>(channel: string, input: unknown): Promise<T> {
    const r = await app.t.call(channel, input);
    expect(r.body.ok, `${channel}: ${JSON.stringify(r.body.error)}`).toBe(true);
    return r.body.value as T;
  }
  /** Switches the reviewer in Settings and opens the review again (as the next person at the workstation would). */
  async function as(reviewerName: string, reviewerRole: 'resident' | 'attending', reviewTheme: 'dark' | 'light' = 'dark') {
    await api('settings.update', { reviewerName, reviewerRole, reviewTheme });
    await page.reload();
    await page.getByTestId('review').waitFor();
    await waitSettled(page);
    await showTab(page, 'analysis');
  }
  const shot = async (name: string) => {
    for (const theme of ['dark', 'light'] as const) {
      await api('settings.update', { reviewTheme: theme });
      await page.reload();
      await page.getByTestId('review').waitFor();
      await waitSettled(page);
      await showTab(page, 'analysis');
      await page.getByTestId('teaching-bar').waitFor();
      await page.screenshot({ path: path.join(SHOTS, `${name}-${theme}.png`) });
    }
  };

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const model = await ensureTestModel(224);
    const video = await makeTestVideo({ durationSeconds: 3 });
    app = await launchApp();
    page = app.page;
    await page.setViewportSize({ width: 1280, height: 720 });
    await api('settings.update', { reviewerName: 'Dr. Attending', reviewerRole: 'attending', reviewTheme: 'dark' });
    await createCase(app, 'TEACH-E2E');
    await api('inference.load', { modelPath: model.modelPath, mmprojPath: model.mmprojPath, device: 'cpu', contextSize: 4096 });
    await page.reload();
    await openCase(page, 'TEACH-E2E');
    await addVideo(page, video.file);
    await openReview(page, path.basename(video.file));
    rid = await currentReviewId(page);
  }, 240_000);
  afterAll(async () => {
    await app?.close();
  });

  it('the attending analyses a frame, writes a note on it and turns teaching mode on', async () => {
    await page.getByTestId('inference-status').getByText(/ready/i).first().waitFor({ timeout: 60_000 });
    await goTo(page, 40);
    await expectOnScreen(page, 40);
    await showTab(page, 'analysis');
    await page.keyboard.press('a');
    await page.waitForFunction(() => document.querySelector('[data-testid="analysis-status"]')?.getAttribute('data-status') === 'completed', null, { timeout: 90_000 });
    const frames = await api<Array<{ id: number; frameIndex: number }>>('frames.listForReview', { reviewId: rid });
    frameId = frames.find((f) => f.frameIndex === 40)!.id;
    const analyses = await api<Array<{ answer: string; status: string }>>('analysis.list', { frameId });
    answer = analyses[0]!.answer;
    expect(answer.trim().length).toBeGreaterThan(0);
    await api('notes.create', { reviewId: rid, frameId, text: NOTE });

    await poll(() => page.getByTestId('teaching-bar').getAttribute('data-on')).toBe('false');
    await page.getByTestId('teaching-toggle').click();
    await poll(() => page.getByTestId('teaching-bar').getAttribute('data-on')).toBe('true');
    expect(await page.getByTestId('teaching-bar').textContent()).toContain('set by Dr. Attending (Attending surgeon)');
    // The attending keeps seeing the analysis.
    expect(await page.getByTestId('panel-analysis').textContent()).toContain(answer.trim().slice(0, 20));
    expect(app.errors).toEqual([]);
  }, 180_000);

  it('hides the analysis and the note from the resident until they save, then shows all three side by side', async () => {
    await as('Dr. Resident', 'resident');
    await expectOnScreen(page, 40);
    const panel = page.getByTestId('panel-analysis');
    await page.getByTestId('teaching-form').waitFor();
    expect(await page.getByTestId('teaching-hidden-reason').textContent()).toContain('the model’s analysis and the attending’s notes on frame 40 are hidden until you save');
    // Hidden for real: neither text is anywhere in the page, and no analysis panel is mounted.
    const html = async () => page.content();
    expect(await page.getByTestId('analysis-ai-label').count()).toBe(0);
    expect(await page.getByTestId('analyze-button').count()).toBe(0);
    expect(await html()).not.toContain(NOTE.slice(0, 30));
    expect(await html()).not.toContain(answer.trim().slice(0, 30));
    // The Notes tab and the timeline's Notes lane say the note is there, and why it is hidden.
    await showTab(page, 'notes');
    expect(await page.getByTestId('note-hidden').textContent()).toContain('Hidden in teaching mode until you write what you see on frame 40');
    expect(await page.getByTestId('note-marker').getAttribute('aria-label')).toContain('hidden in teaching mode');
    await showTab(page, 'history');
    await page.getByTestId('history-list').waitFor();
    expect(await html()).not.toContain(NOTE.slice(0, 30));
    await shot('resident-before');

    await page.getByTestId('teaching-seen').fill(SEEN);
    expect(await page.getByTestId('teaching-save').isDisabled()).toBe(true);
    await page.getByTestId('teaching-next').fill(NEXT);
    await page.getByTestId('teaching-save').click();

    const compare = page.getByTestId('teaching-compare');
    await compare.waitFor();
    const resident = await page.getByTestId('teaching-col-resident').textContent();
    expect(resident).toContain(SEEN);
    expect(resident).toContain(NEXT);
    expect(resident).toContain('Dr. Resident (Resident)');
    expect(await page.getByTestId('teaching-analysis-answer').textContent()).toBe(answer);
    expect(await page.getByTestId('teaching-ai-label').textContent()).toContain('research use only');
    const note = await page.getByTestId('teaching-col-note').textContent();
    expect(note).toContain(NOTE);
    expect(note).toContain('Dr. Attending');
    // The analysis panel is back below the three.
    await page.getByTestId('analysis-ai-label').first().waitFor();
    expect(await panel.textContent()).toContain('side by side');
    await showTab(page, 'notes');
    await poll(() => page.getByTestId('note-hidden').count()).toBe(0);
    expect(await page.getByTestId('review-notes').textContent()).toContain(NOTE);

    const stored = await api<{ responses: Array<{ author: string; seen: string }> }>('teaching.get', { reviewId: rid });
    expect(stored.responses).toEqual([expect.objectContaining({ author: 'Dr. Resident', seen: SEEN })]);
    await shot('resident-after');
    expect(app.errors).toEqual([]);
  }, 180_000);

  it('the attending sees the resident\'s response beside the analysis and the note', async () => {
    await as('Dr. Attending', 'attending');
    await expectOnScreen(page, 40);
    await page.getByTestId('teaching-compare').waitFor();
    expect(await page.getByTestId('teaching-col-resident').textContent()).toContain(SEEN);
    expect(await page.getByTestId('teaching-col-note').textContent()).toContain(NOTE);
    await shot('attending');
    // A wide window with the inspector dragged wider: the three in columns.
    await page.setViewportSize({ width: 1920, height: 1080 });
    const box = (await page.getByTestId('inspector-splitter').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x - 260, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.getByTestId('teaching-compare').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'attending-1920-light.png') });
    expect(app.errors).toEqual([]);
  }, 120_000);

  it('the PDF and the JSON report carry the response beside the analysis and the note, with who and when', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'teaching-e2e-'));
    try {
      await api('reports.export', { reviewId: rid, folder: out, formats: ['pdf', 'json', 'csv'], options: { fields: { reviewer: true } } });
      const base = path.join(out, `TEACH-E2E-review-${rid}`);
      await poll(() => fs.existsSync(`${base}.pdf`) && fs.existsSync(`${base}.json`) && fs.existsSync(`${base}-teaching.csv`), 120_000).toBe(true);
      const text = squash(pdfText(`${base}.pdf`));
      // pdftotext reads the table's cells line by line across columns (and drops a hyphen at a line break): fragments.
      for (const s of ["Teaching: the resident's response beside the analysis and the note", 'Woulddonext:', 'superotemporally.', 'refill the chamber with viscoelastic', 'Rhexis edge drifting out at 2 o’clock', 'Dr. Resident · Resident', 'set by Dr. Attending (Attending surgeon)']) {
        expect(text).toContain(squash(s));
      }
      const doc = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')) as ReviewReportV1;
      expect(doc.teaching!.items).toEqual([
        expect.objectContaining({
          frameId,
          target: 'Frame 40',
          responses: [expect.objectContaining({ author: 'Dr. Resident', authorRole: 'resident', seen: SEEN, nextStep: NEXT })],
          analysis: expect.objectContaining({ answer }),
          notes: [expect.objectContaining({ author: 'Dr. Attending', text: NOTE })],
        }),
      ]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);

  it('on a phase segment: the resident writes their reading before its note shows, then sees the note beside it', async () => {
    const SEG_NOTE = 'Tear kept central here; note the re-grasp before the flap folds.';
    const videoId = (await api<{ videoId: number }>('reviews.get', { id: rid })).videoId;
    const { pts } = await api<{ pts: number[] }>('videos.timeline', { id: videoId });
    await api('segments.create', { reviewId: rid, startFrame: 30, endFrame: 50, startTime: pts[30], endTime: pts[50], phase: 'capsulorhexis', label: 'Rhexis', note: SEG_NOTE });
    await as('Dr. Resident', 'resident');
    await showTab(page, 'annotations');
    await page.locator('[data-testid="segment-item"] .segment-summary').first().click();
    const editor = page.getByTestId('segment-editor');
    await editor.getByTestId('teaching-form').waitFor();
    expect(await editor.getByTestId('teaching-hidden-reason').textContent()).toContain('notes on the segment Rhexis (frames 30–50) are hidden until you save');
    expect(await editor.getByTestId('segment-note').count()).toBe(0);
    expect(await page.content()).not.toContain(SEG_NOTE.slice(0, 30));
    await editor.getByTestId('teaching-seen').fill('The flap is folding back over itself.');
    await editor.getByTestId('teaching-next').fill('Unfold it with viscoelastic, then re-grasp near the tear.');
    await editor.getByTestId('teaching-save').click();
    await poll(() => editor.getByTestId('segment-note').inputValue()).toBe(SEG_NOTE);
    await editor.getByTestId('teaching-compare').waitFor();
    expect(await editor.getByTestId('teaching-compare').locator('h3').textContent()).toBe('This segment: side by side');
    await page.screenshot({ path: path.join(SHOTS, 'resident-segment-dark.png') });
    expect(await editor.getByTestId('teaching-col-resident').textContent()).toContain('The flap is folding back over itself.');
    const stored = await api<{ responses: Array<{ segmentId: number | null; author: string }> }>('teaching.get', { reviewId: rid });
    expect(stored.responses.filter((r) => r.segmentId !== null)).toEqual([expect.objectContaining({ author: 'Dr. Resident' })]);
    expect(app.errors).toEqual([]);
  }, 120_000);
});
