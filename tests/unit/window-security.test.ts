// The window's security settings and guards, exercised with recording fakes of webContents and session.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../electron/core/security/csp';
import { hardenContents, hardenSession, isExternalWebUrl, webPreferences } from '../../electron/main/window-security';

type Listener = (...args: unknown[]) => unknown;

function fakeContents() {
  const listeners = new Map<string, Listener[]>();
  let openHandler: ((details: { url: string }) => { action: string }) | null = null;
  const contents = {
    on(name: string, fn: Listener) {
      listeners.set(name, [...(listeners.get(name) ?? []), fn]);
      return contents;
    },
    setWindowOpenHandler(fn: typeof openHandler) {
      openHandler = fn;
    },
  };
  /** Fires `name` like Electron does and says whether a listener prevented the default. */
  const fire = (name: string, eventFields: Record<string, unknown>, ...args: unknown[]) => {
    let prevented = false;
    const event = { ...eventFields, preventDefault: () => void (prevented = true) };
    for (const fn of listeners.get(name) ?? []) fn(event, ...args);
    return prevented;
  };
  return { contents, listeners, fire, open: (url: string) => openHandler!({ url }) };
}

function fakeSession() {
  const on = new Map<string, Listener[]>();
  const s = {
    request: null as null | ((contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void),
    check: null as null | ((...args: unknown[]) => boolean),
    device: null as null | ((...args: unknown[]) => boolean),
    headers: null as null | ((details: unknown, callback: (response: unknown) => void) => void),
  };
  const session = {
    setPermissionRequestHandler: (fn: typeof s.request) => void (s.request = fn),
    setPermissionCheckHandler: (fn: typeof s.check) => void (s.check = fn),
    setDevicePermissionHandler: (fn: typeof s.device) => void (s.device = fn),
    on(name: string, fn: Listener) {
      on.set(name, [...(on.get(name) ?? []), fn]);
      return session;
    },
    webRequest: { onHeadersReceived: (fn: typeof s.headers) => void (s.headers = fn) },
  };
  return { session, handlers: s, on };
}

const ORIGIN = 'app://workstation';

function setup() {
  const c = fakeContents();
  const s = fakeSession();
  const openExternal = vi.fn(async (_url: string) => {});
  hardenContents(c.contents as never, s.session as never, ORIGIN, openExternal);
  return { ...c, ...s, openExternal };
}

describe('webPreferences', () => {
  it('is exactly the hardened set, with the preload', () => {
    expect(webPreferences('/app/dist/preload/preload.cjs')).toStrictEqual({
      preload: '/app/dist/preload/preload.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
    });
  });
});

describe('hardenContents: navigation', () => {
  const foreign = ['https://example.com/', 'http://workstation/', 'file:///etc/passwd', 'app://other/index.html', 'media://frames/abc', 'javascript:alert(1)', 'not a url'];

  it.each(['will-navigate', 'will-redirect'])('%s to another origin is prevented, same origin allowed', (name) => {
    const { fire } = setup();
    for (const url of foreign) expect(fire(name, { url }, url), url).toBe(true);
    expect(fire(name, { url: 'app://workstation/cases/3' }, 'app://workstation/cases/3')).toBe(false);
    expect(fire(name, { url: 'app://WORKSTATION/' }, 'app://WORKSTATION/')).toBe(false);
  });

  it('will-frame-navigate (any frame) to another origin is prevented, same origin allowed', () => {
    const { fire } = setup();
    for (const url of foreign) expect(fire('will-frame-navigate', { url, isMainFrame: false }), url).toBe(true);
    expect(fire('will-frame-navigate', { url: 'app://workstation/index.html', isMainFrame: true })).toBe(false);
  });

  it('uses the URL argument when the event has none (older event shape)', () => {
    const { fire } = setup();
    expect(fire('will-navigate', {}, 'https://example.com')).toBe(true);
    expect(fire('will-navigate', {}, 'app://workstation/')).toBe(false);
  });

  it('prevents every <webview> from attaching and cancels the bluetooth chooser', () => {
    const { fire, listeners } = setup();
    expect(fire('will-attach-webview', {}, {}, { src: 'app://workstation/' })).toBe(true);
    const chosen = vi.fn();
    expect(fire('select-bluetooth-device', {}, [{ deviceId: 'x', deviceName: 'x' }], chosen)).toBe(true);
    expect(chosen).toHaveBeenCalledWith('');
    expect([...listeners.keys()].sort()).toEqual(['select-bluetooth-device', 'will-attach-webview', 'will-frame-navigate', 'will-navigate', 'will-redirect']);
  });
});

describe('hardenContents: new windows', () => {
  it('denies every window.open and hands only https links to the allow-listed sites to the OS browser', () => {
    const { open, openExternal } = setup();
    expect(open('https://huggingface.co/mehti/medgemma-cataract-surgical-analysis')).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledTimes(1);
    expect(openExternal).toHaveBeenCalledWith('https://huggingface.co/mehti/medgemma-cataract-surgical-analysis');
    for (const url of [
      'https://www.cataract-review.org/help',
      'http://huggingface.co/x',
      'https://huggingface.co.evil.example/x',
      'https://evilhuggingface.co/x',
      'https://user:pw@huggingface.co/x',
      'https://huggingface.co:8443/x',
      'file:///etc/passwd', 'app://workstation/other', 'javascript:alert(1)', 'smb://host/share', 'mailto:a@b.c', 'ms-msdt:foo', 'about:blank', '']) {
      expect(open(url), url).toEqual({ action: 'deny' });
    }
    expect(openExternal).toHaveBeenCalledTimes(1);
  });

  it('hands a page of the department library signed in to (any port) to the OS browser, only while signed in and only that site', () => {
    const c = fakeContents();
    const openExternal = vi.fn(async (_url: string) => {});
    let linked: string[] = [];
    hardenContents(c.contents as never, fakeSession().session as never, ORIGIN, openExternal, () => linked);
    const review = 'https://review.hospital.org:8443/#/reviews/12';
    expect(c.open(review)).toEqual({ action: 'deny' });
    expect(openExternal).not.toHaveBeenCalled(); // not signed in
    linked = ['https://review.hospital.org:8443'];
    expect(c.open(review)).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith(review);
    for (const url of [
      'https://review.hospital.org/#/reviews/12', // another port: another site
      'https://review.hospital.org:8444/',
      'http://review.hospital.org:8443/',
      'https://user:pw@review.hospital.org:8443/',
      'https://review.hospital.org.evil.example:8443/',
      'https://other.hospital.org:8443/']) {
      expect(c.open(url), url).toEqual({ action: 'deny' });
    }
    expect(openExternal).toHaveBeenCalledTimes(1);
    linked = [];
    c.open(review);
    expect(openExternal).toHaveBeenCalledTimes(1); // signed out: nothing opens
  });

  it('a failing openExternal changes nothing', () => {
    const c = fakeContents();
    hardenContents(c.contents as never, fakeSession().session as never, ORIGIN, () => Promise.reject(new Error('no browser')));
    expect(c.open('https://example.com')).toEqual({ action: 'deny' });
  });

  it('isExternalWebUrl accepts https pages of the allow-listed sites only', () => {
    expect(isExternalWebUrl('https://huggingface.co/x')).toBe(true);
    expect(isExternalWebUrl('https://cdn-lfs.huggingface.co/x')).toBe(true);
    expect(isExternalWebUrl('https://a.example/x')).toBe(false);
    expect(isExternalWebUrl('http://huggingface.co/x')).toBe(false);
    expect(isExternalWebUrl('file:///x')).toBe(false);
    expect(isExternalWebUrl('https:')).toBe(false);
  });

  it('every link the model catalog shows is allowed', () => {
    const catalog = fs.readFileSync(path.join(__dirname, '../../resources/models.json'), 'utf8');
    const links = [...catalog.matchAll(/"(?:modelPage|url)":\s*"([^"]+)"/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(3);
    for (const link of links) expect(isExternalWebUrl(link), link).toBe(true);
  });
});

describe('hardenSession', () => {
  const permissions = ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'hid', 'serial', 'usb', 'display-capture', 'unknown'];

  it('denies every permission request', () => {
    const { handlers } = setup();
    for (const p of permissions) {
      const callback = vi.fn();
      handlers.request!({}, p, callback, { requestingUrl: 'app://workstation/' });
      expect(callback, p).toHaveBeenCalledExactlyOnceWith(false);
    }
  });

  it('answers false to every permission check and device permission', () => {
    const { handlers } = setup();
    for (const p of permissions) expect(handlers.check!({}, p, 'app://workstation', {}), p).toBe(false);
    expect(handlers.device!({ deviceType: 'usb', origin: 'app://workstation', device: {} })).toBe(false);
    expect(handlers.device!({ deviceType: 'hid', origin: 'app://workstation', device: {} })).toBe(false);
  });

  it('cancels the HID, serial and USB choosers', () => {
    const { on } = setup();
    for (const [name, args, cancel] of [
      ['select-hid-device', [{ deviceList: [] }], null],
      ['select-serial-port', [[], {}], ''],
      ['select-usb-device', [{ deviceList: [] }], undefined],
    ] as const) {
      let prevented = false;
      const callback = vi.fn();
      for (const fn of on.get(name) ?? []) fn({ preventDefault: () => (prevented = true) }, ...args, callback);
      expect(prevented, name).toBe(true);
      expect(callback, name).toHaveBeenCalledTimes(1);
      expect(callback.mock.calls[0]![0], name).toBe(cancel);
    }
  });

  it('adds the CSP to app pages that lack one and leaves other responses alone', () => {
    const { handlers } = setup();
    const respond = (url: string, responseHeaders: Record<string, string[]>) => {
      let response: unknown;
      handlers.headers!({ url, responseHeaders }, (r) => (response = r));
      return response as { responseHeaders?: Record<string, string[]> };
    };
    expect(respond('app://workstation/index.html', { 'Content-Type': ['text/html'] }).responseHeaders).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
    const own = { 'content-security-policy': ["default-src 'none'"] };
    expect(respond('app://workstation/index.html', own).responseHeaders).toEqual(own);
    expect(respond('https://example.com/', { a: ['b'] })).toEqual({});
  });

  it('installs the session handlers once per session', () => {
    const s = fakeSession();
    hardenSession(s.session as never, ORIGIN);
    hardenSession(s.session as never, ORIGIN);
    hardenContents(fakeContents().contents as never, s.session as never, ORIGIN, vi.fn());
    expect(s.on.get('select-hid-device')).toHaveLength(1);
  });
});

describe('CONTENT_SECURITY_POLICY', () => {
  it('allows only the app itself to run code, and frames and media from known places', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self' 'unsafe-inline'",
      'img-src': "'self' media: blob: data:",
      'media-src': "'self' media: blob:",
      'connect-src': "'self' media:",
      'worker-src': "'self' blob:",
      'object-src': "'none'",
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'",
    });
  });
});
