// The export dialog through the real UI (browser host + Chromium): open a review, capture a frame, open
// "Export report…", see the first-page preview, export PDF + JSON into a folder and see the files listed; a
// folder that is really a file gives a clear message and writes nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestVideo } from '../fixtures/videos';
import { launchApp, type App } from './harness';
import { addVideo, createCase, openCase, openReview } from './video-helpers';

describe('Export report dialog (browser host + Chromium)', () => {
  let app: App;
  let page: Page;
  let out: string;
  let reviewId: number;

  beforeAll(async () => {
    const video = await makeTestVideo({ durationSeconds: 2 });
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'report-e2e-'));
    app = await launchApp();
    page = app.page;
    await createCase(app, 'RPT-E2E');
    await openCase(page, 'RPT-E2E');
    await addVideo(page, video.file);
    await openReview(page, path.basename(video.file));
    await page.getByTestId('tab-annotations').click();
    await page.getByTestId('capture-button').click();
    reviewId = Number(await page.getByTestId('review').getAttribute('data-review-id'));
    // Wait until the capture is stored (a hook cannot use expect.poll).
    for (let i = 0; i < 150; i++) {
      if (((await app.t.call('frames.listForReview', { reviewId })).body.value as unknown[]).length === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    await app?.close();
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it('previews the first page and exports the chosen formats with progress', async () => {
    await page.getByTestId('export-report').click();
    const dialog = page.getByTestId('export-report-dialog');
    await dialog.waitFor();
    await dialog.locator('[data-testid="report-preview"] img').waitFor({ timeout: 30_000 });
    const natural = await dialog.locator('[data-testid="report-preview"] img').evaluate((img: HTMLImageElement) => img.naturalWidth);
    expect(natural).toBe(794);
    // De-identified by default: the name fields start off.
    expect(await page.getByTestId('report-field-surgeon').isChecked()).toBe(false);
    expect(await page.getByTestId('report-field-reviewer').isChecked()).toBe(false);

    await page.getByTestId('report-format-json').check();
    await page.getByTestId('report-folder').fill(out);
    await page.getByTestId('report-export').click();
    await page.locator('[data-testid="report-job"][data-state="completed"]').waitFor({ timeout: 60_000 });
    const listed = await page.getByTestId('report-files').locator('li').allTextContents();
    const names = [`RPT-E2E-review-${reviewId}.json`, `RPT-E2E-review-${reviewId}.pdf`];
    expect(listed.map((f) => path.basename(f)).sort()).toEqual(names);
    expect(fs.readdirSync(out).sort()).toEqual(names);
    expect(fs.readFileSync(path.join(out, names[1]!)).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('says clearly when the folder cannot be used, and writes nothing', async () => {
    const file = path.join(out, 'a-file.txt');
    fs.writeFileSync(file, 'x');
    const before = fs.readdirSync(out).sort();
    await page.getByTestId('report-folder').fill(path.join(file, 'reports'));
    await page.getByTestId('report-export').click();
    await expect.poll(async () => page.getByTestId('report-error').textContent(), { timeout: 15_000 }).toMatch(/is not a folder.*Nothing was written/);
    expect(fs.readdirSync(out).sort()).toEqual(before);
    expect(app.errors).toEqual([]);
  });
});
