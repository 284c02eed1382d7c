// The report printer for the browser host, the CLI and the tests: playwright-core driving the system Chromium
// (Debian's /usr/bin/chromium, or CHROMIUM_PATH). One browser is started on first use and reused; each job gets
// its own context with JavaScript off, its page served from a one-off loopback address, and every other request
// refused (the page needs none: its images are data: URLs).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { WorkstationError } from '../../api/errors';
import type { ReportRenderer, ShrinkJob } from './printer';
import { REPORT_CSP } from './report-html';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CHROMIUM_PATH) return fs.existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : null;
  return CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

// Loaded at run time, not bundled: playwright-core is a tool of the browser host and the CLI, never of the app.
const PLAYWRIGHT = 'playwright-core';

export function createChromiumRenderer(options: { executablePath?: string } = {}): ReportRenderer {
  let browser: Promise<Browser> | null = null;
  let closed = false;

  async function getBrowser(): Promise<Browser> {
    if (closed) throw new WorkstationError('unavailable', 'The report printer was shut down.');
    if (!browser) {
      browser = (async () => {
        const executablePath = options.executablePath ?? findChromium();
        if (!executablePath) {
          throw new WorkstationError(
            'unavailable',
            'PDF export and the preview need Chromium, which was not found. Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH to its program file.',
          );
        }
        let chromium: typeof import('playwright-core').chromium;
        try {
          ({ chromium } = (await import(PLAYWRIGHT)) as typeof import('playwright-core'));
        } catch {
          throw new WorkstationError('unavailable', 'PDF export under the browser host needs the playwright-core package (npm install).');
        }
        const b = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
        b.on('disconnected', () => {
          browser = null;
        });
        return b;
      })();
      browser.catch(() => {
        browser = null;
      });
    }
    return browser;
  }

  /** The page, loaded from a one-off loopback address (megabytes through the DevTools protocol are slow). */
  async function withPage<T>(html: string, viewport: { width: number; height: number }, fn: (page: import('playwright-core').Page) => Promise<T>): Promise<T> {
    const b = await getBrowser();
    const server = await serveOnce((p) => (p === 'report.html' ? { type: 'text/html; charset=utf-8', body: html, csp: REPORT_CSP } : null));
    const url = `${server.base}report.html`;
    const context = await b.newContext({ javaScriptEnabled: false, viewport, deviceScaleFactor: 1 });
    try {
      // The page itself is the only request allowed (its images are data: URLs, which never reach the router).
      await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
      const page = await context.newPage();
      await page.goto(url, { waitUntil: 'load' });
      return await fn(page);
    } finally {
      await context.close().catch(() => {});
      await server.close();
    }
  }

  // The shrinking page: one blank page with scripts on, kept for the printer's life, fetching the images of the
  // call in progress from a loopback server (megabytes through the DevTools protocol are several times slower).
  interface ShrinkPage {
    page: import('playwright-core').Page;
    base: string;
    images: Map<string, ShrinkJob>;
    server: { close(): Promise<void> };
  }
  let shrinker: Promise<ShrinkPage> | null = null;
  function shrinkPage(): Promise<ShrinkPage> {
    shrinker ??= (async () => {
      const b = await getBrowser();
      const images = new Map<string, ShrinkJob>();
      const server = await serveOnce((name) => {
        if (name === '') return { type: 'text/html', body: '<!doctype html><title>shrink</title>' };
        const job = images.get(name);
        return job ? { type: job.mime, body: job.data } : null;
      });
      try {
        const context = await b.newContext({ javaScriptEnabled: true });
        const page = await context.newPage();
        page.on('close', () => {
          shrinker = null;
          void server.close();
        });
        await page.goto(server.base);
        return { page, base: server.base, images, server };
      } catch (err) {
        await server.close();
        throw err;
      }
    })();
    shrinker.catch(() => {
      shrinker = null;
    });
    return shrinker;
  }

  return {
    async print(html) {
      return withPage(html, { width: 794, height: 1123 }, async (page) => {
        const pdf = await page.pdf({
          preferCSSPageSize: true,
          printBackground: true,
        });
        return new Uint8Array(pdf);
      });
    },
    async screenshot(html, size) {
      return withPage(html, size, async (page) => {
        const png = await page.screenshot({ type: 'png', animations: 'disabled' });
        return new Uint8Array(png);
      });
    },
    async shrink(jobs, quality) {
      if (jobs.length === 0) return [];
      const w = await shrinkPage();
      const ids = jobs.map((job) => {
        const id = crypto.randomUUID();
        w.images.set(id, job);
        return id;
      });
      try {
        const args = { base: w.base, items: jobs.map((j, i) => ({ id: ids[i], width: j.width, height: j.height })), quality };
        const b64s = (await w.page.evaluate(`(${SHRINK_IN_PAGE})(${JSON.stringify(args)})`)) as string[];
        return b64s.map((b64) => new Uint8Array(Buffer.from(b64, 'base64')));
      } finally {
        for (const id of ids) w.images.delete(id);
      }
    },
    async close() {
      closed = true;
      const w = shrinker;
      shrinker = null;
      if (w) await (await w.catch(() => null))?.server.close();
      const b = browser;
      browser = null;
      if (b) await (await b.catch(() => null))?.close().catch(() => {});
    },
  };
}

/**
 * Runs in the page (kept as source text: a bundler's helpers, e.g. esbuild's __name, do not exist there): fetches
 * each image, resizes and JPEG-encodes it, a few at a time, and returns them as base64.
 */
const SHRINK_IN_PAGE = `async (a) => {
  const out = new Array(a.items.length);
  let next = 0;
  const one = async (i) => {
    const { id, width, height } = a.items[i];
    const blob = await (await fetch(a.base + id)).blob();
    const bitmap = await createImageBitmap(blob, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
    const canvas = new OffscreenCanvas(width, height);
    canvas.getContext('2d').drawImage(bitmap, 0, 0);
    bitmap.close();
    const jpeg = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: a.quality })).arrayBuffer());
    let binary = '';
    for (let k = 0; k < jpeg.length; k += 0x8000) binary += String.fromCharCode(...jpeg.subarray(k, k + 0x8000));
    out[i] = btoa(binary);
  };
  const worker = async () => {
    while (next < a.items.length) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(4, a.items.length) }, worker));
  return out;
}`;

/**
 * A one-off HTTP server on 127.0.0.1 (random port) answering only under a random path prefix, for handing a job's
 * page and images to Chromium. Closed by the caller when the job is done.
 */
async function serveOnce(lookup: (name: string) => { type: string; body: string | Uint8Array; csp?: string } | null): Promise<{ base: string; close(): Promise<void> }> {
  const token = crypto.randomBytes(16).toString('hex');
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const found = req.method === 'GET' && url.startsWith(`/${token}/`) ? lookup(url.slice(token.length + 2)) : null;
    if (!found) {
      res.writeHead(404).end();
      return;
    }
    const body = typeof found.body === 'string' ? Buffer.from(found.body) : Buffer.from(found.body.buffer, found.body.byteOffset, found.body.byteLength);
    res.writeHead(200, {
      'content-type': found.type,
      'content-length': body.byteLength,
      'cache-control': 'no-store',
      ...(found.csp ? { 'content-security-policy': found.csp } : {}),
    });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/${token}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
