// The three side by side once the resident has answered (and for an attending or educator at any time): the
// resident's response, the model's analysis (labelled as AI, research use only) and the attending's notes, each with
// who wrote it and when. Read from teaching.reveal, which the service refuses to a resident who has not answered.
import { useEffect, useState } from 'react';
import { REVIEWER_ROLE_LABELS } from '../../../electron/api/schemas';
import type { TeachingReveal, TeachingTarget } from '../../../electron/api/schemas-teaching';
import { AiLabel } from '../analysis/AnalysisOutput';
import { api } from '../api';
import { useReviewStore } from '../review/workspace/review-store';
import { formatDateTime } from '../ui/format';
import { teachingStore } from './teaching-store';

export function TeachingCompare({ reviewId, target, frameIndex }: { reviewId: number; target: TeachingTarget; frameIndex: number | null }) {
  const [shown, setShown] = useState<TeachingReveal | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Reload when the responses, the notes or the analyses change.
  const responses = teachingStore(reviewId).state?.responses;
  const notes = useReviewStore((s) => s.notes);
  const analysed = useReviewStore((s) => s.analysed);
  const key = target.frameId ?? `s${target.segmentId}`;
  useEffect(() => {
    let alive = true;
    api.teaching.reveal({ reviewId, target }).then(
      (r) => {
        if (!alive) return;
        setShown(r);
        setError(null);
      },
      (err: unknown) => {
        if (alive) setError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => {
      alive = false;
    };
    // The target object is new each render; `key` names it.
  }, [reviewId, key, responses, notes, analysed]);

  if (error) return <p className="field-error" role="alert">{error}</p>;
  if (!shown) return null;
  const thing = target.segmentId !== undefined ? 'segment' : 'frame';
  const where = frameIndex !== null ? `Frame ${frameIndex}` : `This ${thing}`;
  return (
    <section className="teaching-compare" aria-label="Side by side" data-testid="teaching-compare">
      <h3>{where}: side by side</h3>
      <div className="teaching-columns">
        <article className="teaching-col" data-testid="teaching-col-resident">
          <h4>Resident</h4>
          {shown.responses.length === 0 && <p className="muted">No resident has answered on this {thing} yet.</p>}
          {shown.responses.map((r) => (
            <div key={r.id} className="teaching-item" data-testid="teaching-response">
              <p>
                <b>Sees:</b> {r.seen}
              </p>
              <p>
                <b>Would do next:</b> {r.nextStep}
              </p>
              <p className="muted teaching-by">
                {r.author} ({REVIEWER_ROLE_LABELS[r.authorRole]}) · {formatDateTime(r.updatedAt)}
              </p>
            </div>
          ))}
        </article>
        <article className="teaching-col" data-testid="teaching-col-analysis">
          <h4>Model’s analysis</h4>
          {shown.analysis ? (
            <div className="teaching-item">
              <AiLabel testId="teaching-ai-label" />
              <p data-testid="teaching-analysis-answer">{shown.analysis.answer}</p>
              <p className="muted teaching-by">
                {shown.analysis.model || 'Model'} · {formatDateTime(shown.analysis.createdAt)}
              </p>
            </div>
          ) : (
            <p className="muted">{thing === 'frame' ? (
              <>
                Not analysed yet: <kbd>A</kbd> asks the model about this frame.
              </>
            ) : (
              'No frame in this segment has been analysed yet.'
            )}</p>
          )}
        </article>
        <article className="teaching-col" data-testid="teaching-col-note">
          <h4>Attending’s note</h4>
          {shown.notes.length === 0 && <p className="muted">No note on this {thing} yet.</p>}
          {shown.notes.map((n) => (
            <div key={`${n.kind}${n.id}`} className="teaching-item" data-testid="teaching-note">
              <p>{n.text}</p>
              <p className="muted teaching-by">
                {n.author} · {formatDateTime(n.updatedAt)}
              </p>
            </div>
          ))}
        </article>
      </div>
    </section>
  );
}
