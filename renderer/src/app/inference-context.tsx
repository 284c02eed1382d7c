// The model process state: inference.status once, then every inference.status event (and a re-read after the
// event stream reconnects, since events sent while it was down are lost).
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { InferenceStatus } from '../../../electron/api/schemas';
import { api, onConnection } from '../api';

interface InferenceContextValue {
  status: InferenceStatus | null;
  setStatus(s: InferenceStatus): void;
}

const InferenceContext = createContext<InferenceContextValue | null>(null);

export function useInference(): InferenceContextValue {
  const ctx = useContext(InferenceContext);
  if (!ctx) throw new Error('useInference outside InferenceProvider');
  return ctx;
}

export function InferenceProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<InferenceStatus | null>(null);
  useEffect(() => {
    let alive = true;
    const refresh = () =>
      api.inference
        .status({})
        .then((s) => alive && setStatus(s))
        .catch(() => {
          /* the status bar keeps the last known state; the connection notice explains outages */
        });
    const off = api.on('inference.status', (s) => setStatus(s));
    const offConn = onConnection((state, reopened) => {
      if (state === 'open' && reopened) void refresh();
    });
    void refresh();
    return () => {
      alive = false;
      off();
      offConn();
    };
  }, []);
  return <InferenceContext.Provider value={{ status, setStatus }}>{children}</InferenceContext.Provider>;
}

export function modelReady(status: InferenceStatus | null): boolean {
  return status?.state === 'ready';
}

/** One line for the status bar and the Analyze explanation. */
export function describeInference(status: InferenceStatus | null): string {
  if (!status) return 'Model: checking…';
  const device = status.device ? ` on ${status.device.backend.toUpperCase()}` : '';
  switch (status.state) {
    case 'no-model':
      return 'Model: none (load one in Models)';
    case 'loading':
      return `Model: Loading${status.model ? ` ${status.model.name}` : ''}…`;
    case 'ready':
      return `Model ready: ${status.model?.name ?? 'unnamed'}${device}`;
    case 'crashed':
      return `Model process crashed — restarted${status.message ? ` (${status.message})` : ''}`;
    case 'error':
      return `Model error: ${status.message ?? 'unknown problem'}`;
  }
}
