// Structured skill assessment through the real UI (browser host + Chromium): an attending scores the default phaco
// rubric in a review's Assessment tab (scores, a comment, the frame on screen); the resident's self-assessment (the
// role switched to resident in Settings, written through the API) appears beside each step; the PDF (pdftotext) and
// the JSON report carry both. The trainee page charts three reviews' scores and lists the three cases (screenshots
// in both themes in test-results/assessment/).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewAssessments } from '../../electron/api/schemas-assessment';
import type { ReviewReportV1 } from '../../electron/api/schemas-reports';
import { makeTestVideo } from '../fixtures/videos';
import { pdfText, squash } from '../fixtures/report-readers';
import { launchApp, type App } from './harness';
import { addVideo, openCase, openReview, reviewId as currentReviewId, showTab, waitSettled, goTo } from './video-helpers';

const REPO = path.resolve(__dirname, '../..');
const SHOTS = path.join(REPO, 'test-results', 'assessment');
const TRAINEE = 'Dr. Trainee';
const CASES = [
  { code: 'OSCAR-1', surgeryDate: '2026-01-10' },
  { code: 'OSCAR-2', surgeryDate: '2026-02-14' },
  { code: 'OSCAR-3', surgeryDate: '2026-03-20' },
];
const poll = <T,>(fn: () => Promise<T> | T, timeout = 20_000) => expect.poll(fn, { timeout, interval: 100 });

