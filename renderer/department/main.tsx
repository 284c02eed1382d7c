// The department library's web view (served by the department server at /; built by scripts/build-department-web.mjs).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../src/app/base.css';
import '../src/ui/controls.css';
import '../src/ui/feedback.css';
import './department.css';
import './published.css';
import './accounts.css';
import { App } from './App';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
