// The department's reviews: title, status, who signed it off; a new review by title.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiFailure, call, errorText, formatTime, type Review } from './api';

export function StatusPill({ review }: { review: Review }) {
  return review.status === 'final' ? <span className="pill pill-final">Signed off</span> : <span className="pill pill-draft">Draft</span>;
}

export function ReviewList({ onSignedOut }: { onSignedOut: (message: string) => void }) {
  const [reviews, setReviews] = useState<Review[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);

  const fail = useCallback(
    (err: unknown) => {
      if (err instanceof ApiFailure && err.status === 401) onSignedOut(err.message);
      else setError(errorText(err));
    },
    [onSignedOut],
  );

  const load = useCallback(async () => {
    try {
      setReviews(await call<Review[]>('GET', '/api/reviews'));
      setError(null);
    } catch (err) {
      fail(err);
    }
  }, [fail]);

  useEffect(() => {
    void load();
  }, [load]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const review = await call<Review>('POST', '/api/reviews', { title });
      setTitle('');
      window.location.hash = `#/reviews/${review.id}`;
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="dept-page" aria-labelledby="reviews-title">
      <div className="dept-page-head">
        <h1 id="reviews-title">Reviews</h1>
        <button type="button" className="btn btn-sm" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {error && (
        <p className="dept-error" role="alert">
          {error}
        </p>
      )}
      {reviews === null ? (
        <p className="muted">Loading reviews…</p>
      ) : reviews.length === 0 ? (
        <p className="muted dept-empty">No reviews yet. Start one below.</p>
      ) : (
        <table className="dept-table card">
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Status</th>
              <th scope="col">Signed off by</th>
              <th scope="col">Last change</th>
            </tr>
          </thead>
          <tbody>
            {reviews.map((r) => (
              <tr key={r.id}>
                <td>
                  <a href={`#/reviews/${r.id}`}>{r.title}</a>
                </td>
                <td>
                  <StatusPill review={r} />
                </td>
                <td>{r.signedOffBy ? `${r.signedOffBy}, ${formatTime(r.signedOffAt)}` : <span className="muted">—</span>}</td>
                <td className="muted">
                  {r.updatedBy}, {formatTime(r.updatedAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="dept-inline-form" onSubmit={(e) => void create(e)}>
        <label htmlFor="new-review-title" className="field-label">
          New review
        </label>
        <input id="new-review-title" placeholder="Title, e.g. Case 1042 — phaco, right eye" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} />
        <button type="submit" className="btn" disabled={busy || !title.trim()}>
          Create
        </button>
      </form>
    </section>
  );
}
