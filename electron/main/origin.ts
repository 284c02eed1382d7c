// Where the app's own pages live. Everything else (http, file, media, other hosts) is foreign to the window.

export const APP_SCHEME = 'app';
export const APP_HOST = 'workstation';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/`;
export const MEDIA_SCHEME = 'media';

/**
 * True when `url` is on `origin` (scheme and host, case-insensitive host). Compared by parts because the
 * WHATWG URL gives custom schemes an opaque origin ("null"), so `new URL(url).origin` cannot be used.
 */
export function isSameOrigin(url: string | null | undefined, origin: string = APP_ORIGIN): boolean {
  if (!url) return false;
  let u: URL;
  let o: URL;
  try {
    u = new URL(url);
    o = new URL(origin);
  } catch {
    return false;
  }
  return u.protocol === o.protocol && u.host.toLowerCase() === o.host.toLowerCase() && u.username === '' && u.password === '';
}
