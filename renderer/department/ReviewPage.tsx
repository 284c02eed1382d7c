// One review: its status and sign-off, its annotations and notes (live), sign off / reopen; a review published from a
// workstation also has its frames, drawn over, and the model's analyses (PublishedReview.tsx). Every refusal
// shows the server's own words; a 409 (someone changed it since this page read it, or it was signed off) comes with
// a Reload button.
import { useState, type FormEvent } from 'react';
import { Annotations, type AnnotationsProps, type LabelDraft } from './Annotations';
import { ApiFailure, call, errorText, formatTime, type Annotation, type Me, type Review } from './api';
import { useLiveReview, type LiveState } from './live';
import { Notes } from './Notes';
import { usePublished } from './published';
import { PublishedReview } from './PublishedReview';
import { StatusPill } from './ReviewList';

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Live updates stopped — reload the page',
};

interface Notice {
  text: string;
  /** 409: offer to reload. */
  conflict: boolean;
}

export function ReviewPage({ reviewId, me, onSignedOut }: { reviewId: number; me: Me; onSignedOut: (message: string) => void }) {
  const pub = usePublished(reviewId);
  const held = useLiveReview(reviewId, pub); // analyses stored meanwhile (anyone's) appear live
  const { review } = held;
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState<LabelDraft | null>(null);
  const [reopening, setReopening] = useState<string | null>(null);
  /** Counts Reloads: the notes' open editors start again from what was read. */
  const [reloads, setReloads] = useState(0);

  /** Runs one write; a refusal becomes the notice (401: back to sign-in). True if it went through. */
  const write = async (work: () => Promise<void>): Promise<boolean> => {
    setBusy(true);
    setNotice(null);
    try {
      await work();
      return true;
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 401) onSignedOut(err.message);
      else setNotice({ text: errorText(err), conflict: err instanceof ApiFailure && err.conflict });
      return false;
    } finally {
      setBusy(false);
    }
  };

  const reload = async () => {
    setNotice(null);
    setEditing(null);
    setReloads((n) => n + 1);
    await held.reload();
  };

  const saveLabel = (draft: LabelDraft) =>
    void write(async () => {
      const body = { version: draft.version, label: draft.label.trim() || null };
      held.applyAnnotation(await call<Annotation>('PATCH', `/api/annotations/${draft.id}`, body));
      setEditing(null);
    });

  const remove = (a: Annotation) =>
    void write(async () => {
      await call('DELETE', `/api/annotations/${a.id}`, { version: a.version });
      held.removeAnnotation(a.id);
    });

  const signOff = (r: Review) => void write(async () => held.applyReview(await call<Review>('POST', `/api/reviews/${r.id}/finalise`, { version: r.version })));

  const reopen = async (e: FormEvent, r: Review) => {
    e.preventDefault();
    const ok = await write(async () => held.applyReview(await call<Review>('POST', `/api/reviews/${r.id}/reopen`, { version: r.version, reason: reopening ?? '' })));
    if (ok) setReopening(null);
  };

  if (!review || pub.published === 'loading') {
    return (
      <section className="dept-page">
        <a href="#/" className="dept-back">
          ← All reviews
        </a>
        {held.loadError || pub.error ? (
          <p className="dept-error" role="alert">
            {held.loadError ?? pub.error}
          </p>
        ) : (
          <p className="muted">Loading the review…</p>
        )}
      </section>
    );
  }

  const draft = review.status === 'draft';
  const annotationsProps: Omit<AnnotationsProps, 'annotations'> = { editable: draft, editing, busy, onEdit: setEditing, onSaveLabel: saveLabel, onDelete: remove };
  return (
    <section className={`dept-page${pub.published ? ' dept-published' : ''}`} aria-labelledby="review-title">
      <a href="#/" className="dept-back">
        ← All reviews
      </a>
      <div className="dept-page-head">
        <div className="dept-title">
          <h1 id="review-title">{review.title}</h1>
          <StatusPill review={review} />
        </div>
        <span className={`dept-live dept-live-${held.live}`} role="status">
          <span className="dept-live-dot" aria-hidden="true" />
          {LIVE_TEXT[held.live]}
        </span>
      </div>

      <div className="dept-status card">
        {draft ? (
          <p className="dept-status-text">Draft — last changed by {review.updatedBy}, {formatTime(review.updatedAt)}.</p>
        ) : (
          <p className="dept-status-text dept-signed">
            Signed off by {review.signedOffBy} at {formatTime(review.signedOffAt)}.
          </p>
        )}
        <div className="dept-status-actions">
          {draft && (
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => signOff(review)}>
              Sign off
            </button>
          )}
          {!draft && me.permissions.signOff && reopening === null && (
            <button type="button" className="btn" onClick={() => setReopening('')}>
              Reopen…
            </button>
          )}
        </div>
        {!draft && reopening !== null && (
          <form className="dept-inline-form dept-reopen" onSubmit={(e) => void reopen(e, review)}>
            <label htmlFor="reopen-reason" className="field-label">
              Reason for reopening
            </label>
            <input id="reopen-reason" value={reopening} maxLength={1000} onChange={(e) => setReopening(e.target.value)} autoFocus />
            <button type="submit" className="btn btn-primary" disabled={busy}>
              Reopen review
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setReopening(null)}>
              Cancel
            </button>
          </form>
        )}
      </div>

      {notice && (
        <div className="banner banner-error dept-notice" role="alert">
          <span className="banner-icon" aria-hidden="true">
            !
          </span>
          <p className="banner-text">{notice.text}</p>
          {notice.conflict && (
            <button type="button" className="btn btn-sm" onClick={() => void reload()}>
              Reload
            </button>
          )}
          <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ×
          </button>
        </div>
      )}

      {pub.published ? (
        <PublishedReview
          reviewId={reviewId}
          published={pub.published}
          state={pub}
          held={held}
          editable={draft}
          busy={busy}
          write={write}
          reloads={reloads}
          onSignedOut={onSignedOut}
          annotationsProps={annotationsProps}
        />
      ) : (
        <>
          {pub.error && (
            <p className="dept-error" role="alert">
              {pub.error}
            </p>
          )}
          <h2 className="dept-section-title">
            Annotations <span className="count">{held.annotations.length}</span>
          </h2>
          <Annotations annotations={held.annotations} {...annotationsProps} />
          <h2 className="dept-section-title dept-notes-title">
            Notes <span className="count">{held.notes.length}</span>
          </h2>
          <Notes key={reloads} reviewId={reviewId} notes={held.notes} editable={draft} busy={busy} write={write} onSaved={held.applyNote} onDeleted={held.removeNote} />
        </>
      )}
      {!draft && <p className="muted dept-locked">Signed off: the annotations and notes are read-only until an attending surgeon reopens the review.</p>}
    </section>
  );
}
