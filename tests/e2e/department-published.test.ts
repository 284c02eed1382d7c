// The department web view on a review published from a workstation (issue #18): a real workstation library
// (tests/fixtures/local-review.ts) published with publishReview to a real department server (SQLite, a media folder)
// whose engine is a real peer, serve-model's OpenAI-compatible server over the tiny generated model; Chromium shows
// the captured frames with their annotations drawn over them, adds a note on a frame, and asks the model about the
// frame: it waits its turn behind another reviewer's question (held at the peer by a "gate", so the order is made
// certain, not timed), the text streams in and the stored analysis is listed with its provenance, and appears live in
// another reviewer's browser on the same review (`analysis.created` on its event stream). A second server on
// the same library without an engine explains why it cannot analyse. Screenshots in test-results/department/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishReview } from '../../electron/core/department-publish/publish';
import { createAccounts } from '../../electron/core/department/accounts';
import { createAnalysesStore } from '../../electron/core/department/analyses-store';
import { DepartmentClient } from '../../electron/core/department/client';
import { openLibraryDb, type LibraryDbHandle } from '../../electron/core/department/db';
import { createLibraryStore, type LibraryStore } from '../../electron/core/department/library-store';
import { migrateLibrary } from '../../electron/core/department/migrations';
import { inProcessReviewEvents, type ReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { forkWorker } from '../../electron/inference/fork-worker';
import { createInferenceClient, type InferenceClient } from '../../electron/inference/inference-client';
import { createOpenAIServer, type OpenAIServer } from '../../electron/inference/openai-server';
import { SEED_PROMPT } from '../../electron/inference/prompt';
import { FAST_SCRYPT, seedReviewers } from '../fixtures/department-library';
import { makePng } from '../fixtures/images';
import { addLocalReview, openLocalFixture, uniqueVideo, type LocalFixture, type LocalReviewSeed } from '../fixtures/local-review';
import { ensureTestModel } from '../fixtures/test-model';
import { CHROMIUM, CHROMIUM_ARGS } from './harness';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = path.join(ROOT, 'test-results', 'department');
const PASSWORD = 'correct-horse-battery-1';
const KEY = 'sk-peer-engine-key-e2e-51c0';
const TITLE = 'CASE-1042 — Dr Rhea Resident';

let dir: string;
let peerClient: InferenceClient;
let peer: OpenAIServer;
let handle: LibraryDbHandle;
let events: ReviewEvents;
let store: LibraryStore;
let server: DepartmentServer;
let bare: DepartmentServer;
let browser: Browser;
let local: LocalFixture;
let seeded: LocalReviewSeed;
let reviewId: number;
const pageErrors: string[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-published-e2e-'));
  const web = path.join(dir, 'web');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-department-web.mjs'), '--out', web, '--quiet'], { stdio: 'inherit' });
  const [model, video, launched] = await Promise.all([
    ensureTestModel(224),
    uniqueVideo(path.join(dir, 'videos')),
    chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
  ]);
  browser = launched;
  peerClient = createInferenceClient({ spawnWorker: forkWorker });
  await peerClient.load({ ...model, device: 'cpu', contextSize: 4096 });
  peer = createOpenAIServer({ client: peerClient, modelId: 'tiny-cataract', apiKey: KEY });
  const peerUrl = (await peer.listen(0)).url;

  handle = openLibraryDb({ kind: 'sqlite', file: path.join(dir, 'library.sqlite') });
  await migrateLibrary(handle);
  const accounts = createAccounts(handle, { scrypt: FAST_SCRYPT });
  events = inProcessReviewEvents();
  store = createLibraryStore(handle, { changes: events.sink });
  const common = { accounts, store, events, webRoot: web, mediaDir: path.join(dir, 'media'), analyses: createAnalysesStore(handle, { changes: events.sink }), version: '9.9.9-e2e' };
  server = await startDepartmentServer({ ...common, engine: { url: peerUrl, key: KEY } });
  bare = await startDepartmentServer({ ...common, engine: null });
  await seedReviewers(accounts, PASSWORD);

  // The workstation publishes its review: video, three captured frames, four annotations, one analysis.
  local = openLocalFixture(path.join(dir, 'workstation'));
  seeded = await addLocalReview(local, video, { frames: 3, code: 'CASE-1042' });
  const rhea = await signedIn('rhea');
  reviewId = (await publishReview(local.library, rhea, seeded.reviewId)).reviewId;
  fs.mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await bare?.close();
  await events?.close();
  await handle?.close();
  local?.close();
  await peer?.close();
  await peerClient?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function signedIn(username: string): Promise<DepartmentClient> {
  const c = new DepartmentClient({ baseUrl: server.url });
  await c.login(username, PASSWORD);
  return c;
}

/** A reviewer's own browser, signed in, on the published review. */
async function openReview(url: string, username: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (401|403|409)/.test(m.text())) pageErrors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: TITLE }).click();
  await page.getByRole('status').getByText('Live', { exact: true }).waitFor();
  return page;
}

