// Issue 19 (Compare): two generated videos side by side, linked at different frames; one transport steps both.
// Every step is checked on screen: each side's frame index display and the frame code in that side's pixels.
// Also: ±10, aligning at the start of the same phase segment in each review, "Capture both" into both reviews,
// two moments of one video, and screenshots in both review themes (test-results/compare/).
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFrameBand } from '../fixtures/frame-on-screen';
import { REPO } from '../fixtures/host';
import { decodeFrameIndex, makeTestVideo, type TestVideo } from '../fixtures/videos';
import { launchApp, type App } from './harness';
import { addVideo, capturedFrames, createCase, openCase, openReview, reviewId as readReviewId, storedFrameIndex } from './video-helpers';

const SHOTS = path.join(REPO, 'test-results', 'compare');
type Side = 'a' | 'b';
const sideSel = (side: Side) => `[data-testid="compare-side"][data-side="${side}"]`;

/** Waits until `side` has settled on frame k (its display says k, confirmed on screen). */
async function waitSide(page: Page, side: Side, k: number, timeout = 20_000): Promise<void> {
  try {
    await page.waitForFunction(
      ([s, want]) => {
        const e = document.querySelector(`[data-testid="compare-frame-index"][data-side="${s}"]`);
        return !!e && e.getAttribute('data-settled') === 'true' && e.textContent === String(want);
      },
      [side, k] as const,
      { timeout },
    );
  } catch (err) {
    const shown = await page.locator(`[data-testid="compare-frame-index"][data-side="${side}"]`).textContent();
    throw new Error(`Side ${side} did not settle on frame ${k} (it shows ${shown}): ${(err as Error).message}`);
  }
}

/** The frame `side` settles on (whichever it is), once it has settled. */
async function settledFrame(page: Page, side: Side): Promise<number> {
  const sel = `[data-testid="compare-frame-index"][data-side="${side}"]`;
  await page.waitForFunction((s) => document.querySelector(s)?.getAttribute('data-settled') === 'true', sel, { timeout: 20_000 });
  return Number(await page.locator(sel).textContent());
}

/** The frame code in the pixels of one side (its cache canvas or its <video>). */
async function sideOnScreen(page: Page, side: Side): Promise<number | null> {
  const band = await readFrameBand(page, sideSel(side));
  return band ? decodeFrameIndex(band.pixels, band.width, band.rows, 4) : null;
}

/** Both sides settled on (a, b), and the pixels of each carry exactly that frame. */
async function expectPair(page: Page, a: number, b: number): Promise<void> {
  await waitSide(page, 'a', a);
  await waitSide(page, 'b', b);
  expect([await sideOnScreen(page, 'a'), await sideOnScreen(page, 'b')]).toEqual([a, b]);
}

async function setSide(page: Page, side: Side, k: number): Promise<void> {
  const input = page.locator(`[data-testid="compare-side-goto"][data-side="${side}"]`);
  await input.fill(String(k));
  await input.press('Enter');
  await waitSide(page, side, k);
}

