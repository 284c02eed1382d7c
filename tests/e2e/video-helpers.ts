// Helpers for the video review end-to-end tests: import a test video into a case through the UI, open its
// review, move the player the way a reviewer does, and read back which frame is really on screen (the block
// code in the pixels) and which frame a stored capture holds.
import { expect } from 'vitest';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { readFrameBand } from '../fixtures/frame-on-screen';
import { codeBlockSize, decodeFrameIndex } from '../fixtures/videos';
import type { App } from './harness';

export interface CapturedFrameRow {
  id: number;
  sha256: string;
  frameIndex: number | null;
  mediaTime: number | null;
  width: number;
  height: number;
}

/** Creates a case through the API (the Library UI is tested elsewhere), reloads the page, and returns its id. */
export async function createCase(app: App, code: string): Promise<number> {
  const r = await app.t.call('cases.create', { code, surgeryDate: null, eye: 'OD', surgeon: '', notes: '' });
  expect(r.body.ok, JSON.stringify(r.body.error)).toBe(true);
  await app.page.reload();
  return (r.body.value as { id: number }).id;
}

export async function openCase(page: Page, code: string): Promise<void> {
  await page.getByTestId('nav-library').click();
  await page.locator(`[data-testid="case-row"][data-case-code="${code}"]`).click();
  await page.locator(`[data-testid="case-detail"][data-case-code="${code}"]`).waitFor();
}

/** Adds a video file to the open case by its path, like a reviewer, and waits until it is listed. */
export async function addVideo(page: Page, file: string): Promise<void> {
  await page.getByTestId('video-path').fill(file);
  await page.getByTestId('video-add').click();
  const name = file.split('/').pop()!;
  await page.locator(`[data-testid="video-row"][data-file-name="${name}"]`).waitFor({ timeout: 60_000 });
  await page.getByTestId('video-job').waitFor({ state: 'detached', timeout: 60_000 });
}

/** Opens the review of a listed video and waits until its first frame is confirmed on screen. */
export async function openReview(page: Page, fileName: string): Promise<void> {
  await page.locator(`[data-testid="video-row"][data-file-name="${fileName}"]`).getByTestId('open-review').click();
  await page.getByTestId('review').waitFor();
  await waitSettled(page);
}

/** Waits until the player has confirmed frame `k` (or, without k, whatever frame it is on) on screen. */
/** Waits until the player has settled on a frame in lo..hi (inclusive); returns it. */
export async function waitSettledWithin(page: Page, lo: number, hi: number, timeout = 20_000): Promise<number> {
  await page.waitForFunction(
    ([a, b]) => {
      const e = document.querySelector('[data-testid="frame-index"]');
      const n = Number(e?.textContent);
      return !!e && e.getAttribute('data-settled') === 'true' && n >= a! && n <= b!;
    },
    [lo, hi],
    { timeout },
  );
  return Number(await page.getByTestId('frame-index').textContent());
}

export async function waitSettled(page: Page, k?: number, timeout = 20_000): Promise<number> {
  const el = page.getByTestId('frame-index');
  try {
    await page.waitForFunction(
      (want) => {
        const e = document.querySelector('[data-testid="frame-index"]');
        return !!e && e.getAttribute('data-settled') === 'true' && (want === null || e.textContent === String(want));
      },
      k ?? null,
      { timeout },
    );
  } catch (err) {
    const state = await page.evaluate(() => JSON.stringify((window as unknown as { __workstationPlayer?: { getState(): unknown } }).__workstationPlayer?.getState() ?? null));
    throw new Error(`Frame ${k ?? '(any)'} did not settle: ${(err as Error).message}\nplayer state: ${state}`);
  }
  return Number(await el.textContent());
}

/** The frame index the pixels on screen carry: the canvas when the frame cache drew it, else the video. */
export async function frameOnScreen(page: Page): Promise<number | null> {
  const band = await readFrameBand(page);
  if (!band) return null;
  expect(codeBlockSize(band.width) * 2).toBe(band.rows);
  return decodeFrameIndex(band.pixels, band.width, band.rows, 4);
}

/** Asserts that frame k is settled: the index display says k and the pixels on screen carry k. */
export async function expectOnScreen(page: Page, k: number, timeout?: number): Promise<void> {
  await waitSettled(page, k, timeout);
  expect(await frameOnScreen(page)).toBe(k);
}

/** The path (cache / seek / play) and time (ms) of the last navigation, from the frame index display. */
export async function lastNavigation(page: Page): Promise<{ path: string; ms: number; source: string }> {
  const el = page.getByTestId('frame-index');
  return { path: (await el.getAttribute('data-path')) ?? '', ms: Number(await el.getAttribute('data-ms')), source: (await el.getAttribute('data-source')) ?? '' };
}

