// Errors that cross the contract boundary. A service throws WorkstationError with a code and a message
// written for the user; transports carry { code, message, details } and the client rethrows it.

export const ERROR_CODES = [
  'invalid-argument', // the call's arguments failed the schema or a business rule
  'not-found',
  'conflict',
  'unavailable', // e.g. no model loaded, worker restarting
  'unsupported-input', // a file we cannot use (not a video, wrong model architecture, ...)
  'cancelled',
  'forbidden', // the caller is not allowed (a foreign frame, a missing token)
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiErrorShape {
  code: ErrorCode;
  message: string;
  details?: string[];
}

export class WorkstationError extends Error {
  readonly code: ErrorCode;
  readonly details: string[] | undefined;
  constructor(code: ErrorCode, message: string, details?: string[]) {
    super(message);
    this.name = 'WorkstationError';
    this.code = code;
    this.details = details;
  }
  toShape(): ApiErrorShape {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export function toApiError(err: unknown): ApiErrorShape {
  if (err instanceof WorkstationError) return err.toShape();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message: `Unexpected error: ${message}` };
}

export function fromApiError(shape: ApiErrorShape): WorkstationError {
  return new WorkstationError(shape.code, shape.message, shape.details);
}
