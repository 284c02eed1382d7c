// What the department server's shared inference says about a job (electron/host/department/shared-inference.ts), as
// its routes send it and the department client reads it.
import type { StoredAnalysis } from './analyses-store';

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
