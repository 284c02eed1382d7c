// Finishing a review. Finalise: the check list (what blocks it, what only warns, each item linking to its frames),
// then "Finalise and lock" under the reviewer's name and role. Reopen: only with a reason, kept in the audit log.
import { useEffect, useState } from 'react';
import { REVIEWER_ROLE_LABELS } from '../../../../electron/api/schemas';
import type { ReviewChecklist } from '../../../../electron/api/schemas-video';
import { api } from '../../api';
import { useNavigate } from '../../app/navigation';
import { Button } from '../../ui/Button';
import { CharCount, tooLong } from '../../ui/CharCount';
import { Dialog } from '../../ui/Dialog';
import { errorMessage } from '../../ui/errors';
import { useStore } from './review-store';

export function FinaliseDialog({ open, onClose, onGoToFrame }: { open: boolean; onClose(): void; onGoToFrame(k: number): void }) {
  const store = useStore();
  const navigate = useNavigate();
  const [list, setList] = useState<ReviewChecklist | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open) return;
    setList(null);
    setError(null);
    api.reviews.checklist({ id: store.reviewId }).then(setList, (err: unknown) => setError(errorMessage(err)));
  }, [open, store]);

  const finalise = async () => {
    setBusy(true);
    try {
      await store.finalise();
      onClose();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} title="Finalise the review" onClose={onClose} wide testId="finalise-dialog">
      {!list && !error && <p className="muted">Checking the review…</p>}
      {list && (
        <>
          <p className="finalise-lead">
            Finalising locks the review: annotations, tags, segments, notes and frames can no longer change until it is reopened with a reason. The reports then carry the sign-off.
          </p>
          <ul className="checklist" data-testid="checklist">
            {list.items.length === 0 && (
              <li className="check-item check-ok" data-testid="checklist-item" data-id="ok" data-severity="ok">
                <span className="check-icon" aria-hidden="true">
                  ✓
                </span>
                Every captured frame is tagged, every segment is named, nothing is still running.
              </li>
            )}
            {list.items.map((i) => (
              <li key={i.id} className={`check-item check-${i.severity}`} data-testid="checklist-item" data-id={i.id} data-severity={i.severity}>
                <span className="check-icon" aria-hidden="true">
                  {i.severity === 'block' ? '✕' : '!'}
                </span>
                <span>
                  <strong>{i.severity === 'block' ? 'Must be done first: ' : 'Check: '}</strong>
                  {i.message}
                  {i.frameIndices.length > 0 && (
                    <span className="check-links">
                      {' '}
                      {i.frameIndices.slice(0, 12).map((k) => (
                        <button
                          key={k}
                          type="button"
                          className="link"
                          onClick={() => {
                            onClose();
                            onGoToFrame(k);
                          }}
                        >
                          frame {k}
                        </button>
                      ))}
                      {i.frameIndices.length > 12 && ` and ${i.frameIndices.length - 12} more`}
                    </span>
                  )}
                  {i.id === 'identity' && (
                    <>
                      {' '}
                      <button type="button" className="link" onClick={() => navigate('settings')} data-testid="checklist-settings">
                        Open Settings
                      </button>
                    </>
                  )}
                </span>
              </li>
            ))}
          </ul>
          <p className="signoff-as" data-testid="signoff-as">
            {list.reviewer && list.role ? (
              <>
                Signed off as <strong>{list.reviewer}</strong> ({REVIEWER_ROLE_LABELS[list.role]}), now.
              </>
            ) : (
              'Set your name and role in Settings to sign off.'
            )}
          </p>
        </>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="finalise-error">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="primary" onClick={() => void finalise()} disabled={!list?.ready} busy={busy} data-testid="finalise-confirm">
          {list && list.items.some((i) => i.severity === 'warn') ? 'Finalise anyway and lock' : 'Finalise and lock'}
        </Button>
      </div>
    </Dialog>
  );
}

export function ReopenDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const store = useStore();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) {
      setReason('');
      setError(null);
    }
  }, [open]);
  const reopen = async () => {
    const why = reason.trim() ? tooLong(reason, 1000, 'A reason') : 'Give a reason for reopening the review (it is kept in the audit log).';
    if (why) {
      setError(why);
      return;
    }
    setBusy(true);
    try {
      await store.reopen(reason.trim());
      onClose();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} title="Reopen the review" onClose={onClose} testId="reopen-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void reopen();
        }}
      >
        <p>Reopening removes the sign-off until the review is finalised again. Say why: the reason is kept in the review’s history.</p>
        <textarea
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
            setError(null);
          }}
          rows={3}
          autoFocus
          placeholder="Why it needs changing"
          aria-label="Reason for reopening"
          aria-invalid={error ? true : undefined}
          data-testid="reopen-reason"
        />
        <CharCount value={reason} max={1000} />
        {error && (
          <p className="field-error" role="alert" data-testid="reopen-error">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} data-testid="reopen-confirm">
            Reopen
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
