// The frame rate from a frame table: constant or variable (VFR), snapped to a standard rate when it is one, and
// its wording in summaries.

export function fpsText(fps: number | null, vfr: boolean): string {
  if (fps === null) return 'unknown frame rate';
  const nominal = Math.abs(fps - 30000 / 1001) < 0.005 ? '29.97' : Math.abs(fps - 60000 / 1001) < 0.005 ? '59.94' : String(Math.round(fps * 100) / 100);
  return vfr ? `variable frame rate (about ${nominal} fps)` : `${nominal} fps`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Frame durations that differ from the median by more than 5% (or 1.5 ticks of a coarse clock) mean VFR. */
export function frameRateOf(pts: number[], timeResolutionHz: number | null): { fps: number | null; variable: boolean } {
  if (pts.length < 2) return { fps: null, variable: false };
  const diffs = pts.slice(1).map((p, i) => p - pts[i]!);
  const typical = median(diffs);
  if (!(typical > 0)) return { fps: null, variable: true };
  const tick = timeResolutionHz && timeResolutionHz > 0 ? 1 / timeResolutionHz : 0;
  const tolerance = Math.max(typical * 0.05, tick * 1.5);
  const variable = diffs.some((d) => Math.abs(d - typical) > tolerance);
  if (variable) return { fps: 1 / typical, variable };
  // Constant rate: the mean over the whole file is exact even with millisecond (WebM) timestamps, where the median
  // step of a 30 fps file is 33 ms; a rate within 0.2% of a standard one is that one.
  const mean = (pts.length - 1) / (pts[pts.length - 1]! - pts[0]!);
  const nearest = STANDARD_RATES.reduce((a, b) => (Math.abs(mean - b) < Math.abs(mean - a) ? b : a));
  return { fps: Math.abs(mean - nearest) / nearest < 0.002 ? nearest : mean, variable };
}

const STANDARD_RATES = [24000 / 1001, 24, 25, 30000 / 1001, 30, 48, 50, 60000 / 1001, 60, 100, 120];