describe('Skill assessment and the trainee page (browser host + Chromium)', () => {
  let app: App;
  let page: Page;
  const reviewIds: number[] = [];

  async function api<T>(channel: string, input: unknown): Promise<T> {
    const r = await app.t.call(channel, input);
    expect(r.body.ok, `${channel}: ${JSON.stringify(r.body.error)}`).toBe(true);
    return r.body.value as T;
  }
  const as = (reviewerName: string, reviewerRole: 'resident' | 'attending') => api('settings.update', { reviewerName, reviewerRole });
  const step = (id: string) => page.getByTestId(`step-${id}`);

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const video = await makeTestVideo({ durationSeconds: 3 });
    const fileName = path.basename(video.file);
    app = await launchApp();
    page = app.page;
    await as('Dr. Attending', 'attending');
    for (const c of CASES) await api('cases.create', { ...c, eye: 'OD', surgeon: TRAINEE, notes: '' });
    await page.reload();
    for (const c of CASES) {
      await openCase(page, c.code);
      await addVideo(page, video.file);
      await openReview(page, fileName);
      reviewIds.push(await currentReviewId(page));
    }
    await page.goto(`${app.t.host.url.replace(/#.*$/, '')}#/review/${reviewIds[0]}`);
    await page.getByTestId('review').waitFor();
    await waitSettled(page);
  }, 240_000);
  afterAll(async () => {
    await app?.close();
  });

  it('an attending scores the default rubric; the resident\'s self-scores appear beside each step', async () => {
    await showTab(page, 'assessment');
    const panel = page.getByTestId('assessment-panel');
    await poll(() => panel.getAttribute('data-kind')).toBe('assessor');
    expect(await page.getByTestId('assessment-rubric').inputValue()).toBe('ico-oscar-phaco@1');
    expect(await panel.textContent()).toContain('2 Novice · 3 Beginner · 4 Advanced beginner · 5 Competent');

    await page.getByTestId('score-incision-4').click();
    await poll(() => step('incision').getAttribute('data-value')).toBe('4');
    await page.getByTestId('score-hydrodissection-3').click();
    await page.getByTestId('score-draping-preceptor').click();
    await poll(() => step('draping').getAttribute('data-value')).toBe('preceptor');
    await page.getByTestId('comment-incision').fill('Well-constructed, slightly long tunnel.');
    await page.getByTestId('assessment-focus').click(); // the comment saves when it loses focus
    await goTo(page, 45);
    await page.getByTestId('mark-moment-hydrodissection').click();
    await poll(() => page.getByTestId('moment-hydrodissection').textContent()).toContain('frame 45');
    await page.getByTestId('assessment-focus').fill('Tunnel length; nucleus rotation.');
    await page.getByTestId('score-lens-insertion-5').click();
    await poll(async () => (await api<ReviewAssessments>('assessments.get', { reviewId: reviewIds[0] })).assessor?.scores.length).toBe(4);
    const stored = (await api<ReviewAssessments>('assessments.get', { reviewId: reviewIds[0] })).assessor!;
    expect(stored).toMatchObject({ author: 'Dr. Attending', authorRole: 'attending', focus: 'Tunnel length; nucleus rotation.' });
    expect(stored.scores.find((s) => s.stepId === 'incision')).toMatchObject({ value: 4, comment: 'Well-constructed, slightly long tunnel.' });
    expect(stored.scores.find((s) => s.stepId === 'hydrodissection')).toMatchObject({ value: 3, frameIndex: 45 });

    // The resident (role switched in Settings) scores themselves through the API.
    await as('Dr. Trainee', 'resident');
    await api('assessments.setRubric', { reviewId: reviewIds[0], rubricId: 'ico-oscar-phaco', rubricVersion: 1 });
    await api('assessments.score', { reviewId: reviewIds[0], stepId: 'incision', value: 5, comment: 'Felt confident.' });
    await api('assessments.score', { reviewId: reviewIds[0], stepId: 'hydrodissection', value: 4 });
    await api('assessments.setFocus', { reviewId: reviewIds[0], focus: 'Capsulorhexis size.' });
    await as('Dr. Attending', 'attending');
    await showTab(page, 'notes');
    await showTab(page, 'assessment');
    await poll(() => panel.getAttribute('data-kind')).toBe('assessor');
    await poll(() => page.getByTestId('other-score-incision').textContent()).toBe('Self: 5');
    expect(await page.getByTestId('other-score-hydrodissection').textContent()).toBe('Self: 4');
    expect(await page.getByTestId('other-score-draping').textContent()).toBe('Self: —');
    expect(await step('incision').getAttribute('data-value')).toBe('4');
    expect(await page.getByTestId('assessment-other-focus').textContent()).toContain('Capsulorhexis size.');
    expect(await page.getByTestId('assessment-who').textContent()).toContain('Self-assessment by Dr. Trainee shown beside');
    for (const theme of ['dark', 'light']) {
      await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
      await page.screenshot({ path: path.join(SHOTS, `assessment-panel-${theme}.png`) });
    }
    expect(app.errors).toEqual([]);
  }, 120_000);

  it('the PDF and the JSON report carry both the self-assessment and the assessor\'s scores', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'assessment-e2e-'));
    try {
      const { jobId } = await api<{ jobId: string }>('reports.export', { reviewId: reviewIds[0], folder: out, formats: ['pdf', 'json', 'csv'], options: { fields: { reviewer: true } } });
      expect(jobId).toBeTruthy();
      const base = path.join(out, `OSCAR-1-review-${reviewIds[0]}`);
      await poll(() => fs.existsSync(`${base}.pdf`) && fs.existsSync(`${base}.json`) && fs.existsSync(`${base}-assessment.csv`), 120_000).toBe(true);
      const text = squash(pdfText(`${base}.pdf`));
      expect(text).toContain(squash('Skill assessment'));
      expect(text).toContain(squash('Phacoemulsification competency (ICO-OSCAR style)'));
      expect(text).toContain(squash('Incision and paracentesis 5 Competent 4 Advanced beginner'));
      expect(text).toContain(squash('Hydrodissection 4 Advanced beginner 3 Beginner'));
      expect(text).toContain(squash('Done by preceptor'));
      expect(text).toContain(squash('slightly long tunnel.')); // pdftotext drops the hyphen where the line breaks
      expect(text).toContain(squash('Areas of focus — Self-assessment'));
      expect(text).toContain(squash('Dr. Attending'));
      const doc = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')) as ReviewReportV1;
      const [self, assessor] = doc.assessments!;
      expect(self).toMatchObject({ kind: 'self', author: 'Dr. Trainee', authorRole: 'resident', focus: 'Capsulorhexis size.' });
      expect(assessor).toMatchObject({ kind: 'assessor', author: 'Dr. Attending', authorRole: 'attending' });
      expect(self!.steps.find((s) => s.stepId === 'incision')).toMatchObject({ value: 5, label: 'Competent', comment: 'Felt confident.' });
      expect(assessor!.steps.find((s) => s.stepId === 'hydrodissection')).toMatchObject({ value: 3, label: 'Beginner', frameIndex: 45 });
      expect(assessor!.steps.find((s) => s.stepId === 'draping')).toMatchObject({ value: 'preceptor', label: 'Done by preceptor' });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);

  it('the trainee page charts three reviews\' scores per step and lists the three cases; a row opens its review', async () => {
    for (const [i, rid] of reviewIds.slice(1).entries()) {
      await api('assessments.setRubric', { reviewId: rid, rubricId: 'ico-oscar-phaco', rubricVersion: 1 });
      await api('assessments.score', { reviewId: rid, stepId: 'incision', value: 4 + i });
      await api('assessments.score', { reviewId: rid, stepId: 'hydrodissection', value: 3 + i });
      await api('assessments.score', { reviewId: rid, stepId: 'lens-insertion', value: 5 });
    }
    for (const theme of ['light', 'dark'] as const) {
      await api('settings.update', { theme });
      await page.goto(`${app.t.host.url.replace(/#.*$/, '')}#/trainees`);
      await page.getByTestId('trainee-list').waitFor();
      await page.getByTestId('trainee-item').filter({ hasText: TRAINEE }).click();
      await poll(() => page.getByTestId('trainee-name').textContent()).toBe(TRAINEE);
      const rows = page.getByTestId('trainee-review');
      await poll(() => rows.count()).toBe(3);
      expect(await rows.locator('.trainee-case').allTextContents()).toEqual(CASES.map((c) => c.code));
      const chart = page.getByTestId('trainee-chart');
      await chart.waitFor();
      // The canvas painted: lines in the steps' colours, not just the background.
      const painted = await chart.evaluate((el) => {
        const c = el as HTMLCanvasElement;
        const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let coloured = 0;
        // Grey text in the lower third (the legend's step names): light on the dark theme, dark on the light one.
        let lightText = 0;
        let darkText = 0;
        for (let i = 0; i < px.length; i += 4) {
          const [r, g, b, a] = [px[i]!, px[i + 1]!, px[i + 2]!, px[i + 3]!];
          if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
          if (i / 4 / c.width > (c.height * 2) / 3 && a > 200 && Math.max(r, g, b) - Math.min(r, g, b) < 30) {
            if (r > 170) lightText++;
            else if (r < 80) darkText++;
          }
        }
        return { coloured, lightText, darkText, width: c.width, height: c.height };
      });
      expect(painted.width).toBeGreaterThan(300);
      expect(painted.coloured).toBeGreaterThan(500);
      // The legend names the steps in the theme's text colour (it was drawn dark on the dark theme once).
      expect(theme === 'dark' ? painted.lightText : painted.darkText, 'legend text pixels').toBeGreaterThan(300);
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      await page.screenshot({ path: path.join(SHOTS, `trainee-${theme}.png`) });
    }
    // One step charted: the legend names that step alone (far fewer coloured pixels under the plot).
    const legendColour = () =>
      page.getByTestId('trainee-chart').evaluate((el) => {
        const c = el as HTMLCanvasElement;
        const px = c.getContext('2d')!.getImageData(0, Math.floor((c.height * 2) / 3), c.width, Math.ceil(c.height / 3)).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 200 && Math.max(px[i]!, px[i + 1]!, px[i + 2]!) - Math.min(px[i]!, px[i + 1]!, px[i + 2]!) > 60) n++;
        return n;
      });
    const every = await legendColour();
    await page.getByTestId('trainee-step').selectOption({ index: 1 });
    await poll(legendColour).toBeLessThan(every / 4);
    expect(await page.getByTestId('trainee-step').locator('option:checked').textContent()).toMatch(/^1\. /);
    await page.getByTestId('trainee-review').nth(1).click();
    await page.getByTestId('review').waitFor();
    expect(await currentReviewId(page)).toBe(reviewIds[1]);
    expect(app.errors).toEqual([]);
  }, 120_000);
});
