// Settings → Engine → Remote, through the UI: serve-model's OpenAI-compatible server runs in this process on
// loopback with the generated model and an API key; the reviewer enters the server, tests the connection (a wrong
// key is refused with the 401 explanation), uses it, sees the server in Models, and analyses a still image: the
// text equals what the local engine writes for that image.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkWorker } from '../../electron/inference/fork-worker';
import { createInferenceClient, type InferenceClient } from '../../electron/inference/inference-client';
import { createOpenAIServer, type OpenAIServer } from '../../electron/inference/openai-server';
import { SEED_MAX_TOKENS, SEED_PROMPT } from '../../electron/inference/prompt';
import { makePng } from '../fixtures/images';
import { ensureTestModel } from '../fixtures/test-model';
import { launchApp, type App } from './harness';

const MODEL_ID = 'tiny-remote';
const KEY = 'e2e-key-51c0';

describe('Remote engine settings (browser host + Chromium + serve-model on loopback)', () => {
  let app: App;
  let serving: InferenceClient;
  let server: OpenAIServer;
  let url: string;
  let imageFile: string;
  let image: Uint8Array;

  beforeAll(async () => {
    const model = await ensureTestModel(224);
    serving = createInferenceClient({ spawnWorker: forkWorker });
    await serving.load({ ...model, device: 'cpu', contextSize: 4096 });
    server = createOpenAIServer({ client: serving, modelId: MODEL_ID, apiKey: KEY });
    url = (await server.listen(0, '127.0.0.1')).url;
    image = makePng(480, 270, 23);
    imageFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'remote-still-')), 'rhexis.png');
    fs.writeFileSync(imageFile, image);
    app = await launchApp();
    await app.t.call('cases.create', { code: 'REMOTE-1', surgeryDate: null, eye: 'OD', surgeon: '', notes: '' });
  });
  afterAll(async () => {
    await app?.close();
    await server?.close();
    await serving?.close();
  });

  it('tests the connection, refuses a wrong key clearly, uses the server, and shows it in Models', async () => {
    const { page } = app;
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('engine-remote').check();
    expect(await page.getByTestId('remote-key-status').textContent()).toBe('not set');
    await page.getByTestId('remote-url').fill(url);

    await page.getByTestId('remote-key').fill('wrong-key');
    await page.getByTestId('remote-test').click();
    const result = page.getByTestId('remote-test-result');
    await result.waitFor();
    expect(await result.getAttribute('data-ok')).toBe('false');
    expect(await result.textContent()).toMatch(/401|API key/i);

    await page.getByTestId('remote-key').fill(KEY);
    await page.getByTestId('remote-test').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="remote-test-result"]')?.getAttribute('data-ok') === 'true');
    expect(await result.textContent()).toMatch(/✓/);
    expect(await page.getByTestId('remote-model').inputValue()).toBe(MODEL_ID);
    expect(await page.getByTestId('remote-test-warning').count()).toBe(0);

    await page.getByTestId('remote-use').click();
    await page.getByTestId('remote-in-use').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('remote-in-use').textContent()).toContain(MODEL_ID);
    expect(await page.getByTestId('remote-key-status').textContent()).toBe('saved');
    expect(await page.getByTestId('remote-key').inputValue()).toBe(''); // never shown again

    const settings = (await app.t.call('settings.get', {})).body.value as { engine: string; remoteUrl: string; remoteModel: string };
    expect(settings).toMatchObject({ engine: 'remote', remoteModel: MODEL_ID });
    expect(JSON.stringify(settings)).not.toContain(KEY);

    await page.getByTestId('nav-models').click();
    const card = page.getByTestId('model-status-card');
    await page.getByTestId('model-status-server').waitFor();
    expect(await page.getByTestId('model-status-server').textContent()).toContain(MODEL_ID);
    expect(await card.textContent()).not.toMatch(/\.gguf/);
  });

  it('analyses a still image on the server; the text equals the local engine\'s for that image', async () => {
    const { page } = app;
    const local = await serving.analyze('local-reference', { image, prompt: SEED_PROMPT, maxTokens: SEED_MAX_TOKENS });

    await page.getByTestId('nav-library').click();
    await page.locator('[data-testid="case-row"][data-case-code="REMOTE-1"]').click();
    await page.getByTestId('add-image-input').setInputFiles(imageFile);
    await page.getByTestId('frame-thumb').first().click();
    await page.getByTestId('analyze-button').click();
    await page.getByTestId('analysis-status').getByText(/completed/i).waitFor({ timeout: 90_000 });

    const frames = (await app.t.call('frames.list', { caseId: 1 })).body.value as Array<{ id: number }>;
    const stored = (await app.t.call('analysis.list', { frameId: frames[0]!.id })).body.value as Array<{ rawText: string; answer: string; provenance: { serverUrl?: string; remoteModel?: string } }>;
    expect(stored).toHaveLength(1);
    expect(stored[0]!.rawText).toBe(local.text);
    expect(stored[0]!.provenance).toMatchObject({ remoteModel: MODEL_ID });
    expect(stored[0]!.provenance.serverUrl).toContain('127.0.0.1');
    expect(await page.locator('body').textContent()).toContain(stored[0]!.answer.slice(0, 30));
    expect(app.errors).toEqual([]);
  });

  it('clears the saved key', async () => {
    const { page } = app;
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('remote-key-clear').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="remote-key-status"]')?.textContent === 'not set');
    const secrets = (await app.t.call('secrets.status', {})).body.value as { secrets: Array<{ name: string; set: boolean }> };
    expect(secrets.secrets.find((s) => s.name === 'remote-api-key')?.set).toBe(false);
  });
});
