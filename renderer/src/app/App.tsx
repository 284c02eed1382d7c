// The shell: navigation on the left, the current view, feedback banners, and the status bar. The review workspace
// takes the whole window (its toolbar carries the navigation and the model's state). The view is in the address
// (`#/review/12`, `#/library`, …): a reload, the next start or a shared link opens it again.
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import { LibraryView, type LibrarySelection } from '../library/LibraryView';
import { ModelsView } from '../models/ModelsView';
import { initialRoute, parseRoute, showRoute, type ReviewTarget, type Route } from '../review/review-target';
import { ReviewView } from '../review/ReviewView';
import { SettingsView } from '../settings/SettingsView';
import { loadDepartmentLink } from '../settings/use-department-link';
import { TraineesView } from '../trainees/TraineesView';
import { NotifyProvider } from '../ui/notify';
import { InferenceProvider } from './inference-context';
import { Nav } from './Nav';
import { NavigationContext, OpenReviewContext, type View } from './navigation';
import { SettingsProvider } from './settings-context';
import { StatusBar } from './StatusBar';

// Compare (two reviews side by side) loads the player with it, like the review.
const CompareView = lazy(() => import('../compare/CompareView').then((m) => ({ default: m.CompareView })));

export function App() {
  const [route, setRoute] = useState<Route>(initialRoute);
  const [selection, setSelection] = useState<LibrarySelection>({ caseId: null, frameId: null });
  // Whether this workstation is signed in to a department library: asked once, at start (Settings and Publish read it).
  useEffect(loadDepartmentLink, []);

  // The address follows the view; the browser's back and forward (and an edited address) move the view.
  useEffect(() => {
    // A review opened from a case's video gets its address once the session knows its id (resolved below).
    if (route.view === 'review' && route.review && !('reviewId' in route.review)) return;
    showRoute(route, !window.location.hash);
  }, [route]);
  useEffect(() => {
    const onHash = () => {
      const next = parseRoute(window.location.hash);
      if (next) setRoute((cur) => ({ view: next.view, review: next.review ?? (next.view === 'review' ? null : cur.review), ...(next.compare ? { compare: next.compare } : {}) }));
    };
    window.addEventListener('hashchange', onHash);
    window.addEventListener('popstate', onHash);
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('popstate', onHash);
    };
  }, []);

  const navigate = useCallback((view: View) => setRoute((cur) => ({ view, review: cur.review })), []);
  const openReview = useCallback((t: ReviewTarget) => setRoute({ view: 'review', review: t }), []);
  // A review opened by case and video now has an id: the address names it (the open review stays as it is).
  const resolved = useCallback((reviewId: number) => showRoute({ view: 'review', review: { reviewId } }, false), []);
  const leaveReview = useCallback((caseId: number | null) => {
    if (caseId !== null) setSelection({ caseId, frameId: null });
    setRoute((cur) => ({ view: 'library', review: cur.review }));
  }, []);
  // Menu commands of the desktop app (File → New Case…): the Library with the new-case form open.
  const [newCaseRequest, setNewCaseRequest] = useState(0);
  useEffect(
    () =>
      api.on('app.command', ({ command }) => {
        if (command !== 'new-case') return;
        setRoute((cur) => ({ view: 'library', review: cur.review }));
        setNewCaseRequest((n) => n + 1);
      }),
    [],
  );

  const workspace = (route.view === 'review' && route.review !== null) || route.view === 'compare';
  return (
    <NotifyProvider>
      <SettingsProvider>
        <InferenceProvider>
          <NavigationContext.Provider value={navigate}>
            <OpenReviewContext.Provider value={openReview}>
              <div className={`shell${workspace ? ' shell-workspace' : ''}`}>
                {!workspace && route.view !== 'compare' && <Nav view={route.view} onNavigate={navigate} />}
                <main className="main" id="main" data-view={route.view}>
                  {route.view === 'library' && <LibraryView selection={selection} onSelect={setSelection} newCaseRequest={newCaseRequest} />}
                  {route.view === 'review' && <ReviewView target={route.review} onResolved={resolved} onBack={leaveReview} />}
                  {route.view === 'compare' && route.compare && (
                    <Suspense fallback={<p className="muted pad">Opening the comparison…</p>}>
                      <CompareView key={`${route.compare.a}:${route.compare.b}`} a={route.compare.a} b={route.compare.b} />
                    </Suspense>
                  )}
                  {route.view === 'trainees' && <TraineesView />}
                  {route.view === 'models' && <ModelsView />}
                  {route.view === 'settings' && <SettingsView />}
                </main>
                {!workspace && <StatusBar />}
              </div>
            </OpenReviewContext.Provider>
          </NavigationContext.Provider>
        </InferenceProvider>
      </SettingsProvider>
    </NotifyProvider>
  );
}
