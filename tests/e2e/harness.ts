// Drives the real UI: the built renderer served by the real browser host, in Debian's Chromium.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { RENDERER_DIR, startTestHost, type TestHost } from '../fixtures/host';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--autoplay-policy=no-user-gesture-required',
];

export interface App {
  t: TestHost;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far (a test can assert there were none). */
  errors: string[];
  close(): Promise<void>;
}

export async function launchApp(options: { dataDir?: string } = {}): Promise<App> {
  if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) throw new Error('Build the renderer first: npm run build');
  const t = await startTestHost(options);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Chromium logs every non-2xx fetch; the contract's refusals (400/404/409/503 with a message the UI shows)
    // are expected answers, not page errors.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (400|404|409|503)/.test(m.text())) {
      errors.push(`console: ${m.text()}`);
    }
  });
  await page.goto(t.host.url);
  return {
    t,
    browser,
    context,
    page,
    errors,
    async close() {
      await browser.close();
      await t.close();
    },
  };
}
