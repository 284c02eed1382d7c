// The department library's web view: sign in, the reviews, one review (hash routes: #/ and #/reviews/:id).
import { useCallback, useEffect, useState } from 'react';
import { useAppliedTheme } from '../src/app/theme';
import { ApiFailure, call, errorText, ROLE_LABELS, type Me } from './api';
import { ReviewList } from './ReviewList';
import { ReviewPage } from './ReviewPage';
import { SignIn } from './SignIn';

function routeReviewId(): number | null {
  const m = /^#\/reviews\/([1-9]\d{0,14})$/.exec(window.location.hash);
  return m ? Number(m[1]) : null;
}

function useHashRoute(): number | null {
  const [reviewId, setReviewId] = useState(routeReviewId);
  useEffect(() => {
    const onChange = () => setReviewId(routeReviewId());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return reviewId;
}

function Brand() {
  return (
    <div className="dept-brand">
      <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" className="brand-mark">
        <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" strokeWidth="2" />
        <circle cx="12" cy="12" r="3.5" fill="currentColor" />
      </svg>
      <div>
        <div className="brand-name">Cataract Review</div>
        <div className="brand-sub">Department library</div>
      </div>
    </div>
  );
}

export function App() {
  useAppliedTheme('system');
  const [me, setMe] = useState<Me | null | 'loading'>('loading');
  const [problem, setProblem] = useState<string | null>(null);
  const reviewId = useHashRoute();

  const loadMe = useCallback(async () => {
    try {
      setMe(await call<Me>('GET', '/api/me'));
      setProblem(null);
    } catch (err) {
      setMe(null);
      // 401 is "not signed in": the sign-in form; anything else is worth saying.
      if (!(err instanceof ApiFailure && err.status === 401)) setProblem(errorText(err));
    }
  }, []);

  useEffect(() => {
    void loadMe();
  }, [loadMe]);

  const signOut = async () => {
    try {
      await call('POST', '/api/logout', {});
    } catch {
      // the session may have ended already: signed out either way
    }
    setMe(null);
    window.location.hash = '#/';
  };

  /** A call answered 401 (the session ended elsewhere): back to sign-in, with the server's words. */
  const onSignedOut = useCallback((message: string) => {
    setMe(null);
    setProblem(message);
  }, []);

  return (
    <div className="dept-shell">
      <header className="dept-bar">
        <Brand />
        {me && me !== 'loading' && (
          <div className="dept-user" data-testid="signed-in">
            <span className="dept-user-name">{me.user.displayName}</span>
            <span className="pill">{ROLE_LABELS[me.user.role]}</span>
            <button type="button" className="btn btn-sm" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main className="dept-main">
        {me === 'loading' ? (
          <p className="muted dept-loading">Loading…</p>
        ) : me === null ? (
          <SignIn notice={problem} onSignedIn={() => void loadMe()} />
        ) : reviewId === null ? (
          <ReviewList onSignedOut={onSignedOut} />
        ) : (
          <ReviewPage key={reviewId} reviewId={reviewId} me={me} onSignedOut={onSignedOut} />
        )}
      </main>
      <footer className="dept-foot">Research use only. Not for clinical decisions.</footer>
    </div>
  );
}
