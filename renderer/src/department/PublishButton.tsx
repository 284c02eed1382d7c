// "Publish to department" on the review screen (shown while this workstation is signed in to a department library):
// a dialog that says what is sent (the video, captured frames, annotations, analyses), then progress with Cancel,
// then where the review now is. Publishing again updates the department's copy and sends only what it lacks; a
// cancelled or interrupted upload resumes where it stopped.
import { useState } from 'react';
import type { PublishProgress } from '../../../electron/api/schemas-department';
import { api } from '../api';
import { JobStatus } from '../reports/JobStatus';
import { DepartmentReviewLink } from './ReviewLink';
import { useDepartmentLink } from '../settings/use-department-link';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { errorMessage } from '../ui/errors';
import { useJobProgress } from '../ui/use-job-progress';

const PHASE_LABELS: Record<PublishProgress['phase'], string> = {
  hashing: 'Checking the video file',
  checking: 'Asking the department what it already has',
  video: 'Sending the video',
  frames: 'Sending the captured frames',
  review: 'Saving the review in the department library',
};

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

export function PublishDialog({ reviewId, onClose }: { reviewId: number; onClose(): void }) {
  const link = useDepartmentLink();
  const progress = useJobProgress('department.publishProgress');
  const { job, jobId } = progress;
  const [startError, setStartError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);

  async function start() {
    setStarting(true);
    setStartError(null);
    progress.begin();
    try {
      const { jobId: id } = await api.department.publish({ reviewId });
      progress.track(id, { jobId: id, reviewId, state: 'running', phase: 'checking', sentBytes: 0, totalBytes: 0, message: null, result: null });
    } catch (err) {
      progress.fail();
      setStartError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  }

  const running = job?.state === 'running' || starting;
  const server = link?.connection;
  return (
    <Dialog open title="Publish to department" onClose={() => (running ? undefined : onClose())} testId="publish-dialog">
      {server ? (
        <p>
          Sends this review to <code>{server.url}</code> as <strong>{server.user.displayName}</strong>: its video, captured frames, annotations and analyses. Colleagues
          there see it at once; an attending signs it off there. Publishing again updates it and sends only what changed.
        </p>
      ) : (
        <p className="field-error" role="alert">
          Sign in to a department library first (Settings → Department library).
        </p>
      )}
      <JobStatus
        startError={startError}
        job={
          job && {
            state: job.state === 'done' ? 'completed' : job.state,
            progress: job.totalBytes > 0 ? job.sentBytes / job.totalBytes : 0,
            step: `${PHASE_LABELS[job.phase]}${job.totalBytes > 0 ? ` (${megabytes(job.sentBytes)} of ${megabytes(job.totalBytes)})` : ''}`,
            message: job.message,
          }
        }
        testId="publish-job"
        errorTestId="publish-error"
        progressLabel="Publishing"
        done={
          job?.result && (
            <p data-testid="publish-done">
              ✓ {job.result.created ? 'Published' : job.result.changed ? 'Updated' : 'Already up to date'}: review {job.result.departmentReviewId} in the department library,{' '}
              {job.result.frames} {job.result.frames === 1 ? 'frame' : 'frames'}
              {job.result.notes + job.result.tags > 0 ? ', ' : ' and '}
              {job.result.annotations} {job.result.annotations === 1 ? 'annotation' : 'annotations'}
              {job.result.notes + job.result.tags > 0 && `, ${plural(job.result.notes, 'note')} and ${plural(job.result.tags, 'tag')}`}.{' '}
              {job.result.videoSent ? `${megabytes(job.result.bytesSent)} sent.` : job.result.bytesSent > 0 ? `${megabytes(job.result.bytesSent)} of frames sent; the video was already there.` : 'Nothing needed sending.'}
              {server && (
                <>
                  {' '}
                  <DepartmentReviewLink base={server.url} reviewId={job.result.departmentReviewId} testId="publish-open">
                    Open it in the department library ↗
                  </DepartmentReviewLink>
                </>
              )}
            </p>
          )
        }
      />
      <div className="dialog-actions">
        {running ? (
          <Button onClick={() => jobId.current && void api.department.cancelPublish({ jobId: jobId.current })} data-testid="publish-cancel">
            Cancel
          </Button>
        ) : (
          <Button onClick={onClose} data-testid="publish-close">
            Close
          </Button>
        )}
        {!running && job?.state !== 'done' && (
          <Button variant="primary" onClick={() => void start()} disabled={!server} data-testid="publish-start">
            {job?.state === 'cancelled' || job?.state === 'failed' ? 'Publish again' : 'Publish'}
          </Button>
        )}
      </div>
    </Dialog>
  );
}

/** The toolbar button: only while signed in to a department library. */
export function PublishButton({ reviewId }: { reviewId: number }) {
  const link = useDepartmentLink();
  const [open, setOpen] = useState(false);
  if (!link?.connection && !open) return null;
  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)} data-testid="publish-button" title={`Send this review to the department library at ${link?.connection?.url ?? ''}`}>
        Publish…
      </Button>
      {open && <PublishDialog reviewId={reviewId} onClose={() => setOpen(false)} />}
    </>
  );
}
