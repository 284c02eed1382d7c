// Review: the surgeon's main screen. With a review open (from a case's video, a search hit, a recent review or its
// address #/review/<id>) it shows that review's workspace; otherwise it lists the recent reviews to go back to.
import { lazy, Suspense, useEffect, useState } from 'react';
import type { ReviewSummary } from '../../../electron/api/schemas-review';
import { api } from '../api';
import { useNavigate, useOpenReview } from '../app/navigation';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { formatDateTime } from '../ui/format';
import { useNotify } from '../ui/notify';
import type { ReviewTarget } from './review-target';
import './review.css';

// The player (video.js, mediabunny) loads with the first review, not with the app.
const ReviewSession = lazy(() => import('./ReviewSession').then((m) => ({ default: m.ReviewSession })));

interface Props {
  target: ReviewTarget | null;
  /** The review's id once known (a case's video opens its reviewer's review). */
  onResolved(reviewId: number): void;
  onBack(caseId: number | null): void;
}

export function ReviewView({ target, onResolved, onBack }: Props) {
  if (target) {
    const key = 'reviewId' in target ? `r${target.reviewId}` : `v${target.caseId}:${target.videoId}`;
    return (
      <Suspense fallback={<p className="muted pad">Opening the review…</p>}>
        <ReviewSession key={key} target={target} onResolved={onResolved} onBack={onBack} />
      </Suspense>
    );
  }
  return <RecentReviews />;
}

function RecentReviews() {
  const navigate = useNavigate();
  const openReview = useOpenReview();
  const notify = useNotify();
  const [items, setItems] = useState<ReviewSummary[] | null>(null);
  useEffect(() => {
    api.reviews
      .recent({ limit: 12 })
      .then(setItems)
      .catch((err: unknown) => {
        setItems([]);
        notify.error(err, 'Could not list the recent reviews.');
      });
  }, [notify]);
  return (
    <div className="page review-page">
      <header className="page-header">
        <h1>Review</h1>
        <p className="muted">Open a surgery video from its case in the Library, or go back to a recent review.</p>
      </header>
      {items && items.length > 0 ? (
        <ul className="recent-reviews card" data-testid="recent-reviews">
          {items.map((r) => (
            <li key={r.id}>
              <button type="button" className="recent-review" onClick={() => openReview({ reviewId: r.id })} data-testid="recent-review">
                <span className="recent-code">{r.caseCode}</span>
                <span>{r.videoName ?? 'video'}</span>
                <span className="muted">
                  frame {r.lastFrameIndex} · {r.frameCount} captured · {r.status === 'final' ? 'final' : 'draft'} · {formatDateTime(r.updatedAt)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <div className="card">
          <EmptyState title={items ? 'No reviews yet' : 'Loading…'} action={<Button onClick={() => navigate('library')}>Go to the Library</Button>}>
            Import a surgery video into a case (Library → a case → Videos), then choose <strong>Open review</strong>.
          </EmptyState>
        </div>
      )}
    </div>
  );
}