/** Uses the "Go to" field (a frame number or a timecode). */
export async function goTo(page: Page, target: number | string): Promise<void> {
  await page.getByTestId('goto-input').fill(String(target));
  await page.getByTestId('goto-input').press('Enter');
}

/** Presses ← or → n times, waiting for each frame to settle before the next (a reviewer looking at each). */
export async function stepKeys(page: Page, n: number): Promise<void> {
  // Keys go to the page, not the go-to field.
  await page.getByTestId('review-stage').click({ position: { x: 5, y: 5 } });
  for (let i = 0; i < Math.abs(n); i++) {
    const before = Number(await page.getByTestId('frame-index').textContent());
    await page.keyboard.press(n > 0 ? 'ArrowRight' : 'ArrowLeft');
    await waitSettled(page, before + Math.sign(n));
  }
}

/** Switches the WebCodecs frame cache on or off with the "Fast stepping" switch. */
export async function setFrameCache(page: Page, on: boolean): Promise<void> {
  const toggle = page.getByTestId('frame-cache-toggle');
  await page.waitForFunction(() => document.querySelector('[data-testid="frame-cache-status"]')?.getAttribute('data-state') !== 'loading');
  if ((await toggle.isChecked()) !== on) await toggle.click();
  await page.waitForFunction((want) => {
    const state = document.querySelector('[data-testid="frame-cache-status"]')?.getAttribute('data-state');
    return want ? state === 'on' : state === 'off';
  }, on);
}

/** The review's captured frames, from the API. */
export async function capturedFrames(app: App, reviewId: number): Promise<CapturedFrameRow[]> {
  const r = await app.t.call('frames.listForReview', { reviewId });
  expect(r.body.ok, JSON.stringify(r.body.error)).toBe(true);
  return r.body.value as CapturedFrameRow[];
}

/** Fetches a stored frame image through the media route and decodes its frame code. */
export async function storedFrameIndex(app: App, sha256: string): Promise<{ index: number | null; width: number; height: number }> {
  const res = await fetch(`http://127.0.0.1:${app.t.host.port}/media/frames/${sha256}`, { headers: { Authorization: `Bearer ${app.t.host.token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/png/);
  const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
  return { index: decodeFrameIndex(png.data, png.width, png.height, 4), width: png.width, height: png.height };
}

/** Presses C on the settled frame and returns the stored frame row once the API lists it. */
export async function captureWithKey(app: App, page: Page, reviewId: number): Promise<CapturedFrameRow> {
  const k = await waitSettled(page);
  const before = new Set((await capturedFrames(app, reviewId)).map((f) => f.id));
  await page.keyboard.press('c');
  // The timeline dock's Captured lane marks it once the capture call has returned.
  await page.locator(`[data-testid="scrub-marker"][data-frame-index="${k}"]`).first().waitFor();
  const rows = await capturedFrames(app, reviewId);
  const row = rows.find((f) => f.frameIndex === k && !before.has(f.id)) ?? rows.find((f) => f.frameIndex === k);
  expect(row, `a captured frame ${k}`).toBeTruthy();
  return row!;
}

export async function reviewId(page: Page): Promise<number> {
  return Number(await page.getByTestId('review').getAttribute('data-review-id'));
}

export { seededRandom } from '../fixtures/random';

/** Shows an inspector tab (Analysis, Annotations, Tags, Notes, History). */
export async function showTab(page: Page, tab: 'analysis' | 'annotations' | 'tags' | 'notes' | 'history' | 'assessment'): Promise<void> {
  await page.getByTestId(`tab-${tab}`).click();
  await page.getByTestId(`panel-${tab}`).waitFor();
}

/**
 * Resizes the page and waits until the workspace has laid itself out for the new size: the window reports it and
 * the inspector's width (which follows the window until dragged) has held still for three frames. Reading a panel
 * straight after setViewportSize can see the old layout (React applies the resize a task later).
 */
export async function resizeWindow(page: Page, width: number, height: number): Promise<void> {
  await page.setViewportSize({ width, height });
  await page.evaluate(async (w) => {
    const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
    const inspectorWidth = () => document.querySelector('[data-testid="inspector"]')?.getBoundingClientRect().width ?? -1;
    let last = -2;
    let still = 0;
    for (let i = 0; i < 120 && still < 3; i++) {
      await frame();
      const now = inspectorWidth();
      still = innerWidth === w && now === last ? still + 1 : 0;
      last = now;
    }
  }, width);
}
