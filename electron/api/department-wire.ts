// The department server's JSON shapes that both sides read: the server's stores (electron/core/department) write
// them, the department client and the web view (renderer/department) read them. Types only: the web view may import
// nothing else from electron/ but the contract.
import type { AnalysisTimings, GenerationParams, Provenance } from './schemas';
import type { AnnotationShape } from './schemas-review';

/** An annotation in the department library (GET /api/reviews/:id/annotations). */
export type LibraryAnnotation = AnnotationShape & {
  id: number;
  reviewId: number;
  frameIndex: number;
  label: string | null;
  color: string;
  version: number;
  /** Display names. */
  author: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
};

/** A note on a review or one of its frames (GET /api/reviews/:id/notes). */
export interface LibraryNote {
  id: number;
  reviewId: number;
  /** null: a note on the whole review; else on this frame. */
  frameIndex: number | null;
  text: string;
  version: number;
  /** Display names. */
  author: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
}

/** An analysis asked of the department server's engine (GET /api/reviews/:id/analyses). */
export type StoredAnalysisStatus = 'completed' | 'cancelled' | 'failed';
/** How the generation ended (electron/inference/protocol.ts AnalyzeResult['stopReason']). */
export type AnalysisStopReason = 'eos' | 'max-tokens' | 'aborted' | 'length';

export interface StoredAnalysis {
  id: number;
  reviewId: number;
  frameIndex: number;
  /** sha256 (hex) of the frame's PNG bytes as the reviewer sent them. */
  imageSha256: string;
  status: StoredAnalysisStatus;
  /** The question the model was asked (the seed prompt unless the reviewer asked their own). */
  prompt: string;
  params: GenerationParams;
  provenance: Provenance;
  rawText: string;
  thinking: string | null;
  answer: string;
  /** "Thinking Process:" and "Final Answer:" were both found. */
  structured: boolean;
  stopReason: AnalysisStopReason;
  timings: AnalysisTimings;
  askedBy: { id: number; displayName: string };
  askedAt: string;
  completedAt: string;
  /** The department server's version that ran it. */
  departmentBuild: string;
}

/**
 * `analysis.created` on a review's event stream (GET /api/reviews/:id/events): the server stored an analysis of one of
 * its frames. The analysis itself, or, when it is too large for PostgreSQL's NOTIFY (a long answer), a reference: read
 * the review's analyses again (GET /api/reviews/:id/analyses).
 */
export type AnalysisCreatedEvent =
  | { type: 'analysis.created'; reviewId: number; analysis: StoredAnalysis }
  | { type: 'analysis.created'; reviewId: number; analysisId: number; reload: true };

export type JobState = 'queued' | 'running' | 'done' | 'cancelled' | 'failed';

/** POST …/analyses answers this: follow the job at /api/analysis-jobs/:jobId/events. */
export interface JobTicket {
  jobId: number;
  /** 1 = next to run, 0 = running now. */
  position: number;
  state: JobState;
}

/** The events of a job's stream (GET /api/analysis-jobs/:id/events), in this order; the stream ends after the last. */
export type JobEvent =
  | { type: 'queued'; position: number }
  | { type: 'started' }
  | { type: 'token'; text: string }
  | { type: 'done'; analysis: StoredAnalysis }
  | { type: 'cancelled'; message: string }
  | { type: 'error'; code: string; message: string };
export type FinishedJobEvent = Extract<JobEvent, { type: 'done' | 'cancelled' | 'error' }>;

/** An account as an administrator sees it (GET /api/users; PATCH /api/users/:id, its password and unlock answer it). */
export interface DepartmentAccount {
  id: number;
  username: string;
  displayName: string;
  role: 'resident' | 'attending' | 'educator' | 'admin';
  /** A disabled account cannot sign in; disabling it ended its sessions. */
  disabled: boolean;
  /** Locked after too many wrong passwords until then; null when not locked (or the lock has run out). */
  lockedUntil: string | null;
  createdAt: string;
  /** The newest sign-in among the sessions the library still holds (signing out removes one); null when none. */
  lastSignInAt: string | null;
}
