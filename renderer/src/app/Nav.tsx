import type { ReactNode } from 'react';
import { VIEWS, type View } from './navigation';

const ICONS: Record<View, ReactNode> = {
  library: <path d="M4 4h5v16H4zM10 4h4v16h-4zM15.5 4.6l3.9-1 3.1 15.5-3.9 1z" />,
  review: <path d="M3 5h14v14H3zM17 10l4-3v10l-4-3z" />,
  trainees: <path d="M3 20h18M5 16l4-5 4 3 6-8M19 6v4M19 6h-4" />,
  models: <path d="M12 2l8 4.5v9L12 20l-8-4.5v-9zM12 11l8-4.5M12 11v9M12 11L4 6.5" />,
  settings: <path d="M12 8.5a3.5 3.5 0 1 1 0 7 3.5 3.5 0 0 1 0-7zM12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9 7 7M17 17l2.1 2.1M4.9 19.1 7 17M17 7l2.1-2.1" />,
};

export function Nav({ view, onNavigate }: { view: View; onNavigate: (v: View) => void }) {
  return (
    <nav className="nav" aria-label="Main">
      <div className="brand">
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" className="brand-mark">
          <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" strokeWidth="2" />
          <circle cx="12" cy="12" r="3.5" fill="currentColor" />
        </svg>
        <div>
          <div className="brand-name">Cataract Review</div>
          <div className="brand-sub">Workstation</div>
        </div>
      </div>
      <ul className="nav-list">
        {VIEWS.map((v) => (
          <li key={v.id}>
            <button
              type="button"
              className="nav-item"
              data-testid={`nav-${v.id}`}
              aria-current={view === v.id ? 'page' : undefined}
              title={v.hint}
              onClick={() => onNavigate(v.id)}
            >
              <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinejoin="round" strokeLinecap="round">
                {ICONS[v.id]}
              </svg>
              <span>{v.label}</span>
            </button>
          </li>
        ))}
      </ul>
      <p className="nav-foot">Research use only. Not for clinical decisions.</p>
    </nav>
  );
}
