// Turning errors from the contract into text for people. Server messages are already written for users.

export interface ErrorInfo {
  code: string | null;
  message: string;
  details: string[];
}

export function errorInfo(err: unknown): ErrorInfo {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; details?: unknown };
    const message = typeof e.message === 'string' && e.message ? e.message : String(err);
    return {
      code: typeof e.code === 'string' ? e.code : null,
      message,
      details: Array.isArray(e.details) ? e.details.filter((d): d is string => typeof d === 'string') : [],
    };
  }
  return { code: null, message: String(err), details: [] };
}

export function errorMessage(err: unknown): string {
  return errorInfo(err).message;
}

/**
 * Field messages from a server error. `details` are "path: message" strings; `strip` removes a wrapper
 * such as "patch." (cases.update). A conflict without details belongs to `conflictField`.
 */
export function fieldErrorsFrom<F extends string>(
  err: unknown,
  fields: readonly F[],
  opts: { strip?: string; conflictField?: F } = {},
): Partial<Record<F, string>> {
  const info = errorInfo(err);
  const out: Partial<Record<F, string>> = {};
  for (const detail of info.details) {
    const i = detail.indexOf(': ');
    if (i < 0) continue;
    let path = detail.slice(0, i);
    if (opts.strip && path.startsWith(opts.strip)) path = path.slice(opts.strip.length);
    const field = path.split('.')[0] as F;
    if (fields.includes(field) && !out[field]) out[field] = detail.slice(i + 2);
  }
  if (info.code === 'conflict' && opts.conflictField && !out[opts.conflictField]) out[opts.conflictField] = info.message;
  return out;
}