describe('Compare: two videos side by side, stepped in sync (browser host + Chromium)', () => {
  let app: App;
  let page: Page;
  let videoA: TestVideo;
  let videoB: TestVideo;
  let reviewA = 0;
  let reviewB = 0;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    videoA = await makeTestVideo({ fps: '30', durationSeconds: 4, gop: 30, bFrames: 2 });
    videoB = await makeTestVideo({ fps: '30', durationSeconds: 5, gop: 25, bFrames: 2 });
    app = await launchApp();
    page = app.page;
    await createCase(app, 'CMP-RESIDENT');
    await createCase(app, 'CMP-ATTENDING');
    await openCase(page, 'CMP-ATTENDING');
    await addVideo(page, videoB.file);
    await openCase(page, 'CMP-RESIDENT');
    await addVideo(page, videoA.file);
    // Each side opens with its scrub proxy when it is ready then: wait for both, so every run takes the same path
    // (whether a proxy was ready depended on the machine's load).
    const cases = (await app.t.call('cases.list', {})).body.value as Array<{ id: number; code: string }>;
    for (const [code, file] of [['CMP-RESIDENT', videoA.file], ['CMP-ATTENDING', videoB.file]] as const) {
      const videos = (await app.t.call('videos.list', { caseId: cases.find((c) => c.code === code)!.id })).body.value as Array<{ id: number; fileName: string }>;
      const id = videos.find((v) => v.fileName === path.basename(file))!.id;
      for (let i = 0; i < 600; i++) {
        if (((await app.t.call('videos.proxy', { id })).body.value as { state: string }).state === 'ready') break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await openReview(page, path.basename(videoA.file));
    reviewA = await readReviewId(page);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('opens from the review toolbar with another case’s video; linked at frames 40 and 70, 20 steps each way move both to the exact frames', async () => {
    await page.getByTestId('compare-button').click();
    await page.getByTestId('compare-dialog').waitFor();
    const attending = await page.locator('[data-testid="compare-case-select"] option', { hasText: 'CMP-ATTENDING' }).getAttribute('value');
    await page.getByTestId('compare-case-select').selectOption(attending!);
    await page.locator(`[data-testid="compare-pick-video"][data-file-name="${path.basename(videoB.file)}"]`).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'compare-with-dialog.png') });
    await page.locator(`[data-testid="compare-pick-video"][data-file-name="${path.basename(videoB.file)}"]`).click();
    await page.getByTestId('compare').waitFor();
    reviewB = Number(await page.getByTestId('compare').getAttribute('data-review-b'));
    expect(Number(await page.getByTestId('compare').getAttribute('data-review-a'))).toBe(reviewA);
    expect(reviewB).toBeGreaterThan(0);
    expect(reviewB).not.toBe(reviewA);
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/compare/${reviewA}/${reviewB}`);
    await expectPair(page, 0, 0);

    // A chosen frame in each: A at 40, B at 70 (each side's own Set); the link is B = A + 30.
    await setSide(page, 'a', 40);
    await setSide(page, 'b', 70);
    await expectPair(page, 40, 70);
    expect(await page.getByTestId('compare-offset').getAttribute('data-offset')).toBe('30');

    // One transport: → 20 times, then ← 20 times; after every key both sides show exactly the paired frame.
    await page.locator(`${sideSel('a')} [data-testid="review-stage"]`).click({ position: { x: 5, y: 5 } });
    for (let i = 1; i <= 20; i++) {
      await page.keyboard.press('ArrowRight');
      await expectPair(page, 40 + i, 70 + i);
    }
    for (let i = 19; i >= 0; i--) {
      await page.keyboard.press('ArrowLeft');
      await expectPair(page, 40 + i, 70 + i);
    }
    // The buttons do the same, ±10 too; the timecodes are each video's own.
    await page.getByTestId('compare-step-forward').click();
    await expectPair(page, 41, 71);
    await page.getByTestId('compare-forward-10').click();
    await expectPair(page, 51, 81);
    await page.getByTestId('compare-back-10').click();
    await page.getByTestId('compare-step-back').click();
    await expectPair(page, 40, 70);
    expect(await page.locator('[data-testid="compare-timecode"][data-side="a"]').textContent()).toBe('00:00:01.333');
    expect(await page.locator('[data-testid="compare-timecode"][data-side="b"]').textContent()).toBe('00:00:02.333');
    // Jump both: a frame of A, B at the link; past B's end the pair stops at B's last frame (149 = 119 + 30).
    await page.getByTestId('compare-goto').fill('100');
    await page.getByTestId('compare-goto').press('Enter');
    await expectPair(page, 100, 130);
    await page.getByTestId('compare-last').click();
    await expectPair(page, 119, 149);
    await page.getByTestId('compare-goto').fill('40');
    await page.getByTestId('compare-goto').press('Enter');
    await expectPair(page, 40, 70);
    expect(app.errors).toEqual([]);
  });

  it('Space plays both; pausing stops both on a linked pair', async () => {
    await page.getByTestId('compare-goto').fill('40');
    await page.getByTestId('compare-goto').press('Enter');
    await expectPair(page, 40, 70);
    await page.locator(`${sideSel('a')} [data-testid="review-stage"]`).click({ position: { x: 5, y: 5 } });
    await page.keyboard.press(' ');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="compare-frame-index"][data-side="a"]')?.textContent) > 50);
    expect(await page.getByTestId('compare-play').getAttribute('aria-label')).toBe('Pause both');
    await page.keyboard.press(' ');
    await page.waitForFunction(() => document.querySelector('[data-testid="compare-play"]')?.getAttribute('aria-label') === 'Play both');
    // Pausing settles on the frame on screen once it stops changing (the element may present one more frame after
    // pause()): read A's frame only when it has settled, not while the pause is still under way.
    const k = await settledFrame(page, 'a');
    expect(k).toBeGreaterThan(50);
    await expectPair(page, k, k + 30);
    await page.getByTestId('compare-goto').fill('40');
    await page.getByTestId('compare-goto').press('Enter');
    await expectPair(page, 40, 70);
  });

  it('"Capture both" stores each side’s frame on screen in its own review', async () => {
    await page.getByTestId('compare-goto').fill('40');
    await page.getByTestId('compare-goto').press('Enter');
    await expectPair(page, 40, 70);
    await page.getByTestId('compare-capture-both').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="compare-capture-both"]')?.hasAttribute('aria-busy'));
    const [rowsA, rowsB] = [await capturedFrames(app, reviewA), await capturedFrames(app, reviewB)];
    expect(rowsA.map((f) => f.frameIndex)).toEqual([40]);
    expect(rowsB.map((f) => f.frameIndex)).toEqual([70]);
    expect((await storedFrameIndex(app, rowsA[0]!.sha256)).index).toBe(40);
    expect((await storedFrameIndex(app, rowsB[0]!.sha256)).index).toBe(70);
    // C does it too, after a step.
    await page.keyboard.press('ArrowRight');
    await expectPair(page, 41, 71);
    await page.keyboard.press('c');
    await page.waitForFunction(() => !document.querySelector('[data-testid="compare-capture-both"]')?.hasAttribute('aria-busy'));
    await expect.poll(async () => (await capturedFrames(app, reviewB)).map((f) => f.frameIndex).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual([70, 71]);
    expect((await capturedFrames(app, reviewA)).map((f) => f.frameIndex).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual([40, 41]);
  });

  it('aligns at the start of the same phase segment in each review, then steps from there', async () => {
    const segment = async (reviewId: number, start: number, end: number) => {
      const r = await app.t.call('segments.create', { reviewId, startFrame: start, endFrame: end, startTime: start / 30, endTime: end / 30, phase: 'capsulorhexis' });
      expect(r.body.ok, JSON.stringify(r.body.error)).toBe(true);
    };
    await segment(reviewA, 12, 60);
    await segment(reviewB, 33, 90);
    await page.reload();
    await page.getByTestId('compare').waitFor();
    await page.locator('[data-testid="compare-phase-option"]').first().waitFor({ state: 'attached' });
    await page.getByTestId('compare-phase-select').selectOption('capsulorhexis');
    await expectPair(page, 12, 33);
    expect(await page.getByTestId('compare-offset').getAttribute('data-offset')).toBe('21');
    await page.locator(`${sideSel('b')} [data-testid="review-stage"]`).click({ position: { x: 5, y: 5 } });
    for (let i = 1; i <= 3; i++) {
      await page.keyboard.press('ArrowRight');
      await expectPair(page, 12 + i, 33 + i);
    }
    await page.keyboard.press('Shift+ArrowLeft');
    await expectPair(page, 5, 26);
    expect(app.errors).toEqual([]);
  });

  it('two moments of one video; looks right in both review themes (screenshots)', async () => {
    await page.goto(`${app.t.host.url.replace(/#.*$/, '')}#/compare/${reviewA}/${reviewA}`);
    await page.getByTestId('compare').waitFor();
    await setSide(page, 'a', 10);
    await setSide(page, 'b', 75);
    await page.locator(`${sideSel('a')} [data-testid="review-stage"]`).click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('ArrowRight');
    await expectPair(page, 11, 76);

    await page.goto(`${app.t.host.url.replace(/#.*$/, '')}#/compare/${reviewA}/${reviewB}`);
    for (const theme of ['dark', 'light'] as const) {
      const r = await app.t.call('settings.update', { reviewTheme: theme });
      expect(r.body.ok).toBe(true);
      for (const [w, h] of [
        [1280, 720],
        [1920, 1080],
      ] as const) {
        await page.setViewportSize({ width: w, height: h });
        await page.reload();
        await page.getByTestId('compare').waitFor();
        await setSide(page, 'a', 40);
        await setSide(page, 'b', 70);
        await expectPair(page, 40, 70);
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
        const m = await page.evaluate(() => ({ scrollW: document.scrollingElement!.scrollWidth, scrollH: document.scrollingElement!.scrollHeight }));
        expect(m.scrollW).toBeLessThanOrEqual(w);
        expect(m.scrollH).toBeLessThanOrEqual(h);
        await page.screenshot({ path: path.join(SHOTS, `compare-${w}x${h}-${theme}.png`) });
      }
    }
    await app.t.call('settings.update', { reviewTheme: 'dark' });
    expect(app.errors).toEqual([]);
  });
});