const see = (page: Page, text: string | RegExp) => page.getByText(text).first().waitFor({ timeout: 20_000 });
const overlayKinds = (page: Page) => page.getByTestId('overlay').evaluate((svg) => [...svg.querySelectorAll('[data-kind]')].map((g) => g.getAttribute('data-kind')));

async function shot(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForFunction((s) => document.documentElement.dataset.theme === s, scheme);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Occupies the peer's one model slot until release(): what the department sends meanwhile waits there. */
async function gate(): Promise<{ release(): Promise<void> }> {
  let generating!: () => void;
  const started = new Promise<void>((resolve) => (generating = resolve));
  const done = peerClient.analyze('gate', { image: makePng(64, 48, 9), prompt: SEED_PROMPT, maxTokens: 3000 }, { onToken: () => generating() });
  await started;
  return {
    async release() {
      peerClient.cancel('gate');
      expect((await done).stopReason).toBe('aborted');
    },
  };
}

describe('the department web view on a published review (SQLite, a real model peer, Chromium)', () => {
  it('shows the frames with their annotations drawn, takes a note on a frame, and asks the model about a frame', async () => {
    const page = await openReview(server.url, 'rhea');

    // The first captured frame, large: the server's bytes of that frame (its sha256), at its own size.
    const image = page.getByTestId('frame-image');
    await page.locator(`[data-testid=frame-image][src$="/${seeded.frameShas[0]}/content"]`).waitFor();
    await page.waitForFunction(() => (document.querySelector('[data-testid=frame-image]') as HTMLImageElement | null)?.complete === true);
    const shown = await image.evaluate(async (img: HTMLImageElement) => {
      const bytes = await (await fetch(img.src)).arrayBuffer();
      const hex = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
      const canvas = document.createElement('canvas');
      [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < px.length; i += 4) colours.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
      return { width: img.naturalWidth, height: img.naturalHeight, sha256: hex, colours: colours.size, box: img.getBoundingClientRect().width };
    });
    expect(shown).toMatchObject({ width: 64, height: 36, sha256: seeded.frameShas[0] });
    expect(shown.colours).toBeGreaterThan(8); // a picture, not a blank
    expect(shown.box).toBeGreaterThan(500); // shown large

    // Its annotations drawn over it (frame 0: the box and the text), the box where the workstation drew it.
    expect(await overlayKinds(page)).toEqual(['box', 'text']);
    const rect = page.getByTestId('overlay').locator('rect');
    expect(await rect.evaluate((r) => ['x', 'y', 'width'].map((a) => Number(r.getAttribute(a))))).toEqual([100, expect.closeTo(0.2 * 562.5, 3), 300]);
    await page.getByTestId('overlay').getByText('Radial tear risk at 4 o’clock').waitFor();
    await page.getByRole('complementary').getByText('capsulorhexis', { exact: true }).waitFor();
    // Another frame: its own annotation, in the drawing and in the list beside it.
    await page.getByRole('button', { name: /^Frame 30 at 0:01\.00/ }).click();
    await page.locator(`[data-testid=frame-image][src$="/${seeded.frameShas[1]}/content"]`).waitFor();
    expect(await overlayKinds(page)).toEqual(['arrow']);
    await page.getByRole('complementary').getByText('phacoemulsification tip').waitFor();
    await page.getByRole('button', { name: /^Frame 0 at 0:00\.00/ }).click();
    await see(page, 'Continue the capsulorhexis counter-clockwise.'); // the workstation's analysis of frame 0

    // A note on this frame (the notes routes): shown with its author, and in the library.
    await page.getByLabel('Note', { exact: true }).fill('Anterior capsule intact; rhexis centred.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByTestId('note').filter({ hasText: 'Anterior capsule intact' }).getByText(/^Dr Rhea Resident, \d{4}-/).waitFor();
    // The workstation's own note on the review, published with it, says who wrote it there.
    await page.getByTestId('note').filter({ hasText: 'Good centration' }).getByText(/^Dr Rhea Resident on the workstation · published by Dr Rhea Resident, /).waitFor();
    const added = (await store.notes.listByReview(reviewId)).filter((n) => n.text === 'Anterior capsule intact; rhexis centred.');
    expect(added).toMatchObject([{ frameIndex: 0, author: 'Dr Rhea Resident', version: 1 }]);

    // Another reviewer has the review open in his own browser: the analysis will appear there live.
    const watching = await openReview(server.url, 'amir');
    await watching.getByTestId('frame-image').waitFor();

    // Ask the model. Another reviewer's question holds the engine (at the peer, behind the gate): this one waits.
    const g = await gate();
    const amir = await signedIn('amir');
    const theirs = await amir.askAnalysis(reviewId, { frameIndex: 30, image: makePng(64, 36, 200), maxTokens: 3 });
    expect(theirs.state).toBe('running');
    await page.evaluate(() => {
      const w = window as unknown as { streamed: string[] };
      w.streamed = [];
      new MutationObserver(() => {
        const s = document.querySelector('[data-testid=analysis-stream]');
        if (s?.textContent) w.streamed.push(s.textContent);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    // Cancelled while it waits: the server's words, and nothing is stored; then asked again.
    const job = page.getByTestId('analysis-job');
    await page.getByRole('button', { name: 'Analyse frame' }).click();
    await job.getByText('Waiting — 1 ahead of you').waitFor();
    await job.getByRole('button', { name: 'Cancel' }).click();
    await job.getByText('Cancelled by the reviewer.').waitFor();
    await job.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByRole('button', { name: 'Analyse frame' }).click();
    await job.getByText('Waiting — 1 ahead of you').waitFor();
    await g.release();
    const mine = page.getByTestId('analysis').filter({ hasText: 'Asked by Dr Rhea Resident' });
    await mine.waitFor({ timeout: 60_000 });
    const streamed = await page.evaluate(() => (window as unknown as { streamed: string[] }).streamed);
    expect(streamed.length).toBeGreaterThan(1); // the text arrived piece by piece before the answer was stored
    const stored = (await amir.listAnalyses(reviewId)).filter((a) => a.askedBy.displayName === 'Dr Rhea Resident'); // the cancelled one is not there
    expect(stored).toMatchObject([{ frameIndex: 0, imageSha256: seeded.frameShas[0], provenance: { remoteModel: 'tiny-cataract' } }]);
    await mine.getByText('tiny-cataract').first().waitFor();
    await mine.getByText('Research use only — not for clinical decisions').waitFor();
    // Amir's page read the analyses before Rhea's was stored; it shows it without a reload.
    await watching.getByTestId('analysis').filter({ hasText: 'Asked by Dr Rhea Resident' }).getByText('tiny-cataract').first().waitFor();
    await page.getByTestId('analysis-job').getByText('Answer stored with the frame’s analyses').waitFor();
    await shot(page, 'published-review');
    expect(pageErrors).toEqual([]);
  });

  it('on a server without an engine, "Analyse frame" is unavailable and says why', async () => {
    const page = await openReview(bare.url, 'amir');
    await page.getByTestId('frame-image').waitFor();
    await see(page, /^This department server has no model engine configured/);
    expect(await page.getByRole('button', { name: 'Analyse frame' }).isDisabled()).toBe(true);
    await shot(page, 'published-review-no-engine');
    expect(pageErrors).toEqual([]);
  });
});
