// The app's report printer (electron/main/print-pdf.ts) against recording fakes of Electron (no Electron binary
// here): a hidden, sandboxed window with JavaScript off on its own session; the page served from memory with the
// report CSP and nothing else answered; printToPDF with the page's own paper size; the window always destroyed;
// large frames shrunk with nativeImage.
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Handler = (request: Request) => Response | Promise<Response>;

const state = vi.hoisted(() => ({
  windows: [] as FakeWindow[],
  handler: null as Handler | null,
  beforeRequest: null as ((details: { url: string }, cb: (r: { cancel: boolean }) => void) => void) | null,
  partitions: [] as string[],
  handled: 0,
  failPrint: false,
}));

interface FakeWindow {
  options: { show: boolean; webPreferences: Record<string, unknown> };
  loaded: string | null;
  destroyed: boolean;
  printed: unknown;
  captured: unknown;
  html: string | null;
}

vi.mock('electron', () => {
  class BrowserWindow {
    w: FakeWindow;
    constructor(options: FakeWindow['options']) {
      this.w = { options, loaded: null, destroyed: false, printed: null, captured: null, html: null };
      state.windows.push(this.w);
    }
    webContents = {
      setWindowOpenHandler: () => {},
      on: () => {},
      printToPDF: async (o: unknown) => {
        if (state.failPrint) throw new Error('printing failed');
        this.w.printed = o;
        return Buffer.from('%PDF-1.7 fake');
      },
      capturePage: async (rect: unknown, opts: unknown) => {
        this.w.captured = { rect, opts };
        return { toPNG: () => Buffer.from([0x89, 0x50, 0x4e, 0x47]) };
      },
    };
    async loadURL(url: string) {
      this.w.loaded = url;
      const res = await state.handler!(new Request(url));
      this.w.html = await res.text();
    }
    isDestroyed() {
      return this.w.destroyed;
    }
    destroy() {
      this.w.destroyed = true;
    }
  }
  const session = {
    fromPartition: (name: string) => {
      state.partitions.push(name);
      return {
        setPermissionRequestHandler: () => {},
        setPermissionCheckHandler: () => {},
        protocol: {
          handle: (_scheme: string, h: Handler) => {
            state.handled++;
            state.handler = h;
          },
        },
        webRequest: { onBeforeRequest: (f: typeof state.beforeRequest) => (state.beforeRequest = f) },
      };
    },
  };
  const nativeImage = {
    createFromBuffer: (b: Buffer) => ({
      isEmpty: () => b.length === 0,
      resize: (o: { width: number; height: number; quality: string }) => ({ toJPEG: (q: number) => Buffer.from(`jpeg ${o.width}x${o.height} ${o.quality} q${q}`) }),
    }),
  };
  return { BrowserWindow, session, nativeImage };
});

const { createElectronReportRenderer } = await import('../../electron/main/print-pdf');
const { REPORT_CSP } = await import('../../electron/core/reports/report-html');

describe('the app report printer (Electron)', () => {
  beforeEach(() => {
    state.windows.length = 0;
    state.failPrint = false;
  });

  it('prints in a hidden sandboxed window with scripts off, on an in-memory session', async () => {
    const r = createElectronReportRenderer();
    const pdf = await r.print('<p>report</p>');
    expect(Buffer.from(pdf).toString()).toBe('%PDF-1.7 fake');
    const w = state.windows[0]!;
    expect(w.options.show).toBe(false);
    expect(w.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false, webSecurity: true });
    expect(state.partitions.every((p) => !p.startsWith('persist:'))).toBe(true);
    expect(w.html).toBe('<p>report</p>');
    expect(w.printed).toMatchObject({ printBackground: true, preferCSSPageSize: true });
    expect(w.destroyed).toBe(true);
  });

  it('serves only the page being printed, with the report CSP, and refuses any other request', async () => {
    const r = createElectronReportRenderer();
    await r.print('<p>x</p>');
    const url = state.windows[0]!.loaded!;
    expect(url).toMatch(/^https:\/\/report\.invalid\/[0-9a-f-]+\.html$/);
    // Once printed the page is gone; other addresses never answered.
    expect((await state.handler!(new Request(url))).status).toBe(404);
    expect((await state.handler!(new Request('https://example.com/x'))).status).toBe(404);
    const cancelled = (u: string) => {
      let out: boolean | undefined;
      state.beforeRequest!({ url: u }, (res) => (out = res.cancel));
      return out;
    };
    expect(cancelled('https://example.com/tracker.png')).toBe(true);
    expect(cancelled('http://127.0.0.1:8080/')).toBe(true);
    expect(cancelled(url)).toBe(false);
    expect(cancelled('data:image/png;base64,AAAA')).toBe(false);
    // While loading, the response carries the CSP.
    let headers: Headers | null = null;
    const inner = state.handler!;
    state.handler = async (req) => {
      const res = await inner(req);
      headers = res.headers;
      return res;
    };
    await r.print('<p>y</p>');
    expect(headers!.get('content-security-policy')).toBe(REPORT_CSP);
  });

  it('sets its session up once however many printers are made (the library can be reopened)', async () => {
    await createElectronReportRenderer().print('<p>1</p>');
    await createElectronReportRenderer().print('<p>2</p>');
    expect(state.handled).toBe(1);
    expect(state.windows.map((w) => w.html)).toEqual(['<p>1</p>', '<p>2</p>']);
  });

  it('destroys the window when printing fails', async () => {
    state.failPrint = true;
    await expect(createElectronReportRenderer().print('<p/>')).rejects.toThrow(/printing failed/);
    expect(state.windows[0]!.destroyed).toBe(true);
  });

  it('captures the preview without showing the window, and shrinks frames with nativeImage', async () => {
    const r = createElectronReportRenderer();
    const png = await r.screenshot('<p/>', { width: 794, height: 1123 });
    expect([...png]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(state.windows[0]!.captured).toEqual({ rect: { x: 0, y: 0, width: 794, height: 1123 }, opts: { stayHidden: true } });
    const [jpeg] = await r.shrink([{ data: new Uint8Array([1, 2, 3]), mime: 'image/png', width: 1280, height: 720 }], 0.9);
    expect(Buffer.from(jpeg!).toString()).toBe('jpeg 1280x720 best q90');
  });
});
