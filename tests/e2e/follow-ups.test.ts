// Issue 13: ask about the frame. On a captured frame's analysis, the reviewer asks a question (Enter sends), then a
// chip; each answer streams below the analysis and reuses the model's context (no image encode); after restarting
// the app the conversation is still there. (Cancelling a streaming answer is checked deterministically in
// tests/integration/follow-ups.test.ts: the tiny model finishes 512 tokens before a click could land.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTestModel } from '../fixtures/test-model';
import { makeTestVideo, type TestVideo } from '../fixtures/videos';
import { launchApp, type App } from './harness';
import { addVideo, capturedFrames, createCase, expectOnScreen, goTo, openCase, openReview, reviewId } from './video-helpers';

describe('Ask about this frame (browser host + Chromium + generated model)', () => {
  let app: App;
  let video: TestVideo;
  let model: { modelPath: string; mmprojPath: string };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-followups-'));
  const shots = process.env.SCREENSHOT_DIR;

  beforeAll(async () => {
    model = await ensureTestModel(224);
    video = await makeTestVideo({ fps: '30000/1001', durationSeconds: 2, gop: 30 });
    app = await launchApp({ dataDir });
    await createCase(app, 'VID-ASK');
    const loaded = await app.t.call('inference.load', { modelPath: model.modelPath, mmprojPath: model.mmprojPath, device: 'cpu', contextSize: 4096 });
    expect(loaded.body.ok, JSON.stringify(loaded.body.error)).toBe(true);
    await openCase(app.page, 'VID-ASK');
    await addVideo(app.page, video.file);
  });
  afterAll(async () => {
    await app?.close();
  });

  const turns = () => app.page.getByTestId('follow-up-turn');

  it('asks two questions about a captured frame, streams the answers, and keeps them after a restart', async () => {
    const { page } = app;
    await openReview(page, path.basename(video.file));
    const rid = await reviewId(page);
    await page.getByTestId('inference-status').getByText(/ready/i).first().waitFor({ timeout: 30_000 });
    await page.getByTestId('review-stage').click({ position: { x: 5, y: 5 } });
    await goTo(page, 20);
    await expectOnScreen(page, 20);
    await page.keyboard.press('a');
    await page.waitForFunction(() => document.querySelector('[data-testid="analysis-status"]')?.getAttribute('data-status') === 'completed', null, { timeout: 90_000 });

    // Question 1: typed, Enter sends; the answer streams below the analysis, under the AI label.
    const input = page.getByTestId('ask-input');
    await input.fill('Where is the instrument tip?');
    await input.press('Enter');
    await turns().first().waitFor({ timeout: 60_000 });
    await page.getByTestId('follow-up-ai-label').waitFor();
    expect(await turns().first().getAttribute('data-status')).toBe('completed');
    expect(await turns().first().textContent()).toContain('Where is the instrument tip?');
    expect(await turns().first().getByTestId('follow-up-facts').textContent()).toContain('image not encoded again');
    // Esc in the box clears the question (and sends nothing).
    await input.fill('never sent');
    await input.press('Escape');
    expect(await input.inputValue()).toBe('');

    // Question 2: a one-click chip.
    await page.getByTestId('ask-chip').filter({ hasText: 'What is the main risk at this moment?' }).click();
    await expect.poll(() => turns().count(), { timeout: 60_000 }).toBe(2);
    expect(await turns().nth(1).textContent()).toContain('What is the main risk at this moment?');
    if (shots) {
      for (const theme of ['light', 'dark']) {
        await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
        await page.screenshot({ path: path.join(shots, `follow-ups-${theme}.png`), fullPage: false });
      }
    }

    const frames = await capturedFrames(app, rid);
    const analyses = (await app.t.call('analysis.list', { frameId: frames[0]!.id })).body.value as Array<{ id: number }>;
    const stored = (await app.t.call('analysis.turns', { analysisId: analyses[0]!.id })).body.value as Array<{ question: string; status: string; timings: { encodeMs: number } }>;
    expect(stored.map((t) => t.question)).toEqual(['Where is the instrument tip?', 'What is the main risk at this moment?']);
    expect(stored.map((t) => t.timings.encodeMs)).toEqual([0, 0]);

    // Restart the app on the same library: the conversation is shown again.
    await app.close();
    app = await launchApp({ dataDir });
    await openCase(app.page, 'VID-ASK');
    await openReview(app.page, path.basename(video.file));
    // The frame's marker on the timeline dock opens it; its conversation is on the Analysis tab.
    await app.page.locator('[data-testid="scrub-marker"][data-frame-index="20"]').click();
    await app.page.getByTestId('tab-analysis').click();
    await expect.poll(() => app.page.getByTestId('follow-up-turn').count(), { timeout: 30_000 }).toBe(2);
    expect(app.errors).toEqual([]);
  });
});
