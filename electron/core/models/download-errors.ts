// Download errors and their messages: the error class, an HTTP status turned into a message a user can act on,
// and URLs described by host and path only (never the query string of a signed URL, never a token).
import { WorkstationError, type ErrorCode } from '../../api/errors';

export class DownloadError extends WorkstationError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly retryable = false,
  ) {
    super(code, message);
  }
}

/** host + path of a URL, for messages: never the query (signed URLs) or credentials. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return 'the download address';
  }
}

export function cancelled(): DownloadError {
  return new DownloadError('cancelled', 'The download was cancelled.');
}

/** Turns an HTTP status into a fatal or retryable error (null when the status is usable). */
export function statusError(status: number, url: string, hadToken: boolean): DownloadError | null {
  if (status === 200 || status === 206) return null;
  const where = describeUrl(url);
  if (status === 401 || status === 403) {
    return new DownloadError(
      'forbidden',
      hadToken
        ? `The server refused the download of ${where} (HTTP ${status}) although a Hugging Face access token was sent. Check on the model page that your account has accepted the licence terms, and that the token is valid (set it again in Models → Hugging Face token).`
        : `The server refused the download of ${where} (HTTP ${status}). MedGemma is gated on Hugging Face: accept the licence terms on the model page with your account, then set a Hugging Face access token in Models → Hugging Face token and download again.`,
    );
  }
  if (status === 404 || status === 410) {
    return new DownloadError('not-found', `The file ${where} was not found on the server (HTTP ${status}). The catalog entry may be out of date: check the file on the model page, or import the files yourself.`);
  }
  if (status === 429 || status >= 500) return new DownloadError('unavailable', `the server answered HTTP ${status}`, true);
  return new DownloadError('unavailable', `The server answered HTTP ${status} for ${where}.`);
}
