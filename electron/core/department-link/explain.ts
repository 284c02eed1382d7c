// What the reviewer reads when the department server refuses, cannot be reached or is not trusted. The server's
// own refusals (wrong password, locked account, a resident's sign-off, a stale version) keep its words.
import { WorkstationError, type ErrorCode } from '../../api/errors';

/** The parts of a client error this needs (department/client.ts's DepartmentApiError has them). */
interface Refusal {
  status: number;
  error: { code: ErrorCode; message: string };
}

const CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function isRefusal(err: unknown): err is Refusal {
  if (typeof err !== 'object' || err === null) return false;
  const r = err as Partial<Refusal>;
  return typeof r.status === 'number' && typeof r.error === 'object' && r.error !== null && typeof r.error.message === 'string';
}

/** What the reviewer reads when the server no longer knows the link's session (expired, signed out elsewhere). */
export const SESSION_ENDED = 'The department server ended your session (it expired, or you were signed out). Sign in again in Settings → Department library.';

export function explainDepartmentError(err: unknown, url: string): WorkstationError {
  if (err instanceof WorkstationError) return err;
  if (isRefusal(err)) {
    if (err.status === 503) return new WorkstationError('unavailable', `The department library is not available right now: ${err.error.message}`);
    if (err.status === 404 && /other than JSON/.test(err.error.message)) {
      return new WorkstationError('unsupported-input', `${url} answers, but not as a department library server. Check the address with your IT department.`);
    }
    const code: ErrorCode = err.status === 401 ? 'forbidden' : err.error.code;
    return new WorkstationError(code, err.error.message);
  }
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  if (e?.code && CERTIFICATE.has(e.code)) {
    return new WorkstationError(
      'unavailable',
      `The certificate of ${host} is not trusted by this computer (${e.code.toLowerCase().replace(/_/g, ' ')}). Ask your IT department for the certificate that signed it and choose it as the certificate file.`,
    );
  }
  if (e?.code === 'ECONNREFUSED') return new WorkstationError('unavailable', `Nothing answers at ${host}. Check the address and that the department server is running.`);
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return new WorkstationError('unavailable', `No server called ${host} was found. Check the address, and that this computer is on the hospital network.`);
  if (e?.code === 'ETIMEDOUT' || e?.code === 'ECONNRESET' || e?.name === 'TimeoutError') {
    return new WorkstationError('unavailable', `${host} stopped answering. Check the network and try again.`);
  }
  if (e?.code === 'EPROTO' || /wrong version number|packet length too long/i.test(e?.message ?? '')) {
    return new WorkstationError('unsupported-input', `${host} does not speak HTTPS on that port. Check the address (https:// and the port) with your IT department.`);
  }
  return new WorkstationError('unavailable', `The department server at ${host} could not be reached: ${e?.message ?? String(err)}`);
}
