// The shell: navigation on the left, the current view, feedback banners, and the status bar.
import { useState } from 'react';
import { LibraryView, type LibrarySelection } from '../library/LibraryView';
import { ModelsView } from '../models/ModelsView';
import { ReviewView } from '../review/ReviewView';
import { SettingsView } from '../settings/SettingsView';
import { NotifyProvider } from '../ui/notify';
import { InferenceProvider } from './inference-context';
import { Nav } from './Nav';
import { NavigationContext, type View } from './navigation';
import { SettingsProvider } from './settings-context';
import { StatusBar } from './StatusBar';

export function App() {
  const [view, setView] = useState<View>('library');
  const [selection, setSelection] = useState<LibrarySelection>({ caseId: null, frameId: null });
  return (
    <NotifyProvider>
      <SettingsProvider>
        <InferenceProvider>
          <NavigationContext.Provider value={setView}>
            <div className="shell">
              <Nav view={view} onNavigate={setView} />
              <main className="main" id="main" data-view={view}>
                {view === 'library' && <LibraryView selection={selection} onSelect={setSelection} />}
                {view === 'review' && <ReviewView />}
                {view === 'models' && <ModelsView />}
                {view === 'settings' && <SettingsView />}
              </main>
              <StatusBar />
            </div>
          </NavigationContext.Provider>
        </InferenceProvider>
      </SettingsProvider>
    </NotifyProvider>
  );
}
