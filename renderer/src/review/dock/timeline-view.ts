// The timeline dock's geometry: which stretch of the video is in view (its start in seconds and pixels per second),
// zoom around a point from the whole video down to single frames, and the ruler's ticks. Positions come from the
// frame table (pts), never from a nominal frame rate, so a tick or a marker at frame k sits exactly at pts[k].
import { indexAt } from '../player/timeline';

export interface TimelineWindow {
  /** Seconds at the left edge of the track. */
  start: number;
  /** Pixels per second. */
  pps: number;
}

/** A frame is at most this wide when zoomed all the way in (px). */
export const MAX_FRAME_PX = 64;

export function span(pts: readonly number[], durationSeconds: number): number {
  return Math.max(durationSeconds, pts[pts.length - 1] ?? 0) || 1;
}

/** The shortest frame duration of the table (seconds), for the deepest zoom. */
export function shortestFrame(pts: readonly number[]): number {
  let best = Infinity;
  for (let i = 1; i < pts.length; i++) {
    const d = pts[i]! - pts[i - 1]!;
    if (d > 1e-6 && d < best) best = d;
  }
  return Number.isFinite(best) ? best : 1 / 30;
}

export function fitWindow(total: number, width: number): TimelineWindow {
  return { start: 0, pps: Math.max(1e-6, width) / total };
}

export function clampWindow(w: TimelineWindow, width: number, total: number, frame: number): TimelineWindow {
  const minPps = Math.max(1e-6, width) / total;
  const maxPps = Math.max(minPps, MAX_FRAME_PX / frame);
  const pps = Math.min(maxPps, Math.max(minPps, w.pps));
  const visible = width / pps;
  const start = Math.min(Math.max(0, total - visible), Math.max(0, w.start));
  return { start, pps };
}

/** Zooms by `factor` keeping the time under x (px from the track's left) where it is. */
export function zoomAround(w: TimelineWindow, factor: number, x: number, width: number, total: number, frame: number): TimelineWindow {
  const t = w.start + x / w.pps;
  const next = clampWindow({ start: w.start, pps: w.pps * factor }, width, total, frame);
  return clampWindow({ start: t - x / next.pps, pps: next.pps }, width, total, frame);
}

export const xOf = (w: TimelineWindow, t: number): number => (t - w.start) * w.pps;
export const timeAt = (w: TimelineWindow, x: number): number => w.start + x / w.pps;

/** The frame under x: the one whose display interval holds that time. */
export function frameAt(w: TimelineWindow, x: number, pts: readonly number[]): number {
  return indexAt(pts as number[], Math.max(0, timeAt(w, x)));
}

/** Where frame k's interval ends (the next frame's start; the last frame lasts as long as the one before it). */
export function frameEnd(pts: readonly number[], k: number): number {
  if (k + 1 < pts.length) return pts[k + 1]!;
  const last = pts[pts.length - 1] ?? 0;
  const prev = pts[pts.length - 2] ?? last - 1 / 30;
  return last + (last - prev);
}

export interface Tick {
  x: number;
  /** The frame at the tick (frame ticks) or at its time. */
  frame: number;
  label: string | null;
  major: boolean;
}

const FRAME_STEPS = [1, 2, 5, 10, 15, 30];
const SECOND_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
/** Room for a label: "00:02.133 · 64" at frame zoom, "01:05" at second zoom. */
const MIN_FRAME_LABEL_PX = 112;
const MIN_SECOND_LABEL_PX = 72;
const MIN_MINOR_PX = 7;


function clock(t: number, withMs: boolean): string {
  const total = Math.max(0, t);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = Math.floor(total % 60);
  const ms = Math.floor((total - Math.floor(total)) * 1000 + 1e-6);
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  const base = h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
  return withMs ? `${base}.${String(ms).padStart(3, '0')}` : base;
}

/**
 * The ruler's ticks for the window: whole seconds (or minutes) when zoomed out, frames when a frame is wide enough
 * to tell apart. Frame ticks sit at pts[k] and are labelled with the frame number and its timecode.
 */
export function rulerTicks(w: TimelineWindow, width: number, pts: readonly number[], frame: number): Tick[] {
  const t0 = w.start;
  const t1 = w.start + width / w.pps;
  const framePx = frame * w.pps;
  const ticks: Tick[] = [];
  const frameStep = FRAME_STEPS.find((n) => n * framePx >= MIN_FRAME_LABEL_PX);
  if (frameStep !== undefined && frameStep * frame < 1) {
    const first = Math.max(0, indexAt(pts as number[], t0));
    const minorEvery = framePx >= MIN_MINOR_PX ? 1 : frameStep;
    for (let k = first; k < pts.length && pts[k]! <= t1; k++) {
      const major = k % frameStep === 0;
      if (!major && k % minorEvery !== 0) continue;
      ticks.push({ x: xOf(w, pts[k]!), frame: k, label: major ? `${clock(pts[k]!, true)} · ${k}` : null, major });
    }
    return ticks;
  }
  const step = SECOND_STEPS.find((s) => s * w.pps >= MIN_SECOND_LABEL_PX) ?? 3600;
  const minor = [step / 10, step / 5, step / 2].find((s) => s * w.pps >= MIN_MINOR_PX && s >= frame) ?? step;
  const startAt = Math.floor(t0 / minor) * minor;
  for (let t = startAt; t <= t1 + 1e-9; t += minor) {
    if (t < 0) continue;
    const major = Math.abs(t / step - Math.round(t / step)) < 1e-6;
    ticks.push({ x: xOf(w, t), frame: indexAt(pts as number[], t), label: major ? clock(t, false) : null, major });
  }
  return ticks;
}
