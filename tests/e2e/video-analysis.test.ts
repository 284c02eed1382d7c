// Issue 5: analyse the paused frame. Pause on a frame of a surgery video, press A: the exact frame is captured at
// its native size, stored in the review and analysed by the generated model, streaming beside the frame; after a
// reload the review opens where the reviewer left off and the analysis is still there.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { probeImage } from '../../electron/inference/image/probe-image';
import { ensureTestModel } from '../fixtures/test-model';
import { makeTestVideo, type TestVideo } from '../fixtures/videos';
import { launchApp, type App } from './harness';
import { addVideo, capturedFrames, createCase, expectOnScreen, goTo, openCase, openReview, reviewId, storedFrameIndex, waitSettled } from './video-helpers';

/** Keeps every text the running analysis's wait line shows (it may be on screen for less than a second here). */
async function recordWaitTexts(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __waitTexts: string[]; __waitObserver?: MutationObserver };
    w.__waitTexts = [];
    w.__waitObserver?.disconnect();
    const grab = () => {
      const t = document.querySelector('[data-testid="analysis-expected"]')?.textContent;
      if (t && w.__waitTexts.at(-1) !== t) w.__waitTexts.push(t);
    };
    w.__waitObserver = new MutationObserver(grab);
    w.__waitObserver.observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}
const waitTexts = (page: Page) => page.evaluate(() => (window as unknown as { __waitTexts: string[] }).__waitTexts);

