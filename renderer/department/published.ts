// What the page reads once about a review besides its live rows: whether it was published from a workstation (its
// frames, video and the workstation's analyses: GET /api/reviews/:id/published, 404 for a review made in the
// department), the server's engine (GET /api/status) and the analyses asked of it (GET /api/reviews/:id/analyses).
import { useCallback, useEffect, useState } from 'react';
import { ApiFailure, call, errorText, type Published, type ServerStatus, type StoredAnalysis } from './api';

export interface PublishedState {
  /** 'loading', null (made in the department: the list-only layout) or the published review. */
  published: Published | null | 'loading';
  /** Why it could not be read (not a 404). */
  error: string | null;
  status: ServerStatus | null;
  analyses: StoredAnalysis[];
  /** Reads the stored analyses again (after one finished). */
  reloadAnalyses(): Promise<void>;
  addAnalysis(a: StoredAnalysis): void;
}

const byFrameThenTime = (a: StoredAnalysis, b: StoredAnalysis) => a.frameIndex - b.frameIndex || a.completedAt.localeCompare(b.completedAt) || a.id - b.id;

export function usePublished(reviewId: number): PublishedState {
  const [published, setPublished] = useState<Published | null | 'loading'>('loading');
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<ServerStatus | null>(null);
  const [analyses, setAnalyses] = useState<StoredAnalysis[]>([]);

  // Analyses are only ever added: what a read returns joins what is held (one announced live while it was on its way stays).
  const reloadAnalyses = useCallback(async () => {
    try {
      const read = await call<StoredAnalysis[]>('GET', `/api/reviews/${reviewId}/analyses`);
      const ids = new Set(read.map((a) => a.id));
      setAnalyses((held) => [...read, ...held.filter((a) => a.reviewId === reviewId && !ids.has(a.id))].sort(byFrameThenTime));
    } catch (err) {
      setError(errorText(err));
    }
  }, [reviewId]);

  const addAnalysis = useCallback((a: StoredAnalysis) => setAnalyses((list) => [...list.filter((x) => x.id !== a.id), a].sort(byFrameThenTime)), []);

  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const p = await call<Published>('GET', `/api/reviews/${reviewId}/published`);
        if (live) setPublished(p);
      } catch (err) {
        if (!live) return;
        setPublished(null);
        if (!(err instanceof ApiFailure && err.status === 404)) setError(errorText(err));
        return;
      }
      try {
        const s = await call<ServerStatus>('GET', '/api/status');
        if (live) setStatus(s);
      } catch (err) {
        if (live) setError(errorText(err));
      }
      if (live) await reloadAnalyses();
    })();
    return () => {
      live = false;
    };
  }, [reviewId, reloadAnalyses]);

  return { published, error, status, analyses, reloadAnalyses, addAnalysis };
}
