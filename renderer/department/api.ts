// The department server's JSON API as the web view uses it (electron/host/department/README.md has the route table):
// same-origin fetch, the session in an HttpOnly cookie the page never sees, { ok, value } / { ok: false, error }.
// The wire shapes are written out here: the renderer imports nothing from electron/ but the contract (electron/api).
import type { AnnotationShape } from '../../electron/api/schemas-review';

export type Role = 'resident' | 'attending' | 'educator' | 'admin';

export interface User {
  id: number;
  username: string;
  displayName: string;
  role: Role;
}

export interface Me {
  user: User;
  permissions: { signOff: boolean; createAccounts: boolean };
}

export interface Review {
  id: number;
  title: string;
  status: 'draft' | 'final';
  version: number;
  signedOffBy: string | null;
  signedOffAt: string | null;
  updatedBy: string;
  updatedAt: string;
}

export type Annotation = AnnotationShape & {
  id: number;
  reviewId: number;
  frameIndex: number;
  label: string | null;
  color: string;
  version: number;
  author: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
};

/** What GET /api/reviews/:id/events sends (after `ready`). */
export type ReviewEvent =
  | { type: 'review.created' | 'review.updated'; reviewId: number; review: Review }
  | { type: 'annotation.created' | 'annotation.updated'; reviewId: number; annotation: Annotation }
  | { type: 'annotation.created' | 'annotation.updated'; reviewId: number; annotationId: number; version: number; reload: true }
  | { type: 'annotation.deleted'; reviewId: number; annotationId: number; version: number; by: string; at: string }
  | { type: 'resync'; reviewId: number };

export const EVENT_TYPES = ['review.created', 'review.updated', 'annotation.created', 'annotation.updated', 'annotation.deleted', 'resync'] as const;

/** A refusal from the server, with its words (shown as they are) and its HTTP status. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** 409: someone changed it since it was read, or the review is signed off. */
  get conflict(): boolean {
    return this.status === 409;
  }
}

export async function call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiFailure(0, 'unavailable', 'The department server cannot be reached. Check the connection and try again.');
  }
  type Envelope = { ok: boolean; value?: unknown; error?: { code: string; message: string } };
  // Not JSON (a proxy's error page): null, handled below.
  const parsed = (await res.json().catch(() => null)) as Envelope | null;
  if (parsed?.ok) return parsed.value as T;
  if (parsed?.error) throw new ApiFailure(res.status, parsed.error.code, parsed.error.message);
  throw new ApiFailure(res.status, 'internal', `The department server answered ${res.status} ${res.statusText}.`);
}

export const ROLE_LABELS: Record<Role, string> = { resident: 'Resident', attending: 'Attending surgeon', educator: 'Educator', admin: 'Administrator' };

/** "2025-03-14 09:26 UTC", as the server writes times in its messages. */
export function formatTime(iso: string | null): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '';
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
