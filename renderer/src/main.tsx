import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './app/base.css';
import './app/shell.css';
import './ui/controls.css';
import './ui/feedback.css';
import { App } from './app/App';
import { RecoveryGate } from './recovery/RecoveryGate';

// The browser host authenticates with a cookie set from ?token=; keep the token out of the address bar and history.
const url = new URL(window.location.href);
if (url.searchParams.has('token')) {
  url.searchParams.delete('token');
  window.history.replaceState(null, '', url.pathname + url.search + url.hash);
}

const rootEl = document.getElementById('root');
if (!rootEl) throw new Error('index.html has no #root element.');
createRoot(rootEl).render(
  <StrictMode>
    <RecoveryGate>
      <App />
    </RecoveryGate>
  </StrictMode>,
);
