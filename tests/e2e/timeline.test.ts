// The phase timeline in the real UI: the browser host runs as its own process (`node --import tsx
// electron/host/cli.ts --data DIR --port 0`, its printed URL parsed), the generated 60 s video is analysed every 5 s
// with the generated model from the review's "Analyse video" control; the host is killed with SIGKILL mid-run and
// started again on the same data folder; the job finishes without analysing a frame twice; the strip has 12 blocks;
// clicking one shows its frame and opens its analysis.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWire, encodeWire } from '../../electron/api/wire';
import { RENDERER_DIR, REPO } from '../fixtures/host';
import { ensureTestModel } from '../fixtures/test-model';
import { makeTestVideo } from '../fixtures/videos';
import { TIMELINE_VIDEO } from '../fixtures/timeline';
import { CHROMIUM, CHROMIUM_ARGS } from './harness';
import { openCase, openReview, waitSettled } from './video-helpers';

interface HostProcess {
  child: ChildProcess;
  url: string;
  port: number;
  token: string;
  call<T>(channel: string, input: unknown): Promise<T>;
  /** The end of what the host printed (its log lines and errors). */
  output(): string;
}

/** Starts the browser host as its own process group and waits for the URL it prints. */
function startHost(dataDir: string): Promise<HostProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'electron', 'host', 'cli.ts'), '--data', dataDir, '--port', '0'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`The host printed no URL in 60 s.\n${out}\n${err}`)), 60_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Workstation ready: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-zA-Z_-]+))/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const [, url, port, token] = m as unknown as [string, string, string, string];
      resolve({
        child,
        url,
        port: Number(port),
        token,
        output: () => (out + err).slice(-3000),
        async call<T>(channel: string, input: unknown): Promise<T> {
          const res = await fetch(`http://127.0.0.1:${port}/api/invoke/${channel}`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
            body: encodeWire(input),
          });
          const body = decodeWire(await res.text()) as { ok: boolean; value?: T; error?: { message: string } };
          if (!body.ok) throw new Error(`${channel}: ${body.error?.message}`);
          return body.value as T;
        },
      });
    });
    child.on('exit', (code) => reject(new Error(`The host exited (${code}) before it was ready.\n${out}\n${err}`)));
  });
}

