// The report printer inside the app: the report page is loaded into a hidden, sandboxed BrowserWindow with
// JavaScript off, on its own in-memory session whose only answer is that page (served from memory under an
// https://report.invalid/ address; everything else is refused), then printed with webContents.printToPDF or
// captured with capturePage for the export dialog's preview; large frames are shrunk to JPEG with nativeImage
// (Chromium's Skia, in this process). Implements core/reports/printer.ts.
import { BrowserWindow, nativeImage, session, type Session } from 'electron';
import crypto from 'node:crypto';
import type { ReportRenderer } from '../core/reports/printer';
import { REPORT_CSP } from '../core/reports/report-html';

const ORIGIN = 'https://report.invalid';
const PARTITION = 'report-print'; // no "persist:" prefix: kept in memory only
const LOAD_TIMEOUT_MS = 60_000;

// One session for the process (a partition's protocol can be handled only once), shared by every renderer: the
// services are re-created when the library is reopened, the session is not.
const pages = new Map<string, string>();
let ses: Session | null = null;

function printSession(): Session {
  if (ses) return ses;
  const s = session.fromPartition(PARTITION, { cache: false });
  s.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  s.protocol.handle('https', (request) => {
    const url = new URL(request.url);
    const html = url.origin === ORIGIN ? pages.get(url.pathname.slice(1)) : undefined;
    if (html === undefined) return new Response('Not found', { status: 404 });
    return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': REPORT_CSP, 'cache-control': 'no-store' } });
  });
  // Nothing else leaves this session (images are data: URLs and need no request).
  s.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !details.url.startsWith(`${ORIGIN}/`) && !details.url.startsWith('data:') }));
  ses = s;
  return s;
}

export function createElectronReportRenderer(): ReportRenderer {
  async function withPage<T>(html: string, size: { width: number; height: number }, fn: (win: BrowserWindow) => Promise<T>): Promise<T> {
    const token = `${crypto.randomUUID()}.html`;
    pages.set(token, html);
    const win = new BrowserWindow({
      show: false,
      width: size.width,
      height: size.height,
      useContentSize: true,
      paintWhenInitiallyHidden: true,
      webPreferences: {
        session: printSession(),
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        javascript: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        spellcheck: false,
        navigateOnDragDrop: false,
        backgroundThrottling: false,
      },
    });
    win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    win.webContents.on('will-navigate', (event) => event.preventDefault());
    try {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        win.loadURL(`${ORIGIN}/${token}`),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('The report page did not load in time.')), LOAD_TIMEOUT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      return await fn(win);
    } finally {
      pages.delete(token);
      if (!win.isDestroyed()) win.destroy();
    }
  }

  return {
    async print(html) {
      return withPage(html, { width: 794, height: 1123 }, async (win) => {
        const pdf = await win.webContents.printToPDF({
          printBackground: true,
          preferCSSPageSize: true,
        });
        return new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength);
      });
    },
    async screenshot(html, size) {
      return withPage(html, size, async (win) => {
        const image = await win.webContents.capturePage({ x: 0, y: 0, ...size }, { stayHidden: true });
        return new Uint8Array(image.toPNG());
      });
    },
    async shrink(jobs, quality) {
      return jobs.map((job) => {
        const image = nativeImage.createFromBuffer(Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength));
        if (image.isEmpty()) throw new Error('A frame image could not be decoded for the report.');
        const jpeg = image.resize({ width: job.width, height: job.height, quality: 'best' }).toJPEG(Math.round(quality * 100));
        return new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
      });
    },
    async close() {
      // Pages of jobs still printing are removed by their own job.
    },
  };
}
