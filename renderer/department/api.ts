// The department server's JSON API as the web view uses it (electron/host/department/README.md has the route table):
// same-origin fetch, the session in an HttpOnly cookie the page never sees, { ok, value } / { ok: false, error }.
// The wire shapes the server's stores write are in electron/api/department-wire.ts (types only: the renderer imports
// nothing from electron/ but the contract).
import type { AnalysisCreatedEvent, DepartmentAccount, JobEvent, JobTicket, LibraryAnnotation, LibraryNote, StoredAnalysis } from '../../electron/api/department-wire';

export type { AnalysisCreatedEvent, JobEvent, JobTicket, StoredAnalysis };

/** An account as an administrator sees it (GET /api/users, Accounts.tsx). */
export type Account = DepartmentAccount;

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

export type Annotation = LibraryAnnotation;
/** A note on the review (frameIndex null) or on one of its frames (GET/POST /api/reviews/:id/notes). */
export type Note = LibraryNote;

/** What GET /api/reviews/:id/events sends (after `ready`). */
export type ReviewEvent =
  | { type: 'review.created' | 'review.updated'; reviewId: number; review: Review }
  | { type: 'annotation.created' | 'annotation.updated'; reviewId: number; annotation: Annotation }
  | { type: 'annotation.created' | 'annotation.updated'; reviewId: number; annotationId: number; version: number; reload: true }
  | { type: 'annotation.deleted'; reviewId: number; annotationId: number; version: number; by: string; at: string }
  | { type: 'note.created' | 'note.updated'; reviewId: number; note: Note }
  | { type: 'note.created' | 'note.updated'; reviewId: number; noteId: number; version: number; reload: true }
  | { type: 'note.deleted'; reviewId: number; noteId: number; version: number; by: string; at: string }
  | AnalysisCreatedEvent
  | { type: 'resync'; reviewId: number };

export const EVENT_TYPES = [
  'review.created',
  'review.updated',
  'annotation.created',
  'annotation.updated',
  'annotation.deleted',
  'note.created',
  'note.updated',
  'note.deleted',
  'analysis.created',
  'resync',
] as const;

/** GET /api/status: the engine is null when the server has none (no "Analyse frame"). */
export interface ServerStatus {
  version: string;
  engine: { url: string; keyConfigured: boolean } | null;
}

/** One captured frame of a review published from a workstation; its PNG is /api/media/:sha256/content. */
export interface PublishedFrame {
  frameIndex: number;
  mediaTime: number | null;
  sha256: string;
  width: number;
  height: number;
}

/** An analysis made on the workstation and published with the review. */
export interface PublishedAnalysis {
  sourceId: number;
  frameIndex: number;
  status: string;
  answer: string;
  thinking: string | null;
  provenance: unknown;
  completedAt: string;
}

/** GET /api/reviews/:id/published (404 for a review created in the department). */
export interface Published {
  source: { caseCode: string; reviewer: string; status: string };
  publishedBy: string;
  publishedAt: string;
  video: { fileName: string; durationSeconds: number | null; fps: number | null; width: number | null; height: number | null };
  frames: PublishedFrame[];
  analyses: PublishedAnalysis[];
  /** Which department note came from the workstation, and who wrote it there (servers before notes were published: absent). */
  notes?: Array<{ noteId: number; author: string }>;
}

/** The provenance fields the page shows (electron/api/schemas.ts Provenance has more). */
export interface ProvenanceShown {
  modelName?: string;
  remoteModel?: string;
  modelFile?: string;
  engine?: string;
  engineVersion?: string;
}




export const JOB_EVENT_TYPES = ['queued', 'started', 'token', 'done', 'cancelled', 'error'] as const;

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

/** A frame's time in the video: "0:01.00" (minutes:seconds.hundredths). */
export function formatMediaTime(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  const m = Math.floor(seconds / 60);
  return `${m}:${(seconds - m * 60).toFixed(2).padStart(5, '0')}`;
}

/** The frame image's address (same origin: the session cookie goes with it). */
export const mediaUrl = (sha256: string) => `/api/media/${sha256}/content`;

/** "2025-03-14 09:26 UTC", as the server writes times in its messages. */
export function formatTime(iso: string | null): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '';
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
