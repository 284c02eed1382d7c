// Teaching mode in the Analysis tab. An attending or educator turns it on or off here. A resident (anyone whose role
// in Settings is not attending or educator) on a frame they have not answered on sees only the form — what they see,
// what they would do next — and a line saying why the analysis is hidden: the analysis panel is not even mounted
// (nothing is fetched or drawn). Once they save, their response, the model's analysis and the attending's notes
// are shown side by side (TeachingCompare), and the analysis panel below.
import { useState, type ReactNode } from 'react';
import { REVIEWER_ROLE_LABELS } from '../../../electron/api/schemas';
import { useReviewStore, useStore } from '../review/workspace/review-store';
import { Button } from '../ui/Button';
import { formatDateTime } from '../ui/format';
import { ResponseForm } from './ResponseForm';
import { TeachingCompare } from './TeachingCompare';
import { useTeaching } from './teaching-store';
import './teaching.css';

export function TeachingGate({ children }: { children: ReactNode }) {
  const store = useStore();
  const t = useTeaching(store.reviewId);
  const frameId = useReviewStore((s) => s.panelFrameId);
  const frameIndex = useReviewStore((s) => s.frames.find((f) => f.id === s.panelFrameId)?.frameIndex ?? null);
  const locked = useReviewStore((s) => s.review.status === 'final');
  const st = t.state;

  const target = frameId !== null ? { frameId } : null;
  // Nothing on screen to hide yet (no captured frame in the panel): the panel as it is, with Analyze (A).
  if (!st && !target) return <>{children}</>;
  if (!st) {
    return (
      <p className="muted inspector-empty" data-testid="teaching-loading">
        Checking whether this review is in teaching mode…
      </p>
    );
  }
  const teaches = st.role === 'attending' || st.role === 'educator';
  const mustAnswer = target !== null && t.mustAnswer(target);
  return (
    <div className="teaching-gate">
      {(st.mode || teaches) && <ModeBar reviewId={store.reviewId} teaches={teaches} locked={locked} />}
      {mustAnswer ? (
        <ResponseForm key={frameId} target={{ frameId: frameId! }} where={frameIndex !== null ? `frame ${frameIndex}` : 'this frame'} locked={locked} />
      ) : (
        <>
          {st.mode && target && <TeachingCompare key={frameId} reviewId={store.reviewId} target={target} frameIndex={frameIndex} />}
          {st.mode && st.gated && !target && (
            <p className="teaching-why" data-testid="teaching-capture-first">
              Teaching mode: capture the frame on screen (<kbd>C</kbd>) and write what you see and what you would do next before you ask the model.
            </p>
          )}
          {children}
        </>
      )}
    </div>
  );
}

function ModeBar({ reviewId, teaches, locked }: { reviewId: number; teaches: boolean; locked: boolean }) {
  const t = useTeaching(reviewId);
  const [busy, setBusy] = useState(false);
  const store = useStore();
  const mode = t.state?.mode ?? null;
  const toggle = async () => {
    setBusy(true);
    try {
      await t.store.setMode(!mode);
    } catch (err) {
      store.onError(err, 'Teaching mode was not changed.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className={`teaching-bar${mode ? ' is-on' : ''}`} data-testid="teaching-bar" data-on={mode ? 'true' : 'false'}>
      <p>
        <strong>Teaching mode {mode ? 'on' : 'off'}</strong>
        {mode ? (
          <span className="muted">
            {' '}
            · set by {mode.setBy} ({REVIEWER_ROLE_LABELS[mode.setRole]}), {formatDateTime(mode.setAt)}
          </span>
        ) : (
          <span className="muted"> · residents see the analysis and your notes only after writing their own reading of the frame.</span>
        )}
      </p>
      {teaches && !locked && (
        <Button size="sm" variant={mode ? 'secondary' : 'primary'} busy={busy} onClick={() => void toggle()} data-testid="teaching-toggle">
          {mode ? 'Turn off' : 'Turn on teaching mode'}
        </Button>
      )}
    </div>
  );
}