describe('Analyse the paused frame (browser host + Chromium + generated model)', () => {
  let app: App;
  let video: TestVideo;
  beforeAll(async () => {
    const model = await ensureTestModel(224);
    video = await makeTestVideo({ fps: '30000/1001', durationSeconds: 3, gop: 30 });
    app = await launchApp();
    await createCase(app, 'VID-AI');
    const loaded = await app.t.call('inference.load', { modelPath: model.modelPath, mmprojPath: model.mmprojPath, device: 'cpu', contextSize: 4096 });
    expect(loaded.body.ok, JSON.stringify(loaded.body.error)).toBe(true);
    await openCase(app.page, 'VID-AI');
    await addVideo(app.page, video.file);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('captures the exact frame on A, streams its analysis, and finds it after a reload', async () => {
    const { page } = app;
    await openReview(page, path.basename(video.file));
    const rid = await reviewId(page);
    await page.getByTestId('inference-status').getByText(/ready/i).first().waitFor({ timeout: 30_000 });

    // Play a little, pause, then step to the chosen frame (the reviewer's way of landing on a moment).
    await page.getByTestId('review-stage').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('k');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="frame-index"]')?.textContent) > 5);
    await page.keyboard.press('k');
    const paused = await waitSettled(page);
    await goTo(page, 52);
    await expectOnScreen(page, 52);
    expect(paused).toBeGreaterThan(5);

    await recordWaitTexts(page);
    await page.keyboard.press('a');
    await page.getByTestId('analysis-ai-label').first().waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="analysis-status"]')?.getAttribute('data-status') === 'completed', null, { timeout: 90_000 });
    expect(await page.getByTestId('analysis-frame-caption').getAttribute('data-frame-index')).toBe('52');
    // While it ran, the panel said how long it had taken so far, and that this first one measures the wait.
    expect(await waitTexts(page)).toContainEqual(expect.stringMatching(/^\d+:\d\d so far · the first analysis with this model here measures how long they take$/));

    // Stored: the frame (native size, frame 52 in its pixels) and its analysis.
    const frames = await capturedFrames(app, rid);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ frameIndex: 52, width: 640, height: 360 });
    expect(frames[0]!.mediaTime).toBeCloseTo((52 * 1001) / 30000, 5);
    expect(await storedFrameIndex(app, frames[0]!.sha256)).toEqual({ index: 52, width: 640, height: 360 });
    const analyses = (await app.t.call('analysis.list', { frameId: frames[0]!.id })).body.value as Array<{ status: string; answer: string; rawText: string }>;
    expect(analyses).toHaveLength(1);
    expect(analyses[0]!.status).toBe('completed');
    const text = analyses[0]!.answer || analyses[0]!.rawText;
    expect(text.length).toBeGreaterThan(0);

    // The frames list (Annotations tab) and the timeline dock mark it as analysed.
    await page.getByTestId('tab-annotations').click();
    await page.locator('[data-testid="film-thumb"][data-frame-index="52"] [data-testid="film-analysed"]').waitFor();
    await page.locator('[data-testid="scrub-marker"][data-kind="analysed"][data-frame-index="52"]').waitFor();

    // Move on (the position is saved as the reviewer moves), then reload.
    await page.getByTestId('review-stage').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expectOnScreen(page, 54);
    await expect.poll(async () => ((await app.t.call('reviews.get', { id: rid })).body.value as { lastFrameIndex: number }).lastFrameIndex, { timeout: 5000 }).toBe(54);

    await page.reload();
    await page.getByTestId('nav-review').click();
    await page.getByTestId('review').waitFor();
    await expectOnScreen(page, 54);
    // The inspector reopens on the tab the reviewer left it on.
    await page.getByTestId('panel-annotations').waitFor();
    await page.locator('[data-testid="film-thumb"][data-frame-index="52"]').click();
    await expectOnScreen(page, 52);
    await page.getByTestId('tab-analysis').click();
    const item = page.getByTestId('analysis-history-item').first();
    await item.waitFor();
    await item.click();
    expect(await page.getByTestId('panel-analysis').textContent()).toContain(text.slice(0, 30));
    expect(app.errors).toEqual([]);
  });

  it('says how long the wait is once an analysis has run: the time so far and the median here', async () => {
    const { page } = app;
    await goTo(page, 70);
    await expectOnScreen(page, 70);
    await recordWaitTexts(page);
    await page.getByTestId('review-stage').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('a');
    await page.waitForFunction(() => document.querySelector('[data-testid="analysis-frame-caption"]')?.getAttribute('data-frame-index') === '70', null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="analysis-status"]')?.getAttribute('data-status') === 'completed', null, { timeout: 90_000 });
    expect(await waitTexts(page)).toContainEqual(expect.stringMatching(/^\d+:\d\d so far · an analysis takes about \d+ s here \(median of 1(; the image encode about \d+ s)?\)$/));
  });

  it('captures a 1080p frame with C and sends its print copy for reports along with it', async () => {
    const { page } = app;
    const big = await makeTestVideo({ width: 1920, height: 1080, durationSeconds: 1, gop: 30 });
    await page.getByTestId('nav-library').click();
    await openCase(page, 'VID-AI');
    await addVideo(page, big.file);
    await openReview(page, path.basename(big.file));
    const rid = await reviewId(page);
    await goTo(page, 12);
    await expectOnScreen(page, 12);
    await page.getByTestId('review-stage').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('c');
    // The dock marks the frame once the capture call has returned (the copy is written before it returns).
    await page.locator('[data-testid="scrub-marker"][data-frame-index="12"]').waitFor({ timeout: 30_000 });
    const frames = await capturedFrames(app, rid);
    expect(frames).toHaveLength(1);
    const [frame] = frames;
    expect(frame).toMatchObject({ frameIndex: 12, width: 1920, height: 1080 });
    // The print copy is in the report cache under the frame's hash, at the size the reports print it.
    const copy = path.join(app.t.dataDir, 'cache', 'report-images', `${frame!.sha256}-1280x720-q90.jpg`);
    expect(fs.existsSync(copy)).toBe(true);
    expect(probeImage(new Uint8Array(fs.readFileSync(copy)))).toMatchObject({ format: 'jpeg', width: 1280, height: 720 });
    expect(app.errors).toEqual([]);
  });
});
