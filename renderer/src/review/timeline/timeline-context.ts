// The review's phase timeline, shared by its controls (the Analysis tab) and its lanes in the timeline dock: the job
// and samples (use-timeline.ts), whether isolated flips are smoothed for display, and the samples as shown.
import { createContext, useContext, useMemo, useState } from 'react';
import type { TimelineSample } from '../../../../electron/api/schemas-timeline';
import { smoothIsolatedFlips, unsmoothed, type Smoothed } from './smooth';
import { useTimeline, type TimelineState } from './use-timeline';

const SMOOTH_KEY = 'workstation.timelineSmooth';

function savedSmooth(): boolean {
  try {
    return window.localStorage.getItem(SMOOTH_KEY) === 'on';
  } catch {
    return false;
  }
}

export interface PhaseTimelineState extends TimelineState {
  smooth: boolean;
  setSmooth(on: boolean): void;
  /** The stored samples by time, each with the phase to display. */
  shown: Array<Smoothed<TimelineSample>>;
}

export function usePhaseTimelineState(reviewId: number): PhaseTimelineState {
  const t = useTimeline(reviewId);
  const [smooth, setSmoothState] = useState(savedSmooth);
  const samples = t.view?.samples;
  const shown = useMemo(() => (smooth ? smoothIsolatedFlips(samples ?? []) : unsmoothed(samples ?? [])), [samples, smooth]);
  const setSmooth = (on: boolean) => {
    setSmoothState(on);
    try {
      window.localStorage.setItem(SMOOTH_KEY, on ? 'on' : 'off');
    } catch {
      /* the choice lasts for this window */
    }
  };
  return { ...t, smooth, setSmooth, shown };
}

export const PhaseTimelineContext = createContext<PhaseTimelineState | null>(null);

export function usePhaseTimeline(): PhaseTimelineState | null {
  return useContext(PhaseTimelineContext);
}

export const NO_PHASE_COLOUR = '#8e8e93';
