// The window's security settings and the guards every web contents gets (Electron security checklist:
// sandbox, isolation, no Node, no navigation, no new windows, no webview, no permissions, CSP).
// Electron objects come in as parameters (type imports only) so a unit test can pass recording fakes.
import type { Session, WebContents, WebPreferences } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../core/security/csp';
import { isSameOrigin } from './origin';

/** The exact webPreferences of the workstation window. */
export function webPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
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
  };
}

export type OpenExternal = (url: string) => Promise<void> | void;

export type HardenableContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;
export type HardenableSession = Pick<
  Session,
  'on' | 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'
> & { webRequest: Pick<Session['webRequest'], 'onHeadersReceived'> };

/**
 * The sites a link in the app may open in the OS browser: the model pages and licence terms the catalog names
 * (resources/models.json; a test checks that every link there is covered). Nothing else leaves the app: a page that
 * was tricked into window.open of another address opens nothing.
 */
export const EXTERNAL_LINK_HOSTS: readonly string[] = ['huggingface.co', 'developers.google.com'];

/** Links the user clicks that may leave the app: https pages on the allow-listed sites, and only into the OS browser. */
export function isExternalWebUrl(url: string, hosts: readonly string[] = EXTERNAL_LINK_HOSTS): boolean {
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' || u.username || u.password || u.port) return false;
    const host = u.hostname.toLowerCase();
    return hosts.some((h) => host === h || host.endsWith(`.${h}`));
  } catch {
    return false;
  }
}

/**
 * A page of a site the reviewer signed in to from the app (the department library's web page: https, any port), only
 * at exactly one of `origins` (scheme, host and port) and without credentials in the address.
 */
export function isLinkedSiteUrl(url: string, origins: readonly string[]): boolean {
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' || u.username || u.password) return false;
    return origins.some((o) => {
      try {
        return new URL(o).origin === u.origin;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Guards one web contents: navigation and redirects stay on `allowedOrigin`, window.open never opens an
 * Electron window (https links to the allow-listed sites, and to the department library signed in to, go to the OS
 * browser through `openExternal`), <webview> cannot attach.
 * Also hardens its session (see hardenSession).
 */
export function hardenContents(
  contents: HardenableContents,
  session: HardenableSession,
  allowedOrigin: string,
  openExternal: OpenExternal,
  /** The sites signed in to now (the department library), whose pages a link may open in the OS browser too. */
  linkedOrigins: () => readonly string[] = () => [],
): void {
  const guard = (event: { url?: string; preventDefault(): void }, url?: string) => {
    if (!isSameOrigin(event.url ?? url, allowedOrigin)) event.preventDefault();
  };
  contents.on('will-navigate', (event, url) => guard(event, url));
  contents.on('will-redirect', (event, url) => guard(event, url));
  contents.on('will-frame-navigate', (event) => guard(event));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.on('select-bluetooth-device', (event, _devices, callback) => {
    event.preventDefault();
    callback(''); // cancels the chooser
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalWebUrl(url) || isLinkedSiteUrl(url, linkedOrigins())) {
      try {
        void Promise.resolve(openExternal(url)).catch(() => {});
      } catch {
        // The OS could not open it; the page stays where it is.
      }
    }
    return { action: 'deny' };
  });
  hardenSession(session, allowedOrigin);
}

const hardened = new WeakSet<object>();

/**
 * Denies every permission request and check (camera, notifications, geolocation, HID, serial, USB, ...),
 * cancels device choosers, and adds the CSP to app pages whose response lacks one. Idempotent per session.
 */
export function hardenSession(session: HardenableSession, allowedOrigin: string): void {
  if (hardened.has(session)) return;
  hardened.add(session);
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback(null);
  });
  session.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isSameOrigin(details.url, allowedOrigin)) {
      callback({});
      return;
    }
    const headers = { ...(details.responseHeaders ?? {}) };
    const hasCsp = Object.keys(headers).some((k) => k.toLowerCase() === 'content-security-policy');
    if (!hasCsp) headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
    callback({ responseHeaders: headers });
  });
}
