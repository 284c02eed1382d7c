// Issue 4's user flow in the real UI: import the generated tiny model through the Models view, activate it on
// the CPU, see it listed with its device, run the Test on the bundled sample image and watch the text stream,
// set and clear the Hugging Face token (the page only ever shows set / not set), and remove the model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestModel } from '../fixtures/test-model';
import { launchApp, type App } from './harness';

const TOKEN = 'hf_e2eSecretToken_0123456789';

describe('Models view (browser host + Chromium + generated model)', () => {
  let app: App;
  let model: { modelPath: string; mmprojPath: string };
  beforeAll(async () => {
    model = await ensureTestModel(224);
    app = await launchApp();
    await app.page.getByTestId('nav-models').click();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('shows the catalog: the fine-tune with how to get it, the base model labelled as not fine-tuned', async () => {
    const { page } = app;
    const fine = page.locator('[data-testid="catalog-entry"][data-catalog-id="medgemma-cataract"]');
    await fine.waitFor();
    expect(await fine.getByTestId('catalog-how-to-get').textContent()).toMatch(/scripts\/convert-model/);
    expect(await fine.getByTestId('catalog-download').count()).toBe(0);
    const base = page.locator('[data-testid="catalog-entry"][data-catalog-id="medgemma-4b-it-q4-k-m"]');
    expect(await base.textContent()).toMatch(/NOT fine-tuned for cataract review/);
    expect(await base.getByTestId('catalog-download').isEnabled()).toBe(true);
  });

  it('imports the model, activates it on the CPU and lists it with its device', async () => {
    const { page } = app;
    await page.getByTestId('import-kind-files').check();
    await page.getByTestId('import-model-path').fill(model.modelPath);
    await page.getByTestId('import-mmproj-path').fill(model.mmprojPath);
    await page.getByTestId('import-mode').selectOption('copy');
    await page.getByTestId('import-submit').click();
    const row = page.getByTestId('installed-model').first();
    await row.waitFor();
    expect(await row.textContent()).toMatch(/tiny-gemma3/);
    expect(await row.textContent()).toMatch(/F16/);
    expect(await row.getByTestId('installed-sha').textContent()).toMatch(/^[0-9a-f]{12}$/);

    await row.getByTestId('model-activate').click();
    const dialog = page.getByTestId('activate-dialog');
    await dialog.getByTestId('activate-device').selectOption('cpu');
    await dialog.getByTestId('activate-context').fill('2048');
    await dialog.getByTestId('activate-confirm').click();
    await page.locator('[data-testid="installed-model"][data-loaded="true"]').waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('data-active')).toBe('true');
    await row.getByTestId('active-marker').waitFor();
    expect(await row.getByTestId('installed-device').textContent()).toMatch(/^cpu/);
    await page.getByTestId('inference-status').getByText(/ready/i).first().waitFor();
  });

  it('tests the active model on the sample image with a streamed answer', async () => {
    const { page } = app;
    // Token events as the host sends them, and the DOM updates of the test panel as the page paints them (the
    // tiny model is fast enough for React to paint several tokens at once).
    let tokens = 0;
    const off = app.t.events.subscribe((name) => {
      if (name === 'models.testToken') tokens++;
    });
    await page.evaluate(() => {
      const w = window as unknown as { __paints: number };
      w.__paints = 0;
      const el = document.querySelector('[data-testid="model-test"]')!;
      new MutationObserver(() => w.__paints++).observe(el, { childList: true, characterData: true, subtree: true });
    });
    await page.getByTestId('model-test-button').click();
    await page.locator('[data-testid="model-test-status"][data-status="completed"]').waitFor({ timeout: 60_000 });
    off();
    expect(await page.getByTestId('model-test-status').textContent()).toMatch(/on cpu/);
    expect(await page.getByTestId('model-test-ai-label').textContent()).toMatch(/research use only/);
    const shown = (await page.getByTestId('model-test-text').textContent()) ?? '';
    expect(shown.length).toBeGreaterThan(0);
    expect(tokens).toBeGreaterThan(3);
    expect(await page.evaluate(() => (window as unknown as { __paints: number }).__paints)).toBeGreaterThan(1);
  });

  it('a model process that keeps crashing is unloaded with a clear message, and "Load again" brings it back', async () => {
    const { page } = app;
    const inference = app.t.services.inference;
    for (let crash = 1; crash <= 3; crash++) {
      const pid = inference.workerPid!;
      process.kill(pid, 'SIGKILL');
      if (crash === 3) break;
      // The restart comes after a pause; kill the next process while it loads the model again.
      const deadline = Date.now() + 30_000;
      while ((inference.workerPid === undefined || inference.workerPid === pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    }
    const message = page.getByTestId('model-status-message');
    await message.getByText(/stopped 3 times within 2 minutes/).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('inference-status').getAttribute('data-state')).toBe('error');
    expect(inference.workerPid).toBeUndefined();
    await page.getByTestId('model-status-card').getByTestId('load-again').click();
    await page.locator('[data-testid="inference-status"][data-state="ready"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('load-again').count()).toBe(0);
  });

  it('sets and clears the Hugging Face token without ever showing it', async () => {
    const { page } = app;
    const status = page.getByTestId('token-status');
    expect(await status.textContent()).toBe('not set');
    await page.getByTestId('token-input').fill(TOKEN);
    await page.getByTestId('token-save').click();
    await page.locator('[data-testid="token-status"][data-set="true"]').waitFor();
    expect(await status.textContent()).toBe('set');
    expect(await page.getByTestId('token-input').inputValue()).toBe('');
    // Leave the view and come back: the page asks again and still learns only "set".
    await page.getByTestId('nav-library').click();
    await page.getByTestId('nav-models').click();
    await page.locator('[data-testid="token-status"][data-set="true"]').waitFor();
    expect(await page.content()).not.toContain(TOKEN);
    expect(JSON.stringify((await app.t.call('secrets.status', {})).body)).not.toContain(TOKEN);
    await page.getByTestId('token-clear').click();
    await page.locator('[data-testid="token-status"][data-set="false"]').waitFor();
    expect(await status.textContent()).toBe('not set');
  });

  it('removes the model after confirmation', async () => {
    const { page } = app;
    await page.getByTestId('installed-model').first().getByTestId('model-remove').click();
    const confirm = page.getByTestId('confirm-dialog');
    expect(await confirm.textContent()).toMatch(/unloaded first/);
    await confirm.getByTestId('confirm-yes').click();
    await page.getByTestId('installed-model').waitFor({ state: 'detached' });
    expect(await page.getByText('No model installed yet').count()).toBe(1);
    expect(app.errors).toEqual([]);
  });
});
