// App-wide feedback: one error banner (the server's message; it leaves after 12 s unless the pointer or focus is on
// it, or with its close button) and a short-lived info toast, both at the bottom centre where they cover no
// page's buttons.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { errorMessage } from './errors';

interface Notice {
  id: number;
  text: string;
  title?: string;
}

interface NotifyApi {
  error(err: unknown, title?: string): void;
  info(text: string): void;
  clearError(): void;
}

const NotifyContext = createContext<NotifyApi | null>(null);
/** How long an error stays (unless the pointer or focus is on it). */
const ERROR_MS = 12_000;

export function useNotify(): NotifyApi {
  const ctx = useContext(NotifyContext);
  if (!ctx) throw new Error('useNotify outside NotifyProvider');
  return ctx;
}

export function NotifyProvider({ children }: { children: ReactNode }) {
  const [error, setError] = useState<Notice | null>(null);
  const [info, setInfo] = useState<Notice | null>(null);
  const seq = useRef(0);
  const api = useMemo<NotifyApi>(
    () => ({
      error: (err, title) => setError({ id: ++seq.current, text: errorMessage(err), ...(title ? { title } : {}) }),
      info: (text) => setInfo({ id: ++seq.current, text }),
      clearError: () => setError(null),
    }),
    [],
  );
  useEffect(() => {
    if (!info) return;
    const t = setTimeout(() => setInfo((cur) => (cur?.id === info.id ? null : cur)), 4000);
    return () => clearTimeout(t);
  }, [info]);
  const [held, setHeld] = useState(false);
  useEffect(() => {
    if (!error || held) return;
    const t = setTimeout(() => setError((cur) => (cur?.id === error.id ? null : cur)), ERROR_MS);
    return () => clearTimeout(t);
  }, [error, held]);
  return (
    <NotifyContext.Provider value={api}>
      {children}
      <div className="notices" aria-live="polite">
        {error && (
          <div onPointerEnter={() => setHeld(true)} onPointerLeave={() => setHeld(false)} onFocus={() => setHeld(true)} onBlur={() => setHeld(false)}>
            <ErrorBanner key={error.id} title={error.title} message={error.text} onDismiss={() => setError(null)} />
          </div>
        )}
        {info && (
          <div className="toast" role="status" data-testid="toast">
            {info.text}
          </div>
        )}
      </div>
    </NotifyContext.Provider>
  );
}

export function ErrorBanner({ title, message, onDismiss }: { title?: string | undefined; message: string; onDismiss?: () => void }) {
  return (
    <div className="banner banner-error" role="alert" data-testid="error-banner">
      <span className="banner-icon" aria-hidden="true">
        !
      </span>
      <div className="banner-text">
        {title && <strong className="banner-title">{title}</strong>}
        <span className="banner-message">{message}</span>
      </div>
      {onDismiss && (
        <button type="button" className="icon-btn" aria-label="Dismiss message" onClick={onDismiss}>
          ×
        </button>
      )}
    </div>
  );
}

/** Stable callback that reports a rejected promise through the banner. */
export function useReportError() {
  const { error } = useNotify();
  return useCallback((err: unknown, title?: string) => error(err, title), [error]);
}
