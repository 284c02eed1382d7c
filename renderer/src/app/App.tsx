// The shell: navigation on the left, the current view, feedback banners, and the status bar.
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import { LibraryView, type LibrarySelection } from '../library/LibraryView';
import { ModelsView } from '../models/ModelsView';
import { readReviewTarget, saveReviewTarget, type ReviewTarget } from '../review/review-target';
import { ReviewView } from '../review/ReviewView';
import { SettingsView } from '../settings/SettingsView';
import { NotifyProvider } from '../ui/notify';
import { InferenceProvider } from './inference-context';
import { Nav } from './Nav';
import { NavigationContext, OpenReviewContext, type View } from './navigation';
import { SettingsProvider } from './settings-context';
import { StatusBar } from './StatusBar';

export function App() {
  const [view, setView] = useState<View>('library');
  const [selection, setSelection] = useState<LibrarySelection>({ caseId: null, frameId: null });
  const [reviewTarget, setReviewTarget] = useState<ReviewTarget | null>(readReviewTarget);
  const openReview = useCallback((t: ReviewTarget) => {
    saveReviewTarget(t);
    setReviewTarget(t);
    setView('review');
  }, []);
  const leaveReview = useCallback((caseId: number | null) => {
    if (caseId !== null) setSelection({ caseId, frameId: null });
    setView('library');
  }, []);
  // Menu commands of the desktop app (File → New Case…): the Library with the new-case form open.
  const [newCaseRequest, setNewCaseRequest] = useState(0);
  useEffect(
    () =>
      api.on('app.command', ({ command }) => {
        if (command !== 'new-case') return;
        setView('library');
        setNewCaseRequest((n) => n + 1);
      }),
    [],
  );
  return (
    <NotifyProvider>
      <SettingsProvider>
        <InferenceProvider>
          <NavigationContext.Provider value={setView}>
            <OpenReviewContext.Provider value={openReview}>
              <div className="shell">
                <Nav view={view} onNavigate={setView} />
                <main className="main" id="main" data-view={view}>
                  {view === 'library' && <LibraryView selection={selection} onSelect={setSelection} newCaseRequest={newCaseRequest} />}
                  {view === 'review' && <ReviewView target={reviewTarget} onBack={leaveReview} />}
                  {view === 'models' && <ModelsView />}
                  {view === 'settings' && <SettingsView />}
                </main>
                <StatusBar />
              </div>
            </OpenReviewContext.Provider>
          </NavigationContext.Provider>
        </InferenceProvider>
      </SettingsProvider>
    </NotifyProvider>
  );
}
