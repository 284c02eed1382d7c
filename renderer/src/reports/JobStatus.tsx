// The running / finished / failed block of an export dialog (reports, teaching clips): the refusal to start, then
// the job's progress, what it made, or why it stopped. Each dialog keeps its own test ids and its own "done" text.
import type { ReactNode } from 'react';

export interface JobProgress {
  state: 'running' | 'completed' | 'failed' | 'cancelled';
  progress: number;
  step: string;
  message?: string | null;
}

export function JobStatus({ startError, job, testId, errorTestId, progressLabel, done }: {
  /** Why the job did not start (shown instead of a job). */
  startError: string | null;
  job: JobProgress | null;
  /** data-testid of the job block (data-state carries the state). */
  testId: string;
  /** data-testid of the error line (a refusal, a failure or a cancel). */
  errorTestId: string;
  progressLabel: string;
  /** What the completed job made. */
  done: ReactNode;
}) {
  return (
    <>
      {startError && (
        <p className="field-error" role="alert" data-testid={errorTestId}>
          {startError}
        </p>
      )}
      {job && (
        <div className={`report-job report-job-${job.state}`} data-testid={testId} data-state={job.state} role="status">
          {job.state === 'running' && (
            <>
              <progress max={1} value={job.progress} aria-label={progressLabel} />
              <span>{job.step}…</span>
            </>
          )}
          {job.state === 'completed' && done}
          {(job.state === 'failed' || job.state === 'cancelled') && (
            <p className={job.state === 'failed' ? 'field-error' : 'muted'} role={job.state === 'failed' ? 'alert' : undefined} data-testid={errorTestId}>
              {job.message}
            </p>
          )}
        </div>
      )}
    </>
  );
}
