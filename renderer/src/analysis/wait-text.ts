// The words for a wait (no React, no API: unit-tested): clock times, rounded durations, the analysis panel's line
// while an analysis runs, and the phase timeline's estimate before it starts.
import type { ExpectedTimes } from '../../../electron/api/schemas';
import type { TimelineEstimate } from '../../../electron/api/schemas-timeline';

/** "0:42", "4:15", "1:02:03" (whole seconds). */
export function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const h = Math.floor(total / 3600);
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** "about 40 s", "about 4 min", "about 2 h 5 min". */
export function aboutDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 90) return `about ${Math.max(1, Math.round(s))} s`;
  const min = Math.round(s / 60);
  if (min < 90) return `about ${min} min`;
  return `about ${Math.floor(min / 60)} h ${min % 60} min`;
}

/** "0:42 so far · an analysis takes about 4 min here (median of 12; image encode about 3 min)". */
export function expectedText(elapsedMs: number | null, e: ExpectedTimes | null, encoding: boolean): string {
  const parts: string[] = [];
  if (elapsedMs !== null) parts.push(`${clock(elapsedMs)} so far`);
  if (e) {
    const encode = encoding && e.encodeMs !== null ? `; the image encode ${aboutDuration(e.encodeMs)}` : '';
    parts.push(`an analysis takes ${aboutDuration(e.analysisMs)} here (median of ${e.basedOn}${encode})`);
  } else if (elapsedMs !== null) {
    parts.push('the first analysis with this model here measures how long they take');
  }
  return parts.join(' · ');
}

/** Past this, on the CPU, the estimate suggests sampling less often or a GPU server. */
const LONG_MS = 10 * 60_000;

export function estimateText(e: TimelineEstimate): { text: string; advice: string | null } {
  const count = `${e.atMost ? 'At most ' : ''}${e.samples} sample${e.samples === 1 ? '' : 's'}`;
  const done = e.alreadyDone > 0 ? ` (${e.alreadyDone} analysed already)` : '';
  if (e.totalMs === null || e.perSampleMs === null) {
    return { text: `${count}${done}. How long ${e.samples === 1 ? 'it takes' : 'they take'} is not known yet: no analysis has run with this model on this computer; the first samples measure it.`, advice: null };
  }
  const text = `${count}${done} · ${e.totalMs === 0 ? 'nothing left to analyse' : `${aboutDuration(e.totalMs)} on this computer`} (${aboutDuration(e.perSampleMs)} per analysis, median of ${e.basedOn}).`;
  const advice = e.onCpu && e.totalMs > LONG_MS ? 'The model runs on the CPU here: sample less often, or analyse on a GPU server (Settings → Engine).' : null;
  return { text, advice };
}
