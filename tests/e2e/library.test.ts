// The Library as a user meets it: create a case, see validation, reload, edit, delete.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../fixtures/host';
import { launchApp, type App } from './harness';

describe('Library (browser host + Chromium)', () => {
  let app: App;
  beforeAll(async () => {
    app = await launchApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('creates a case that is still there after a reload', async () => {
    const { page } = app;
    await page.getByTestId('nav-library').click();
    await page.getByRole('button', { name: /new case/i }).click();
    await page.getByTestId('case-code').fill('CAT-2026-001');
    await page.getByTestId('case-date').fill('2026-03-14');
    await page.getByTestId('case-eye').selectOption('OD');
    await page.getByTestId('case-surgeon').fill('Surgeon A');
    await page.getByTestId('case-notes').fill('Dense nucleus, small pupil.');
    await page.getByTestId('case-save').click();
    await page.locator('[data-testid="case-row"][data-case-code="CAT-2026-001"]').waitFor();

    await page.reload();
    const row = page.locator('[data-testid="case-row"][data-case-code="CAT-2026-001"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('2026-03-14');
    // And it is in the database, not just on screen.
    const stored = await app.t.call('cases.list', {});
    expect(stored.body.value).toEqual([expect.objectContaining({ code: 'CAT-2026-001', eye: 'OD', surgeon: 'Surgeon A', notes: 'Dense nucleus, small pupil.' })]);
  });

  it('shows the server message for a duplicate code and saves nothing', async () => {
    const { page } = app;
    await page.getByRole('button', { name: /new case/i }).click();
    await page.getByTestId('case-code').fill('cat-2026-001');
    await page.getByTestId('case-save').click();
    await page.getByText(/already exists/).first().waitFor();
    expect(((await app.t.call('cases.list', {})).body.value as unknown[]).length).toBe(1);
  });

  it('explains an invalid case code before saving', async () => {
    const { page } = app;
    await page.getByTestId('case-code').fill('John Smith');
    await page.getByTestId('case-save').click();
    await page.getByText(/letters, digits/i).first().waitFor();
    expect(((await app.t.call('cases.list', {})).body.value as unknown[]).length).toBe(1);
  });

  it('edits and deletes a case after confirmation', async () => {
    const { page } = app;
    await page.reload();
    const row = page.locator('[data-testid="case-row"][data-case-code="CAT-2026-001"]');
    await row.click();
    await page.getByRole('button', { name: /^edit/i }).first().click();
    await page.getByTestId('case-surgeon').fill('Surgeon B');
    await page.getByTestId('case-save').click();
    await page.getByText('Surgeon B').first().waitFor();
    expect((await app.t.call('cases.get', { id: 1 })).body.value).toMatchObject({ surgeon: 'Surgeon B' });

    await page.getByTestId('case-delete').first().click();
    await page.getByTestId('confirm-yes').click();
    await row.waitFor({ state: 'detached' });
    expect((await app.t.call('cases.list', {})).body.value).toEqual([]);
  });

  it('switches to the dark theme and keeps it', async () => {
    const { page } = app;
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('theme-select').selectOption('dark');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    expect(app.errors).toEqual([]);
  });

  it('keeps the number of daily backups chosen in Settings', async () => {
    const { page } = app;
    await page.getByTestId('nav-settings').click();
    expect(await page.getByTestId('backups-to-keep').inputValue()).toBe('7');
    await page.getByTestId('backups-to-keep').selectOption('14');
    await page.getByTestId('settings-saved').waitFor();
    expect(((await app.t.call('settings.get', {})).body.value as { backupsToKeep: number }).backupsToKeep).toBe(14);
    await page.reload();
    await page.getByTestId('nav-settings').click();
    await page.waitForFunction(() => (document.querySelector('[data-testid="backups-to-keep"]') as HTMLSelectElement | null)?.value === '14');
    expect(app.errors).toEqual([]);
  });

  it('turns "Encode captured frames while idle" off in Settings and keeps it', async () => {
    const { page } = app;
    await page.getByTestId('nav-settings').click();
    const box = page.getByTestId('settings-work-ahead');
    expect(await box.isChecked()).toBe(true);
    await box.uncheck();
    await page.getByTestId('settings-work-ahead-saved').waitFor();
    expect(((await app.t.call('settings.get', {})).body.value as { workAhead: boolean }).workAhead).toBe(false);
    // How Settings looks with the new section, in both themes (test-results/settings/).
    const shots = path.join(REPO, 'test-results', 'settings');
    fs.mkdirSync(shots, { recursive: true });
    await box.scrollIntoViewIfNeeded();
    const before = await page.evaluate(() => document.documentElement.dataset.theme ?? null);
    for (const theme of ['light', 'dark']) {
      await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
      await page.screenshot({ path: path.join(shots, `settings-${theme}.png`) });
    }
    await page.evaluate((t) => {
      if (t === null) delete document.documentElement.dataset.theme;
      else document.documentElement.dataset.theme = t;
    }, before);
    await page.reload();
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-work-ahead').waitFor();
    expect(await page.getByTestId('settings-work-ahead').isChecked()).toBe(false);
    expect(app.errors).toEqual([]);
  });

  it('File → New Case… (the app.command event) opens the new-case form from any view', async () => {
    const { page } = app;
    await page.getByTestId('nav-models').click();
    await page.getByTestId('model-status-card').waitFor();
    app.t.events.emit('app.command', { command: 'new-case' });
    await page.getByTestId('case-form').waitFor();
    expect(await page.locator('main').getAttribute('data-view')).toBe('library');
    await page.keyboard.press('Escape');
    await page.getByTestId('case-form').waitFor({ state: 'detached' });
    expect(app.errors).toEqual([]);
  });

  it('Settings → Open log folder: the browser host says where the log files are', async () => {
    const { page } = app;
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('open-log-folder').click();
    const shown = page.getByTestId('log-folder-path');
    await shown.waitFor();
    expect(await shown.textContent()).toContain(`${app.t.dataDir}/logs`);
    expect(app.errors).toEqual([]);
  });
});
