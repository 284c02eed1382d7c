// The one Content-Security-Policy of the renderer, sent by app:// (Electron) and by the browser host.
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

export const CONTENT_SECURITY_POLICY: string = DIRECTIVES.map(([name, value]) => `${name} ${value}`).join('; ');
