// The department library's web view: sign in, the reviews, one review, the accounts (hash routes: #/, #/reviews/:id,
// #/accounts). The address follows the page, so a reviewer can copy it; one opened before sign-in is shown after it.
import { useCallback, useEffect, useState } from 'react';
import { useAppliedTheme } from '../src/app/theme';
import { Accounts } from './Accounts';
import { ApiFailure, call, errorText, ROLE_LABELS, type Me } from './api';
import { ReviewList } from './ReviewList';
import { ReviewPage } from './ReviewPage';
import { SignIn } from './SignIn';

/** Where the address points: #/reviews/N (a review; the desktop opens this exact form), #/accounts, else the list. */
type Route = { page: 'reviews' } | { page: 'review'; id: number } | { page: 'accounts' };

function currentRoute(): Route {
  const hash = window.location.hash;
  const m = /^#\/reviews\/([1-9]\d{0,14})$/.exec(hash);
  if (m) return { page: 'review', id: Number(m[1]) };
  return hash === '#/accounts' ? { page: 'accounts' } : { page: 'reviews' };
}

function useHashRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const onChange = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
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
  const route = useHashRoute();

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
            {me.permissions.createAccounts && (
              <nav className="dept-nav" aria-label="Pages">
                <a href="#/" aria-current={route.page === 'accounts' ? undefined : 'page'}>
                  Reviews
                </a>
                <a href="#/accounts" aria-current={route.page === 'accounts' ? 'page' : undefined}>
                  Accounts
                </a>
              </nav>
            )}
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
        ) : route.page === 'accounts' ? (
          <Accounts me={me} onSignedOut={onSignedOut} />
        ) : route.page === 'review' ? (
          <ReviewPage key={route.id} reviewId={route.id} me={me} onSignedOut={onSignedOut} />
        ) : (
          <ReviewList onSignedOut={onSignedOut} />
        )}
      </main>
      <footer className="dept-foot">Research use only. Not for clinical decisions.</footer>
    </div>
  );
}
