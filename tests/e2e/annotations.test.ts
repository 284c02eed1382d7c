// Annotations, segments, notes and search through the real UI (browser host + Chromium): draw each shape kind on
// the frame, move and resize one, label it, undo and redo, reload and find everything exactly as saved (compared
// through the API); mark a phase segment with I/O; write a note; the library search finds the note and the label.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Annotation, Segment } from '../../electron/api/schemas-review';
import { extractFrameRgb, makeTestVideo, type TestVideo } from '../fixtures/videos';
import { launchApp, type App } from './harness';
import { addVideo, createCase, openCase, openReview, waitSettled } from './video-helpers';

type Rect = { x: number; y: number; w: number; h: number };
/** expect.poll with room for a busy machine (every change is a round trip to the host). */
const poll = <T,>(fn: () => Promise<T> | T, o: { timeout?: number } = {}) => expect.poll(fn, { timeout: o.timeout ?? 15_000, interval: 100 });
const near = (a: number, b: number, tol = 0.02) => Math.abs(a - b) <= tol;

describe('Annotations, segments and search (browser host + Chromium)', () => {
  let app: App;
  let page: Page;
  let reviewId: number;
  let fileName: string;
  let video: TestVideo;

  beforeAll(async () => {
    video = await makeTestVideo({ durationSeconds: 3 });
    fileName = path.basename(video.file);
    app = await launchApp();
    page = app.page;
    await createCase(app, 'ANN-E2E');
    await openCase(page, 'ANN-E2E');
    await addVideo(page, video.file);
    await openReview(page, fileName);
    reviewId = Number(await page.getByTestId('review').getAttribute('data-review-id'));
  });
  afterAll(async () => {
    await app?.close();
  });

  async function api<T>(channel: string, input: unknown): Promise<T> {
    const r = await app.t.call(channel, input);
    expect(r.body.ok, JSON.stringify(r.body.error)).toBe(true);
    return r.body.value as T;
  }
  const annotations = () => api<Annotation[]>('annotations.listForReview', { reviewId });
  const byKind = async (kind: string) => (await annotations()).find((a) => a.kind === kind)!;

  /** Screen position of a point given in normalised frame coordinates (through the zoom and pan). */
  async function at(nx: number, ny: number): Promise<{ x: number; y: number }> {
    const b = (await page.getByTestId('frame-box').boundingBox())!;
    return { x: b.x + nx * b.width, y: b.y + ny * b.height };
  }
  async function drag(from: [number, number], to: [number, number], via: Array<[number, number]> = []) {
    const a = await at(...from);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    for (const p of [...via, to]) {
      const q = await at(...p);
      await page.mouse.move(q.x, q.y, { steps: 6 });
    }
    await page.mouse.up();
  }
  async function waitCount(n: number) {
    await poll(async () => (await annotations()).length).toBe(n);
    await poll(async () => Number(await page.getByTestId('annotation-layer').getAttribute('data-count'))).toBe(n);
  }
  async function tool(key: string) {
    await page.keyboard.press(key);
  }

  it('draws a box, an ellipse, an arrow, a freehand stroke and a text on the frame', async () => {
    await tool('b');
    await drag([0.1, 0.1], [0.3, 0.3]);
    await waitCount(1);
    await tool('e');
    await drag([0.5, 0.1], [0.7, 0.3]);
    await waitCount(2);
    await tool('r');
    await drag([0.1, 0.6], [0.3, 0.8]);
    await waitCount(3);
    await tool('f');
    await drag([0.5, 0.6], [0.7, 0.7], [
      [0.55, 0.65],
      [0.6, 0.62],
      [0.65, 0.7],
    ]);
    await waitCount(4);
    await tool('t');
    const p = await at(0.6, 0.85);
    await page.mouse.click(p.x, p.y);
    await page.getByTestId('annotation-text-input').fill('Rhexis edge');
    await page.getByTestId('annotation-text-input').press('Enter');
    await waitCount(5);

    const box = (await byKind('box')).geometry as Rect;
    expect(near(box.x, 0.1) && near(box.y, 0.1) && near(box.w, 0.2) && near(box.h, 0.2), JSON.stringify(box)).toBe(true);
    const ellipse = (await byKind('ellipse')).geometry as Rect;
    expect(near(ellipse.x, 0.5) && near(ellipse.w, 0.2) && near(ellipse.h, 0.2), JSON.stringify(ellipse)).toBe(true);
    const arrow = (await byKind('arrow')).geometry as { x1: number; y1: number; x2: number; y2: number };
    expect(near(arrow.x1, 0.1) && near(arrow.y1, 0.6) && near(arrow.x2, 0.3) && near(arrow.y2, 0.8), JSON.stringify(arrow)).toBe(true);
    const stroke = (await byKind('freehand')).geometry as { points: number[] };
    expect(stroke.points.length).toBeGreaterThanOrEqual(6);
    expect(near(stroke.points[0]!, 0.5) && near(stroke.points.at(-2)!, 0.7)).toBe(true);
    expect((await byKind('text')).geometry).toMatchObject({ text: 'Rhexis edge' });
    // All on the captured frame on screen, which is now in the review.
    const frames = await api<Array<{ id: number; frameIndex: number }>>('frames.listForReview', { reviewId });
    expect(new Set((await annotations()).map((a) => a.frameId))).toEqual(new Set([frames[0]!.id]));
  });

  it('selects, moves and resizes the box, and labels it from the taxonomy', async () => {
    await tool('v');
    const id = (await byKind('box')).id;
    const inside = await at(0.2, 0.2);
    await page.mouse.click(inside.x, inside.y);
    await poll(() => page.locator(`[data-annotation-id="${id}"] button`).getAttribute('aria-pressed')).toBe('true');
    await drag([0.2, 0.2], [0.25, 0.3]); // move by (+0.05, +0.1)
    await poll(async () => ((await byKind('box')).geometry as Rect).y).toBeGreaterThan(0.15);
    let g = (await byKind('box')).geometry as Rect;
    expect(near(g.x, 0.15) && near(g.y, 0.2) && near(g.w, 0.2) && near(g.h, 0.2), JSON.stringify(g)).toBe(true);
    await drag([g.x + g.w, g.y + g.h], [g.x + g.w + 0.1, g.y + g.h + 0.05]); // the bottom-right handle
    await poll(async () => ((await byKind('box')).geometry as Rect).w).toBeGreaterThan(0.25);
    g = (await byKind('box')).geometry as Rect;
    expect(near(g.x, 0.15) && near(g.y, 0.2) && near(g.w, 0.3) && near(g.h, 0.25), JSON.stringify(g)).toBe(true);
    await page.getByTestId('annotation-label').selectOption('capsulorhexis');
    await poll(async () => (await byKind('box')).label).toBe('capsulorhexis');
  });

  it('undoes and redoes across the session (Ctrl+Z / Ctrl+Shift+Z), a delete included', async () => {
    const labelled = await byKind('box');
    await page.getByTestId('review-stage').click({ position: { x: 3, y: 3 } }); // focus back on the review
    await page.keyboard.press('Control+z'); // the label
    await poll(async () => (await byKind('box')).label).toBeNull();
    await page.keyboard.press('Control+z'); // the resize
    await poll(async () => ((await byKind('box')).geometry as Rect).w).toBeLessThan(0.25);
    await page.keyboard.press('Control+Shift+z');
    await page.keyboard.press('Control+Shift+z');
    await poll(async () => (await byKind('box')).label).toBe('capsulorhexis');
    expect((await byKind('box')).geometry).toEqual(labelled.geometry);

    const arrow = await byKind('arrow');
    const g = arrow.geometry as { x1: number; y1: number; x2: number; y2: number };
    const mid = await at((g.x1 + g.x2) / 2, (g.y1 + g.y2) / 2);
    await page.mouse.click(mid.x, mid.y); // the select tool is in hand
    await poll(() => page.locator(`[data-annotation-id="${arrow.id}"] button`).getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('annotation-delete').click();
    await waitCount(4);
    await page.getByTestId('annotation-undo').click();
    await waitCount(5);
    expect(await byKind('arrow')).toMatchObject({ id: arrow.id, geometry: arrow.geometry });
    const log = await api<Array<{ action: string }>>('audit.list', { entity: 'annotation', entityId: arrow.id });
    expect(log.map((e) => e.action)).toEqual(['restore', 'delete', 'create']);
  });

  it('finds every annotation exactly as saved after a reload, and at any zoom', async () => {
    const before = await annotations();
    await page.reload();
    await page.getByTestId('nav-review').click(); // the tab remembers the open review
    await page.getByTestId('review').waitFor();
    await waitSettled(page);
    await waitCount(5);
    expect(await annotations()).toEqual(before);
    const shown = await page.locator('[data-testid="annotation-list"] li').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-annotation-id'))));
    expect(shown.sort()).toEqual(before.map((a) => a.id).sort());
    // Zoomed in, the box is still where it was saved: a click on its centre selects it.
    await page.getByTestId('review-stage').click({ position: { x: 3, y: 3 } });
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await poll(async () => Number(await page.getByTestId('review-stage').getAttribute('data-zoom'))).toBeGreaterThan(1.5);
    const box = before.find((a) => a.kind === 'box')!;
    const g = box.geometry as Rect;
    const c = await at(g.x + g.w / 2, g.y + g.h / 2);
    await page.keyboard.press('v');
    await page.mouse.click(c.x, c.y);
    await poll(() => page.locator(`[data-annotation-id="${box.id}"] button`).getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('0');
    expect(await annotations()).toEqual(before); // a click selects, it does not move
  });

  it('marks a phase segment with I and O and shows it above the scrub bar', async () => {
    const goTo = (k: number) => page.evaluate((n) => (window as unknown as { __workstationPlayer: { goTo(k: number, how: string): void } }).__workstationPlayer.goTo(n, 'seek'), k);
    await goTo(10);
    await waitSettled(page, 10);
    await page.keyboard.press('i');
    await goTo(40);
    await waitSettled(page, 40);
    await page.keyboard.press('o');
    await page.getByTestId('segment-new').waitFor();
    await page.getByTestId('segment-new-phase').selectOption('capsulorhexis');
    await page.getByTestId('segment-new-label').fill('Rhexis');
    await page.getByTestId('segment-save').click();
    await poll(async () => (await api<Segment[]>('segments.list', { reviewId })).length).toBe(1);
    const [seg] = await api<Segment[]>('segments.list', { reviewId });
    expect(seg).toMatchObject({ startFrame: 10, endFrame: 40, phase: 'capsulorhexis', label: 'Rhexis' });
    expect(seg!.endTime).toBeGreaterThan(seg!.startTime);
    await poll(() => page.locator('[data-testid="segment-block"]').count()).toBe(1);
    expect(await page.getByTestId('segment-block').getAttribute('data-phase')).toBe('capsulorhexis');
  });

  it('saves a note, and the library search finds the note and the label', async () => {
    await page.getByTestId('tab-notes').click();
    await page.getByTestId('note-text').fill('Watch the anterior capsule flap near the periphery.');
    await page.getByTestId('note-add').click();
    await poll(async () => (await api<Array<{ text: string }>>('notes.list', { reviewId })).map((n) => n.text)).toEqual([
      'Watch the anterior capsule flap near the periphery.',
    ]);

    await page.getByTestId('nav-library').click();
    const open = page.getByTestId('library-search-open');
    if (await open.isEnabled()) await open.click();
    await page.getByTestId('library-search-input').fill('periphery');
    await poll(() => page.locator('[data-testid="search-hit"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual(['note']);
    expect(await page.locator('[data-testid="search-hit"] mark').first().textContent()).toBe('periphery');
    await page.getByTestId('library-search-input').fill('capsulorhexis');
    await expect
      .poll(async () => (await page.locator('[data-testid="search-hit"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).sort())
      .toEqual(['annotation', 'segment']);
    // Filters: the phase segment puts this review under capsulorhexis, not under incision.
    await page.getByTestId('filter-phase').selectOption('incision');
    await page.getByTestId('search-empty').waitFor();
    await page.getByTestId('filter-phase').selectOption('capsulorhexis');
    await poll(() => page.locator('[data-testid="search-hit"]').count()).toBe(2);
    // A hit opens its review at its frame.
    await page.locator('[data-testid="search-hit"][data-kind="annotation"]').click();
    await page.getByTestId('review').waitFor();
    expect(await waitSettled(page)).toBe(0);
    expect(app.errors).toEqual([]);
  });

  it('makes a teaching clip of a range from the toolbar: its frames, the box drawn for the hold, progress and the file', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-clip-'));
    await page.getByTestId('teaching-clip').click();
    const dialog = page.getByTestId('clip-dialog');
    await dialog.waitFor();
    // Opened on the frame on screen (0); a segment fills the range.
    expect(await page.getByTestId('clip-from').inputValue()).toBe('0');
    await page.getByTestId('clip-segment').selectOption({ label: 'Rhexis · 10–40' });
    expect(await page.getByTestId('clip-from').inputValue()).toBe('10');
    expect(await page.getByTestId('clip-summary').textContent()).toBe('31 frames · 1.03 s of video');
    await page.getByTestId('clip-from').fill('0');
    await page.getByTestId('clip-to').fill('44');
    await page.getByTestId('clip-hold').fill('1');
    await page.getByTestId('clip-folder').fill(folder);
    await page.getByTestId('clip-export').click();
    await page.locator('[data-testid="clip-job"][data-state="completed"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('clip-file').textContent()).toMatch(/\(45 frames, 1\.50 s\)/);
    const [file] = fs.readdirSync(folder);
    expect(file).toBe(`ANN-E2E-review-${reviewId}-frames-0-44.mp4`);

    // The box (on frame 0, held 1 s) is on clip frames 0–29, not on 30 and after.
    const g = (await byKind('box')).geometry as Rect;
    const edge = async (k: number) => {
      const [a, b] = await Promise.all([extractFrameRgb(path.join(folder, file!), { index: k }), extractFrameRgb(video.file, { index: k })]);
      const x0 = Math.round(g.x * a.width);
      let sum = 0;
      let n = 0;
      for (let y = Math.round((g.y + g.h * 0.3) * a.height); y < Math.round((g.y + g.h * 0.7) * a.height); y++) {
        for (let x = x0 - 2; x <= x0 + 2; x++) for (let c = 0; c < 3; c++, n++) sum += Math.abs(a.data[(y * a.width + x) * 3 + c]! - b.data[(y * a.width + x) * 3 + c]!);
      }
      return sum / n;
    };
    expect(await edge(0)).toBeGreaterThan(20);
    expect(await edge(29)).toBeGreaterThan(20);
    expect(await edge(30)).toBeLessThan(8);
    await page.getByTestId('clip-close').click();
    await dialog.waitFor({ state: 'detached' });
    expect(app.errors).toEqual([]);
  });
});
