// The report printer for the browser host, the CLI and the tests: playwright-core driving the system Chromium
// (Debian's /usr/bin/chromium, or CHROMIUM_PATH). One browser is started on first use and reused; each job gets
// its own context with JavaScript off and every network request refused (the page needs none).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { WorkstationError } from '../../api/errors';
import { PDF_FOOTER_TEMPLATE, PDF_HEADER_TEMPLATE, type ReportRenderer } from './printer';

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

  async function withPage<T>(viewport: { width: number; height: number }, fn: (page: import('playwright-core').Page) => Promise<T>): Promise<T> {
    const b = await getBrowser();
    const context = await b.newContext({ javaScriptEnabled: false, viewport, deviceScaleFactor: 1, offline: true });
    try {
      // data: URLs never reach the router; anything else (there should be nothing) is refused.
      await context.route('**/*', (route) => route.abort());
      const page = await context.newPage();
      return await fn(page);
    } finally {
      await context.close().catch(() => {});
    }
  }

  return {
    async print(html) {
      return withPage({ width: 794, height: 1123 }, async (page) => {
        await page.setContent(html, { waitUntil: 'load' });
        const pdf = await page.pdf({
          preferCSSPageSize: true,
          printBackground: true,
          displayHeaderFooter: true,
          headerTemplate: PDF_HEADER_TEMPLATE,
          footerTemplate: PDF_FOOTER_TEMPLATE,
        });
        return new Uint8Array(pdf);
      });
    },
    async screenshot(html, size) {
      return withPage(size, async (page) => {
        await page.setContent(html, { waitUntil: 'load' });
        const png = await page.screenshot({ type: 'png', animations: 'disabled' });
        return new Uint8Array(png);
      });
    },
    async shrink(jobs, quality) {
      if (jobs.length === 0) return [];
      const b = await getBrowser();
      // The bytes reach Chromium over loopback HTTP (passing megabytes through the DevTools protocol is several
      // times slower): a one-off server on 127.0.0.1 with a random path, serving only these images.
      const token = crypto.randomBytes(16).toString('hex');
      const server = http.createServer((req, res) => {
        const m = new RegExp(`^/${token}/(\\d+)$`).exec(req.url ?? '');
        const job = m ? jobs[Number(m[1])] : req.url === `/${token}/` ? null : undefined;
        if (job === undefined) {
          res.writeHead(404).end();
        } else if (job === null) {
          res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>shrink</title>');
        } else {
          res.writeHead(200, { 'content-type': job.mime, 'content-length': job.data.byteLength, 'cache-control': 'no-store' }).end(Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength));
        }
      });
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${token}/`;
      const context = await b.newContext({ javaScriptEnabled: true });
      try {
        const page = await context.newPage();
        await page.goto(base);
        const args = { base, sizes: jobs.map((j) => ({ width: j.width, height: j.height })), quality };
        const b64s = (await page.evaluate(`(${SHRINK_IN_PAGE})(${JSON.stringify(args)})`)) as string[];
        return b64s.map((b64) => new Uint8Array(Buffer.from(b64, 'base64')));
      } finally {
        await context.close().catch(() => {});
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
    async close() {
      closed = true;
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
  const out = new Array(a.sizes.length);
  let next = 0;
  const one = async (i) => {
    const { width, height } = a.sizes[i];
    const blob = await (await fetch(a.base + i)).blob();
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
    while (next < a.sizes.length) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(4, a.sizes.length) }, worker));
  return out;
}`;