/** Processes still in the host's process group (the host and its inference process). */
function groupMembers(pgid: number): number[] {
  const r = spawnSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

async function killGroup(h: HostProcess | null): Promise<void> {
  if (!h?.child.pid) return;
  try {
    process.kill(-h.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

interface Sample {
  id: number;
  frameIndex: number;
  frameId: number | null;
  analysisId: number | null;
  phase: string | null;
}

describe('Phase timeline (host process + Chromium + generated model)', () => {
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let host: HostProcess | null = null;
  const errors: string[] = [];
  let videoFile: string;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) throw new Error('Build the renderer first: npm run build');
    const model = await ensureTestModel(224);
    const video = await makeTestVideo(TIMELINE_VIDEO);
    // A copy with a plain name (the review shows the file name).
    videoFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'timeline-video-')), 'phaco-60s.mp4');
    fs.copyFileSync(video.file, videoFile);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'timeline-e2e-'));
    host = await startHost(dataDir);
    await host.call('cases.create', { code: 'TL-E2E', surgeryDate: null, eye: 'OD', surgeon: '', notes: '' });
    // The model is remembered in the library's settings, so the restarted host can load it again by itself.
    await host.call('inference.load', { ...model, device: 'cpu', contextSize: 2048 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(host.url);
  });
  afterAll(async () => {
    await browser?.close();
    await killGroup(host);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('analyses the video every 5 s, survives the host being killed, and finishes without analysing a frame twice', async () => {
    await openCase(page, 'TL-E2E');
    await page.getByTestId('video-path').fill(videoFile);
    await page.getByTestId('video-add').click();
    await page.locator('[data-testid="video-row"][data-file-name="phaco-60s.mp4"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('video-job').waitFor({ state: 'detached', timeout: 60_000 });
    await openReview(page, 'phaco-60s.mp4');
    const reviewId = Number(await page.getByTestId('review').getAttribute('data-review-id'));

    await page.getByTestId('timeline-every').fill('5');
    // Before it starts, the panel says what it will take; no analysis has run here yet, so the time is not guessed.
    await expect
      .poll(() => page.getByTestId('timeline-estimate').textContent(), { timeout: 10_000 })
      .toBe('12 samples. How long they take is not known yet: no analysis has run with this model on this computer; the first samples measure it.');
    await page.getByTestId('timeline-start').click();
    const progress = page.getByTestId('timeline-progress');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="timeline-progress"]')?.getAttribute('data-done') ?? 0) >= 3, null, { timeout: 90_000 });
    expect(await progress.getAttribute('data-total')).toBe('12');
    expect(await page.getByTestId('timeline-pause').isVisible()).toBe(true);
    expect(await page.getByTestId('timeline-cancel').isVisible()).toBe(true);
    // The strip grows as samples arrive, while the review stays usable.
    expect(await page.getByTestId('timeline-block').count()).toBeGreaterThanOrEqual(3);

    // Kill the whole app (host and its model process) the hard way.
    const pgid = host!.child.pid!;
    const before = await host!.call<{ samples: Sample[] }>('timeline.get', { reviewId });
    process.kill(-pgid, 'SIGKILL');
    await new Promise((r) => host!.child.once('exit', r));
    for (let i = 0; i < 50 && groupMembers(pgid).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(groupMembers(pgid)).toEqual([]);
    expect(before.samples.length).toBeGreaterThanOrEqual(3);

    // Start it again on the same data folder: the job was running, so it carries on by itself.
    host = await startHost(dataDir);
    await page.goto(host.url);
    await openCase(page, 'TL-E2E');
    await openReview(page, 'phaco-60s.mp4');
    try {
      await page.waitForFunction(
        () => {
          const p = document.querySelector('[data-testid="timeline-progress"]');
          return p?.getAttribute('data-state') === 'done' && p.getAttribute('data-done') === '12';
        },
        null,
        { timeout: 120_000 },
      );
    } catch (err) {
      // Say what the host and the page had, so a failure here explains itself.
      const onHost = await host.call<{ job: unknown }>('timeline.get', { reviewId }).then((v) => JSON.stringify(v.job), (e: Error) => e.message);
      const status = await host.call<unknown>('inference.status', {}).then((v) => JSON.stringify(v), (e: Error) => e.message);
      const shown = await page.evaluate(() => document.querySelector('[data-testid="timeline"]')?.textContent ?? '(no timeline panel)');
      throw new Error(`${(err as Error).message}\nhost job: ${onHost}\nmodel: ${status}\npage: ${shown}\nhost output: ${host.output()}`);
    }
    await page.getByTestId('timeline-strip').waitFor();
    expect(await page.getByTestId('timeline-block').count()).toBe(12);

    const after = await host.call<{ job: { state: string; done: number }; samples: Sample[] }>('timeline.get', { reviewId });
    expect(after.job).toMatchObject({ state: 'done', done: 12 });
    expect(after.samples.map((s) => s.frameIndex)).toEqual(Array.from({ length: 12 }, (_, i) => i * 150));
    // The samples stored before the kill are the same rows; every frame was analysed exactly once.
    for (const s of before.samples) expect(after.samples.find((x) => x.frameIndex === s.frameIndex)?.id).toBe(s.id);
    const frames = await host.call<Array<{ id: number; frameIndex: number }>>('frames.listForReview', { reviewId });
    expect(frames.map((f) => f.frameIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i * 150));
    for (const f of frames) {
      const analyses = await host.call<Array<{ status: string }>>('analysis.list', { frameId: f.id });
      expect(analyses.map((a) => a.status), `frame ${f.frameIndex}`).toEqual(['completed']);
    }

    // Now the estimate is measured: every 2 s is 30 samples, 6 of them (0, 10, 20… s) analysed already.
    await page.getByTestId('timeline-every').fill('2');
    await expect
      .poll(() => page.getByTestId('timeline-estimate').textContent(), { timeout: 10_000 })
      .toMatch(/^30 samples \(6 analysed already\) · about \d+ (s|min) on this computer \(about \d+ s per analysis, median of 12\)\.$/);
    await page.getByTestId('timeline-every').fill('5');
  }, 300_000);

  it('a block jumps to its frame and opens that frame\'s analysis; the legend and smoothing are display only', async () => {
    const blocks = page.getByTestId('timeline-block');
    const block = blocks.nth(7);
    const k = Number(await block.getAttribute('data-frame-index'));
    expect(k).toBe(1050);
    await block.click();
    await waitSettled(page, k);
    expect(await page.getByTestId('frame-index').textContent()).toBe(String(k));
    const caption = page.getByTestId('analysis-frame-caption');
    await page.waitForFunction((want) => document.querySelector('[data-testid="analysis-frame-caption"]')?.getAttribute('data-frame-index') === String(want), k);
    expect(await caption.getAttribute('data-frame-index')).toBe(String(k));

    // The generated model names no phase: every block says so, and the legend explains the grey.
    expect(await page.locator('[data-testid="timeline-block"][data-phase=""]').count()).toBe(12);
    expect(await page.getByTestId('timeline-legend').textContent()).toMatch(/No phase named/);
    await page.getByTestId('timeline-smooth').check();
    expect(await page.getByTestId('timeline-strip').getAttribute('data-smoothed')).toBe('true');
    expect(await blocks.count()).toBe(12);

    // The samples are their own kind: their own lane on the dock and their own filter in the frames list, never
    // among the reviewer's captured frames or the case's still images.
    expect(await page.getByTestId('sample-marker').count()).toBe(12);
    expect(await page.locator('[data-testid="scrub-marker"]:not([data-kind="error"])').count()).toBe(0);
    await page.getByTestId('tab-annotations').click();
    await page.getByTestId('filmstrip-empty').waitFor();
    expect(await page.getByTestId('film-thumb').count()).toBe(0);
    await page.getByTestId('frames-filter-sample').click();
    expect(await page.getByTestId('sample-thumb').count()).toBe(12);
    const reviewId = Number(await page.getByTestId('review').getAttribute('data-review-id'));
    const review = await host!.call<{ caseId: number }>('reviews.get', { id: reviewId });
    expect(await host!.call<unknown[]>('frames.list', { caseId: review.caseId })).toEqual([]);
    expect(await host!.call<unknown[]>('frames.listForReview', { reviewId, kind: 'capture' })).toEqual([]);
    expect((await host!.call<Array<{ kind: string }>>('frames.listForReview', { reviewId, kind: 'sample' })).map((f) => f.kind)).toEqual(Array(12).fill('sample'));
    expect(errors).toEqual([]);
  });
});
