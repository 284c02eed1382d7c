// The review's toolbar, one row: the app's places (the review screen has no side bar), which case and video this
// is, the model's state (with the loading steps), where the review stands (draft, or finalised by whom), Finalise
// or Reopen, Export and the shortcut sheet.
import { useState, type ReactNode } from 'react';
import { REVIEWER_ROLE_LABELS } from '../../../../electron/api/schemas';
import type { Case } from '../../../../electron/api/schemas';
import type { Video } from '../../../../electron/api/schemas-video';
import { describeInference, useInference } from '../../app/inference-context';
import { LoadAgainButton } from '../../app/LoadAgainButton';
import { LoadSteps, loadStepLine } from '../../app/LoadSteps';
import { useNavigate, VIEWS } from '../../app/navigation';
import { CompareButton } from '../../compare/CompareButton';
import { ExportReportButton } from '../../reports/ExportReportDialog';
import { PublishButton } from '../../department/PublishButton';
import { TeachingClipButton } from '../../reports/TeachingClipDialog';
import { Button } from '../../ui/Button';
import { formatDateTime } from '../../ui/format';
import { formatTimecode } from '../player/timeline';
import { useReviewStore } from './review-store';
import { tip } from './shortcuts';

const NAV_ICONS: Record<string, ReactNode> = {
  library: <path d="M4 4h5v16H4zM10 4h4v16h-4zM15.5 4.6l3.9-1 3.1 15.5-3.9 1z" />,
  review: <path d="M3 5h14v14H3zM17 10l4-3v10l-4-3z" />,
  trainees: <path d="M3 20h18M5 16l4-5 4 3 6-8M19 6v4M19 6h-4" />,
  models: <path d="M12 2l8 4.5v9L12 20l-8-4.5v-9zM12 11l8-4.5M12 11v9M12 11L4 6.5" />,
  settings: <path d="M12 8.5a3.5 3.5 0 1 1 0 7 3.5 3.5 0 0 1 0-7zM12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9 7 7M17 17l2.1 2.1M4.9 19.1 7 17M17 7l2.1-2.1" />,
};

interface Props {
  item: Case;
  video: Video;
  onFinalise(): void;
  onReopen(): void;
  onShortcuts(): void;
  /** Back to the case in the Library. */
  onBack(): void;
}

export function WorkspaceToolbar({ item, video, onFinalise, onReopen, onShortcuts, onBack }: Props) {
  const navigate = useNavigate();
  const review = useReviewStore((s) => s.review);
  const final = review.status === 'final';
  const facts = `${video.codec ?? 'video'} · ${video.width}×${video.height} · ${video.variableFrameRate ? 'VFR' : `${video.fps.toFixed(video.fps % 1 ? 3 : 0)} fps`} · ${video.frameCount} frames · ${formatTimecode(video.durationSeconds).slice(0, 8)}`;
  return (
    <header className="ws-toolbar" data-testid="review-toolbar">
      <nav className="ws-nav" aria-label="Main">
        <span className="ws-brand" aria-hidden="true">
          <svg viewBox="0 0 24 24" width="18" height="18">
            <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" strokeWidth="2" />
            <circle cx="12" cy="12" r="3.5" fill="currentColor" />
          </svg>
        </span>
        {VIEWS.map((v) => (
          <button
            key={v.id}
            type="button"
            className="ws-nav-item"
            aria-current={v.id === 'review' ? 'page' : undefined}
            aria-label={v.label}
            title={`${v.label}: ${v.hint}`}
            data-testid={`nav-${v.id}`}
            onClick={() => navigate(v.id)}
          >
            <svg viewBox="0 0 24 24" width="17" height="17" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinejoin="round" strokeLinecap="round">
              {NAV_ICONS[v.id]}
            </svg>
          </button>
        ))}
      </nav>
      <div className="ws-title">
        <h1>
          <button type="button" className="ws-case" onClick={onBack} title={`Back to case ${item.code} in the Library`} data-testid="review-back">
            {item.code}
          </button>{' '}
          <span className="ws-file">{video.fileName}</span>
        </h1>
        <p className="ws-facts" data-testid="review-facts">
          {facts}
        </p>
      </div>
      <span className="ws-spacer" />
      <ModelChip />
      <span
        className={`ws-status${final ? ' is-final' : ''}`}
        data-testid="review-status"
        data-status={review.status}
        title={final ? `Finalised by ${review.finalisedBy ?? review.reviewer}${review.finalisedRole ? ` (${REVIEWER_ROLE_LABELS[review.finalisedRole]})` : ''} on ${formatDateTime(review.finalisedAt ?? '')}: locked` : `Draft by ${review.reviewer}: finalise it to sign it off`}
      >
        {final ? (
          <>
            <span aria-hidden="true">🔒</span> Final · {review.finalisedBy ?? review.reviewer}
            {review.finalisedRole ? `, ${REVIEWER_ROLE_LABELS[review.finalisedRole]}` : ''}
          </>
        ) : (
          'Draft'
        )}
      </span>
      {final ? (
        <Button size="sm" onClick={onReopen} data-testid="reopen-button" title="Unlock the review for changes (with a reason, kept in its history)">
          Reopen…
        </Button>
      ) : (
        <Button size="sm" variant="primary" onClick={onFinalise} data-testid="finalise-button" title="Check the review, then lock it and sign it off">
          Finalise…
        </Button>
      )}
      <TeachingClipButton reviewId={review.id} frameCount={video.frameCount} fps={video.fps} />
      <CompareButton reviewId={review.id} caseId={item.id} videoId={video.id} />
      <ExportReportButton reviewId={review.id} />
      <PublishButton reviewId={review.id} />
      <Button size="sm" variant="ghost" className="ws-help" onClick={onShortcuts} aria-label="Keyboard shortcuts" title={tip('sheet', 'Keyboard shortcuts')} data-testid="shortcuts-button">
        ?
      </Button>
    </header>
  );
}

function ModelChip() {
  const { status } = useInference();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const state = status?.state ?? 'unknown';
  const step = loadStepLine(status);
  const short = state === 'ready' ? `Ready · ${status?.model?.name ?? 'model'}` : state === 'loading' ? 'Loading model…' : state === 'no-model' ? 'No model' : state === 'unknown' ? 'Model…' : 'Model problem';
  return (
    <div className="ws-model">
      <button
        type="button"
        className={`ws-model-chip state-${state}`}
        onClick={() => (state === 'loading' ? setOpen((o) => !o) : navigate('models'))}
        title={`${describeInference(status)}${step ? ` — ${step}` : ''}${state === 'loading' ? '' : '. Open Models.'}`}
        aria-expanded={state === 'loading' ? open : undefined}
        data-testid="inference-status"
        data-state={state}
      >
        <span className={`status-dot status-${state}`} aria-hidden="true" />
        <span className="ws-model-name">{short}</span>
        {step && <span className="ws-model-step">{step.replace(/: .*/, '')}</span>}
      </button>
      {state === 'loading' && open && (
        <div className="ws-popover" role="dialog" aria-label="Loading the model">
          <LoadSteps status={status} />
        </div>
      )}
      <LoadAgainButton />
    </div>
  );
}
