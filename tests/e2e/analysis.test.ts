// Issue 3's user flow: add a still image to a case, analyse it with the generated model, watch the tokens
// stream, and find the stored analysis with its provenance after a reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makePng } from '../fixtures/images';
import { ensureTestModel } from '../fixtures/test-model';
import { launchApp, type App } from './harness';

describe('Analyse a still image (browser host + Chromium + generated model)', () => {
  let app: App;
  let imageFile: string;
  beforeAll(async () => {
    const model = await ensureTestModel(224);
    app = await launchApp();
    imageFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'still-')), 'capsulorhexis.png');
    fs.writeFileSync(imageFile, makePng(480, 270, 11));
    await app.t.call('cases.create', { code: 'STILL-1', surgeryDate: null, eye: 'OS', surgeon: '', notes: '' });
    // Load the model through the Models view, like a user.
    const { page } = app;
    await page.getByTestId('nav-models').click();
    await page.getByTestId('model-path').fill(model.modelPath);
    await page.getByTestId('mmproj-path').fill(model.mmprojPath);
    await page.getByTestId('device-select').selectOption('cpu');
    await page.getByTestId('model-load').click();
    await page.getByTestId('inference-status').getByText(/ready|loaded/i).first().waitFor({ timeout: 60_000 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('streams the analysis and keeps it, with provenance, after a reload', async () => {
    const { page } = app;
    await page.getByTestId('nav-library').click();
    await page.locator('[data-testid="case-row"][data-case-code="STILL-1"]').click();
    await page.getByTestId('add-image-input').setInputFiles(imageFile);
    await page.getByTestId('frame-thumb').first().click();

    // Count the DOM updates of the live text: streaming means many, not one at the end.
    await page.evaluate(() => {
      (window as unknown as { __updates: number }).__updates = 0;
      const observe = () => {
        const el = document.querySelector('[data-testid="analysis-stream"]');
        if (!el) return requestAnimationFrame(observe);
        new MutationObserver(() => (window as unknown as { __updates: number }).__updates++).observe(el, { childList: true, characterData: true, subtree: true });
      };
      observe();
    });
    await page.getByTestId('analyze-button').click();
    await page.getByTestId('analysis-ai-label').first().waitFor();
    expect(await page.getByTestId('analysis-ai-label').first().textContent()).toMatch(/AI-generated, research use only, not for clinical decisions/);
    await page.getByTestId('analysis-status').getByText(/completed/i).waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { __updates: number }).__updates)).toBeGreaterThan(3);

    const frames = (await app.t.call('frames.list', { caseId: 1 })).body.value as Array<{ id: number }>;
    const stored = (await app.t.call('analysis.list', { frameId: frames[0]!.id })).body.value as Array<{ answer: string; provenance: { modelSha256: string } }>;
    expect(stored).toHaveLength(1);
    expect(stored[0]!.answer.length).toBeGreaterThan(0);

    await page.reload();
    await page.getByTestId('nav-library').click();
    await page.locator('[data-testid="case-row"][data-case-code="STILL-1"]').click();
    await page.getByTestId('frame-thumb').first().click();
    const item = page.getByTestId('analysis-history-item').first();
    await item.waitFor();
    await item.click();
    const text = await page.locator('body').textContent();
    expect(text).toContain(stored[0]!.answer.slice(0, 30));
    expect(text).toContain(stored[0]!.provenance.modelSha256.slice(0, 8));
    expect(app.errors).toEqual([]);
  });
});
