// The dock's view of the video: the track's width (followed with a ResizeObserver), the stretch in view, zoom
// around a point (wheel, pinch, + and −, the buttons) and panning, and keeping the playhead in view as it moves.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { clampWindow, fitWindow, shortestFrame, span, xOf, zoomAround, type TimelineWindow } from './timeline-view';

export interface TimelineWindowState {
  width: number;
  win: TimelineWindow;
  total: number;
  /** The shortest frame's duration (s): the deepest zoom shows it MAX_FRAME_PX wide. */
  frame: number;
  /** True when the whole video is in view. */
  fitted: boolean;
  zoomBy(factor: number, x?: number): void;
  panBy(px: number): void;
  fit(): void;
  trackRef: (el: HTMLDivElement | null) => void;
  track: HTMLDivElement | null;
}

export function useTimelineWindow(pts: readonly number[], durationSeconds: number, playheadTime: number): TimelineWindowState {
  const total = useMemo(() => span(pts, durationSeconds), [pts, durationSeconds]);
  const frame = useMemo(() => shortestFrame(pts), [pts]);
  const [track, setTrack] = useState<HTMLDivElement | null>(null);
  const [width, setWidth] = useState(0);
  const [win, setWin] = useState<TimelineWindow>({ start: 0, pps: 1 });
  const fittedRef = useRef(true);

  useEffect(() => {
    if (!track) return;
    const ro = new ResizeObserver(() => setWidth(track.clientWidth));
    ro.observe(track);
    setWidth(track.clientWidth);
    return () => ro.disconnect();
  }, [track]);

  // Fitted stays fitted as the dock is resized; a zoomed view keeps its start and scale.
  useEffect(() => {
    if (!width) return;
    setWin((w) => (fittedRef.current ? fitWindow(total, width) : clampWindow(w, width, total, frame)));
  }, [width, total, frame]);

  const zoomBy = useCallback(
    (factor: number, x?: number) => {
      setWin((w) => {
        const next = zoomAround(w, factor, x ?? width / 2, width, total, frame);
        fittedRef.current = next.pps <= width / total + 1e-9;
        return next;
      });
    },
    [width, total, frame],
  );
  const panBy = useCallback((px: number) => setWin((w) => clampWindow({ start: w.start + px / w.pps, pps: w.pps }, width, total, frame)), [width, total, frame]);
  const fit = useCallback(() => {
    fittedRef.current = true;
    setWin(fitWindow(total, width || 1));
  }, [total, width]);

  // The playhead stays in view: when it leaves the window, the window moves so it sits a fifth of the way in.
  useEffect(() => {
    if (!width || fittedRef.current) return;
    const x = xOf(win, playheadTime);
    if (x >= 0 && x <= width) return;
    setWin((w) => clampWindow({ start: playheadTime - (width * 0.2) / w.pps, pps: w.pps }, width, total, frame));
  }, [playheadTime, win, width, total, frame]);

  return { width, win, total, frame, fitted: fittedRef.current, zoomBy, panBy, fit, trackRef: setTrack, track };
}
