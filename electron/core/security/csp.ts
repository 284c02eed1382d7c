// The one Content-Security-Policy of the renderer and the headers every app page is sent with: used by app://
// (Electron), by the browser host, by the session's header guard, and written into the built index.html's <meta>
// by the renderer's build (injectMetaCsp, in renderer/vite.config.ts), so the three can never drift apart.
// No electron import here: core must stay loadable under plain Node.

const DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  // React and Konva set inline style attributes; scripts stay 'self' only.
  ['style-src', "'self' 'unsafe-inline'"],
  ['img-src', "'self' media: blob: data:"],
  ['media-src', "'self' media: blob:"],
  // media: for the review's frame decoder (a worker that reads library videos over HTTP Range with fetch).
  ['connect-src', "'self' media:"],
  ['worker-src', "'self' blob:"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-ancestors', "'none'"],
];

/** Directives a <meta> CSP cannot carry (browsers ignore them there); the response header has them. */
const HEADER_ONLY = new Set(['frame-ancestors']);

export const CONTENT_SECURITY_POLICY: string = DIRECTIVES.map(([name, value]) => `${name} ${value}`).join('; ');

/** The same policy for index.html's <meta http-equiv="Content-Security-Policy">. */
export const META_CONTENT_SECURITY_POLICY: string = DIRECTIVES.filter(([name]) => !HEADER_ONLY.has(name))
  .map(([name, value]) => `${name} ${value}`)
  .join('; ');

/** The headers of every app page (index.html and its assets), from app:// and from the browser host. */
export function pageSecurityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-cache',
  };
}

export const META_CSP_PLACEHOLDER = '%WORKSTATION_CSP%';

/** index.html with the placeholder of its CSP <meta> replaced by the policy; a build without the placeholder fails. */
export function injectMetaCsp(html: string): string {
  if (!html.includes(META_CSP_PLACEHOLDER)) throw new Error(`index.html has no ${META_CSP_PLACEHOLDER} in its Content-Security-Policy <meta>.`);
  return html.split(META_CSP_PLACEHOLDER).join(META_CONTENT_SECURITY_POLICY);
}
