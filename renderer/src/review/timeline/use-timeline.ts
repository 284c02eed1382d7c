// A review's phase timeline as the strip shows it: timeline.get once, then every timeline.progress event (a stored
// sample is added in place; a state change updates the job), and a fresh read after the event stream reconnects.
import { useCallback, useEffect, useState } from 'react';
import type { TimelineJob, TimelineProgress, TimelineSample, TimelineView } from '../../../../electron/api/schemas-timeline';
import { api, onConnection } from '../../api';

export interface TimelineState {
  view: TimelineView | null;
  /** The latest progress event of this review (ETA, what it is doing). */
  progress: TimelineProgress | null;
  loadError: string | null;
  /** Re-reads the job and samples (after start, pause, resume, cancel). */
  refresh(): Promise<void>;
  /** Puts a job the server returned in place at once. */
  setJob(job: TimelineJob): void;
}

function withSample(samples: TimelineSample[], s: TimelineSample): TimelineSample[] {
  const rest = samples.filter((x) => x.id !== s.id && x.frameIndex !== s.frameIndex);
  return [...rest, s].sort((a, b) => a.time - b.time || a.id - b.id);
}

export function useTimeline(reviewId: number): TimelineState {
  const [view, setView] = useState<TimelineView | null>(null);
  const [progress, setProgress] = useState<TimelineProgress | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setView(await api.timeline.get({ reviewId }));
      setLoadError(null);
    } catch (err) {
      setLoadError((err as Error).message);
    }
  }, [reviewId]);

  useEffect(() => {
    void refresh();
    const off = api.on('timeline.progress', (p) => {
      if (p.reviewId !== reviewId) return;
      setProgress(p);
      setView((v) => {
        if (!v?.job) {
          // A job started elsewhere (another window, the CLI): read it whole.
          void refresh();
          return v;
        }
        const samples = p.sample ? withSample(v.samples, p.sample) : v.samples;
        return { job: { ...v.job, state: p.state, done: p.done, total: p.total, message: p.message }, samples };
      });
    });
    const offConn = onConnection((state, reopened) => {
      if (state === 'open' && reopened) void refresh();
    });
    return () => {
      off();
      offConn();
    };
  }, [reviewId, refresh]);

  const setJob = useCallback((job: TimelineJob) => setView((v) => ({ job, samples: v?.samples ?? [] })), []);
  return { view, progress, loadError, refresh, setJob };
}
