// The desktop's link to a department library, as a reviewer uses it: Settings → Department library (address, account,
// the hospital's certificate file), then "Publish…" on the review screen with its progress and outcome, against a
// real department server over real HTTPS in this process. The department holds the review afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessReviewEvents } from '../../electron/host/department/review-events';
import { createChoosePath, dialogOptions } from '../../electron/main/choose-path';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { BACKENDS, openDepartment, PASSWORDS, testClock, type Department } from '../fixtures/department-library';
import { REPO } from '../fixtures/host';
import { selfSignedCertificate, type TestCertificate } from '../fixtures/tls-cert';
import { makeTestVideo } from '../fixtures/videos';
import { launchApp, type App } from './harness';
import { addVideo, captureWithKey, createCase, openCase, openReview, resizeWindow, reviewId, waitSettled } from './video-helpers';

const SHOTS = path.join(REPO, 'test-results', 'department-link');
const sqlite = BACKENDS.find((b) => b.name === 'SQLite')!;

describe('Department library from the desktop (browser host + Chromium + department server)', () => {
  let dir: string;
  let tlsCert: TestCertificate;
  let dept: Department;
  let server: DepartmentServer;
  let app: App;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-link-e2e-'));
    tlsCert = selfSignedCertificate(dir);
    await sqlite.start();
    dept = await openDepartment(sqlite, testClock(new Date().toISOString()));
    server = await startDepartmentServer({ accounts: dept.accounts, store: dept.store, events: inProcessReviewEvents(), tls: { cert: tlsCert.cert, key: tlsCert.key }, mediaDir: path.join(dir, 'media') });
    app = await launchApp();
  });
  afterAll(async () => {
    await app?.close();
    await server?.close();
    await sqlite.closeAll();
    await sqlite.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const setTheme = async (theme: 'light' | 'dark') => {
    await app.page.getByTestId('nav-settings').click();
    await app.page.getByTestId('theme-select').selectOption(theme);
  };

  it('the certificate file has Browse… as the other path fields do: the desktop file dialog fills it; without a dialog it says so', async () => {
    const { page, t } = app;
    const handlers = t.services.handlers as Record<string, (input: never) => unknown>;
    const browserHost = { info: handlers['app.info']!, choosePath: handlers['app.choosePath']! };
    const section = page.getByTestId('department-settings');
    const browse = section.getByTestId('department-ca-browse');
    await page.getByTestId('nav-settings').click();
    await section.getByTestId('department-ca').waitFor();
    expect(await browse.count()).toBe(0); // the browser host has no file dialog: the field is the way in, as elsewhere

    // The desktop app, as electron/main wires it: app.info says electron, app.choosePath opens Electron's dialog
    // (here one that answers with the certificate file and keeps what it was asked).
    const asked: unknown[] = [];
    handlers['app.info'] = () => ({ ...(browserHost.info({} as never) as object), transport: 'electron' });
    const showOpenDialog = async (options: unknown) => {
      asked.push(options);
      return { canceled: false, filePaths: [tlsCert.certFile] };
    };
    handlers['app.choosePath'] = createChoosePath({ showOpenDialog } as never, () => null);
    try {
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.reload();
      await page.getByTestId('nav-models').click();
      await page.getByTestId('import-kind-files').check();
      const look = (el: Element) => {
        const s = getComputedStyle(el);
        return { className: el.className, text: el.textContent, height: s.height, font: s.font, color: s.color, background: s.backgroundColor, border: s.border, padding: s.padding, radius: s.borderRadius };
      };
      const modelBrowse = await page.getByTestId('import-model-path').locator('xpath=..').getByRole('button', { name: 'Browse…' }).evaluate(look);
      await page.getByTestId('nav-settings').click();
      await browse.waitFor();
      expect(await browse.evaluate(look)).toEqual(modelBrowse); // looks like the Models page's Browse…

      await browse.click();
      await expect.poll(() => section.getByTestId('department-ca').inputValue()).toBe(tlsCert.certFile);
      expect(asked).toEqual([dialogOptions('certificate')]);
      for (const theme of ['light', 'dark'] as const) {
        await page.getByTestId('theme-select').selectOption(theme);
        const fit = await page.evaluate(() => {
          const box = (id: string) => document.querySelector(`[data-testid="${id}"]`)!.getBoundingClientRect();
          const card = document.querySelector('[data-testid="department-settings"] .card')!.getBoundingClientRect();
          return { field: box('department-ca'), button: box('department-ca-browse'), cardRight: card.right, pageScroll: document.scrollingElement!.scrollWidth - innerWidth };
        });
        expect(fit.button.left).toBeGreaterThan(fit.field.right); // beside the field, on its line
        expect(Math.abs(fit.button.top + fit.button.height / 2 - (fit.field.top + fit.field.height / 2))).toBeLessThanOrEqual(1);
        expect(fit.button.right).toBeLessThanOrEqual(fit.cardRight);
        expect(fit.pageScroll).toBeLessThanOrEqual(0);
        await section.getByTestId('department-ca').scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(SHOTS, `settings-ca-browse-1280x720-${theme}.png`) });
      }

      // A desktop whose dialog cannot open answers 'unavailable': the field says why, as the other Browse buttons do.
      handlers['app.choosePath'] = browserHost.choosePath;
      await section.getByTestId('department-ca').fill('');
      await browse.click();
      await expect.poll(() => section.getByTestId('field-error-caFile').textContent()).toBe('There is no file dialog in the browser. Type or paste the full path into the field.');
      expect(await section.getByTestId('department-ca').getAttribute('aria-invalid')).toBe('true');
      await page.screenshot({ path: path.join(SHOTS, 'settings-ca-browse-unavailable-1280x720-dark.png') });
    } finally {
      handlers['app.info'] = browserHost.info;
      handlers['app.choosePath'] = browserHost.choosePath;
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.reload();
    }
  });

  it('signs in from Settings: an untrusted certificate is explained, the certificate file lets it in', async () => {
    const { page } = app;
    await page.getByTestId('nav-settings').click();
    const section = page.getByTestId('department-settings');
    await section.getByTestId('department-url').fill(server.url);
    await section.getByTestId('department-username').fill('rhea');
    await section.getByTestId('department-password').fill(PASSWORDS.resident);
    // Settings → Engine offers the department's engine, and says what it needs first.
    const engine = page.getByTestId('engine-settings');
    await engine.getByTestId('engine-department').check();
    expect(await engine.getByTestId('engine-department-signed-out').textContent()).toMatch(/^Sign in to your department library first/);
    expect(await engine.getByTestId('engine-department-use').count()).toBe(0);

    await section.getByTestId('department-connect').click();
    await expect.poll(() => section.getByTestId('department-problem').textContent()).toMatch(/^The certificate of 127\.0\.0\.1:\d+ is not trusted by this computer/);
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(theme);
      await section.screenshot({ path: path.join(SHOTS, `settings-refused-${theme}.png`) });
    }

    await section.getByTestId('department-ca').fill(tlsCert.certFile);
    await section.getByTestId('department-connect').click();
    const connected = section.getByTestId('department-connected');
    await connected.waitFor();
    expect(await connected.textContent()).toContain(`Signed in to ${server.url} as Dr Rhea Resident (Resident)`);
    expect(await connected.textContent()).toContain('review and publish (an attending signs off)');
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(theme);
      await section.screenshot({ path: path.join(SHOTS, `settings-connected-${theme}.png`) });
    }
    // Signed in to a server without an engine: the choice says so instead of offering a button that would fail.
    await engine.getByTestId('engine-department').check();
    await expect.poll(() => engine.getByTestId('engine-department-none').textContent()).toBe(
      `The department server at ${server.url} has no model engine configured, so it cannot analyse frames. Ask its administrator to start it with --engine-url.`,
    );
    expect(await engine.getByTestId('engine-department-use').count()).toBe(0);
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(theme);
      await engine.screenshot({ path: path.join(SHOTS, `engine-department-no-engine-${theme}.png`) });
    }
    await engine.getByTestId('engine-local').check();
  });

  it('publishes the open review with its captured frame; the department has it, and a second publish sends nothing', async () => {
    const { page } = app;
    const video = await makeTestVideo({ durationSeconds: 2 });
    await createCase(app, 'DEPT-PUB-1');
    await openCase(page, 'DEPT-PUB-1');
    await addVideo(page, video.file);
    await openReview(page, path.basename(video.file));
    const rid = await reviewId(page);
    await captureWithKey(app, page, rid);

    await page.getByTestId('publish-button').click();
    const dialog = page.getByTestId('publish-dialog');
    expect(await dialog.textContent()).toContain(`Sends this review to ${server.url} as Dr Rhea Resident`);
    await dialog.getByTestId('publish-start').click();
    const done = dialog.getByTestId('publish-done');
    await done.waitFor({ timeout: 30_000 });
    const text = (await done.textContent()) ?? '';
    expect(text).toMatch(/^✓ Published: review (\d+) in the department library, 1 frame and 0 annotations\. .* sent\. Open it in the department library ↗$/);
    const departmentId = Number(/review (\d+)/.exec(text)![1]);
    const published = await dept.store.published.get(departmentId);
    expect(published.frames.map((f) => f.frameIndex)).toHaveLength(1);
    expect(published.source.caseCode).toBe('DEPT-PUB-1');
    await dialog.screenshot({ path: path.join(SHOTS, 'publish-done-dark.png') });
    // The review in the department's web page, in a browser tab of its own (the desktop app: the system browser).
    const reviewUrl = `${server.url}/#/reviews/${departmentId}`;
    expect(await dialog.getByTestId('publish-open').getAttribute('href')).toBe(reviewUrl);
    // (This browser does not trust the test certificate, so the tab shows an error page: what it asked for is the check.)
    const [tab, request] = await Promise.all([
      page.context().waitForEvent('page'), // a tab of its own: the app stays where it was
      page.context().waitForEvent('request', (r) => r.url().startsWith(server.url)),
      dialog.getByTestId('publish-open').click(),
    ]);
    expect(request.url()).toBe(`${server.url}/`); // the #/reviews/N stays in the browser's address
    expect(request.isNavigationRequest()).toBe(true);
    await tab.close();
    await dialog.getByTestId('publish-close').click();

    await page.getByTestId('publish-button').click();
    await page.getByTestId('publish-start').click();
    await expect.poll(() => page.getByTestId('publish-job').getAttribute('data-state'), { timeout: 30_000 }).not.toBe('running');
    await expect.poll(() => page.getByTestId('publish-done').textContent(), { timeout: 30_000 }).toBe(
      `✓ Already up to date: review ${departmentId} in the department library, 1 frame and 0 annotations. Nothing needed sending. Open it in the department library ↗`,
    );
    await page.getByTestId('publish-close').click();
    // Settings lists the department's reviews, each with its link.
    const reviewPage = page.url();
    await page.getByTestId('nav-settings').click();
    const open = page.getByTestId('department-settings').getByTestId('department-review-open');
    await expect.poll(() => open.count()).toBe(1);
    expect(await open.getAttribute('href')).toBe(reviewUrl);
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(theme);
      await page.getByTestId('department-connected').screenshot({ path: path.join(SHOTS, `settings-reviews-${theme}.png`) });
      // The whole Settings page at both window sizes, the engine choice and the department library in view.
      for (const [w, h] of [
        [1280, 720],
        [1920, 1080],
      ] as const) {
        await resizeWindow(page, w, h);
        await page.getByTestId('engine-settings').scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(SHOTS, `settings-${w}x${h}-${theme}.png`) });
      }
    }
    await page.goto(reviewPage);
    await page.getByTestId('review').waitFor();
    expect(app.errors.join('\n')).toBe('');
  });

  it('keeps Publish… in the review toolbar in view at 1280×720 and 1920×1080, in both review themes', async () => {
    const { page } = app;
    for (const theme of ['dark', 'light'] as const) {
      await app.t.call('settings.update', { reviewTheme: theme });
      await page.reload();
      await page.getByTestId('review').waitFor();
      await waitSettled(page);
      for (const [w, h] of [
        [1280, 720],
        [1920, 1080],
      ] as const) {
        await resizeWindow(page, w, h);
        const fit = await page.evaluate(() => {
          const bar = document.querySelector('[data-testid="review-toolbar"]')!;
          const button = document.querySelector('[data-testid="publish-button"]')!.getBoundingClientRect();
          return { overflow: bar.scrollWidth - bar.clientWidth, right: button.right, pageScroll: document.scrollingElement!.scrollWidth - innerWidth };
        });
        expect(fit.overflow, `${w}×${h} ${theme}: the toolbar overflows`).toBeLessThanOrEqual(0);
        expect(fit.right).toBeLessThanOrEqual(w);
        expect(fit.pageScroll).toBeLessThanOrEqual(0);
        await page.screenshot({ path: path.join(SHOTS, `review-${w}x${h}-${theme}.png`) });
      }
    }
    await app.t.call('settings.update', { reviewTheme: 'dark' });
  });
});
