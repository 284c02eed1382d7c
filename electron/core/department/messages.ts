// The refusals a reviewer reads when the library has moved on under them: who changed it, when, what to do.
import type { z } from 'zod';
import { WorkstationError } from '../../api/errors';

/** "2025-03-14 09:26 UTC": how the store writes a time in a message. */
export function formatTime(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** A write based on a version someone else has since replaced. Nothing was written. */
export function changedByError(displayName: string, at: string): WorkstationError {
  return new WorkstationError('conflict', `Changed by ${displayName} at ${formatTime(at)} — reload to see their change`);
}

/** A write to something someone else has deleted. Nothing was written. */
export function deletedByError(what: string, displayName: string, at: string): WorkstationError {
  return new WorkstationError('conflict', `This ${what} was deleted by ${displayName} at ${formatTime(at)} — reload to see the review as it is now`);
}

/** A write to a review that has been signed off. Nothing was written. */
export function signedOffError(displayName: string | null, at: string | null): WorkstationError {
  const who = displayName ? ` by ${displayName}` : '';
  const when = at ? ` at ${formatTime(at)}` : '';
  return new WorkstationError('conflict', `This review was signed off${who}${when} — reopen it to edit`);
}

export function reviewNotFound(id: number): WorkstationError {
  return new WorkstationError('not-found', `Review ${id} does not exist (it may have been deleted).`);
}

export function annotationNotFound(id: number): WorkstationError {
  return new WorkstationError('not-found', `Annotation ${id} does not exist (it may have been deleted).`);
}

/** Parses input against a schema; a failure is an invalid-argument with the first problem as the message. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, fallback = 'Invalid input.'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`);
  throw new WorkstationError('invalid-argument', result.error.issues[0]?.message ?? fallback, details);
}

export function accountNotFound(id: number): WorkstationError {
  return new WorkstationError('not-found', `Account ${id} does not exist.`);
}

/** A change that would leave the library without an administrator who can sign in. Nothing was written. */
export function lastAdminError(what: 'disable' | 'demote', self: boolean, displayName: string): WorkstationError {
  const who = self
    ? `You are the last active administrator, so you cannot ${what} your own account`
    : `${displayName} is the last active administrator, so you cannot ${what} them`;
  return new WorkstationError('conflict', `${who}: make another account an administrator first.`);
}
