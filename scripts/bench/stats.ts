// Summary statistics and rounding shared by the benchmarks (scripts/bench/*.ts).

const ascending = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

/**
 * The middle value of `xs`; NaN when there is none. Of an even count, the lower of the two middle values
 * (the same as percentile(xs, 50)), or with `'upper'` the upper one.
 */
export function median(xs: readonly number[], middle: 'lower' | 'upper' = 'lower'): number {
  const s = ascending(xs);
  if (!s.length) return NaN;
  return s[middle === 'lower' ? Math.floor((s.length - 1) / 2) : Math.floor(s.length / 2)]!;
}

/** Nearest-rank percentile (p in 1..100): the smallest value with at least p % of `xs` at or below it; NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  const s = ascending(xs);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
}

export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** The arithmetic mean; NaN when empty. */
export const mean = (xs: readonly number[]): number => sum(xs) / xs.length;

/** Rounded to 1, 2 or 3 decimals, for printing and the --json output. */
export const r1 = (n: number): number => Math.round(n * 10) / 10;
export const r2 = (n: number): number => Math.round(n * 100) / 100;
export const r3 = (n: number): number => Math.round(n * 1000) / 1000;
