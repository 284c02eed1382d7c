// The recovery screen in the real UI: a library with garbage bytes written into its middle opens on the recovery
// screen (the app does not start on it, the file stays byte-identical); restoring the daily backup reloads the page
// into the library with its data back.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { libraryFile } from '../../electron/core/app-services';
import { dailyBackup } from '../../electron/core/library/backups';
import { startWorkstation, type Workstation } from '../../electron/core/library/workstation';
import { createEventHub } from '../../electron/host/event-hub';
import { startBrowserHost, type BrowserHost } from '../../electron/host/server';
import { RENDERER_DIR } from '../fixtures/host';
import { CHROMIUM, CHROMIUM_ARGS } from './harness';
import { nodeServiceOptions } from '../../electron/host/node-services';

const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

async function serve(dataDir: string): Promise<{ ws: Workstation; host: BrowserHost; close(): Promise<void> }> {
  const events = createEventHub();
  const ws = startWorkstation(nodeServiceOptions(dataDir, '0.0.0-test', events.emit));
  const host = await startBrowserHost({ services: ws, events, rendererDir: RENDERER_DIR });
  await ws.ready;
  return {
    ws,
    host,
    async close() {
      await host.close();
      await ws.close();
    },
  };
}

describe('Recovery screen (browser host + Chromium)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recovery-e2e-'));
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens on a damaged library without touching it, and a restore brings the library back', async () => {
    // A library with a case in it and its daily backup, closed cleanly.
    const first = await serve(dataDir);
    await first.ws.handlers['cases.create']({ code: 'RECOVER-1', surgeryDate: null, eye: 'OS', surgeon: '', notes: '' });
    await dailyBackup(first.ws.db, path.join(dataDir, 'backups'), { force: true });
    await first.close();
    // Garbage over one page in the middle of the file.
    const file = libraryFile(dataDir);
    const pages = Math.floor(fs.statSync(file).size / 4096);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, crypto.randomBytes(4096), 0, 4096, Math.floor(pages / 2) * 4096);
    fs.closeSync(fd);
    const damaged = sha(file);

    const app = await serve(dataDir);
    try {
      expect(app.ws.mode).toBe('recovery');
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
      await page.goto(app.host.url);
      const screen = page.getByTestId('recovery-screen');
      await screen.waitFor();
      expect(await screen.getAttribute('data-problem')).toBe('corrupt');
      expect(await page.getByTestId('recovery-problem').textContent()).toMatch(/could not be opened safely/);
      expect(await page.locator('[data-testid="recovery-restore"]').count()).toBeGreaterThan(0);
      expect(await page.getByTestId('nav-library').count()).toBe(0); // the app itself did not start
      expect(sha(file)).toBe(damaged);

      await page.getByTestId('recovery-restore').first().click();
      await page.getByTestId('nav-library').waitFor({ timeout: 30_000 }); // the page reloaded into the app
      await page.locator('[data-testid="case-row"][data-case-code="RECOVER-1"]').waitFor();
      expect(app.ws.mode).toBe('normal');
      const aside = fs.readdirSync(dataDir).filter((f) => /^library\.damaged-.*\.sqlite$/.test(f));
      expect(aside).toHaveLength(1);
      expect(sha(path.join(dataDir, aside[0]!))).toBe(damaged);
    } finally {
      await app.close();
    }
  });
});
