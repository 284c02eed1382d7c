// Display smoothing for the phase strip: a sample whose phase differs from both neighbours while the two neighbours
// agree is shown with their phase (an isolated one-sample flip, usually the model wavering). Display only: the stored
// samples never change. Pure, so the strip can switch it on and off freely.

export interface PhaseCell {
  phase: string | null;
}

export type Smoothed<T extends PhaseCell> = T & {
  /** The phase stored for this sample (shown instead when smoothing is off). */
  storedPhase: string | null;
  /** True when the displayed phase is the neighbours', not the stored one. */
  smoothed: boolean;
};

/**
 * Each sample with the phase to display. A sample changes only when it is a run of one between two runs of the same
 * known phase: "a a b a" and "x a b a y" show b as a. An alternation ("a b a b") is real uncertainty and stays as
 * stored, as do the first and last samples and a sample between two different phases.
 */
export function smoothIsolatedFlips<T extends PhaseCell>(samples: readonly T[]): Array<Smoothed<T>> {
  // Runs of equal stored phase: [start, end) per run, and each sample's run.
  const runs: Array<{ start: number; end: number; phase: string | null }> = [];
  for (let i = 0; i < samples.length; i++) {
    const last = runs[runs.length - 1];
    if (last && last.phase === samples[i]!.phase) last.end = i + 1;
    else runs.push({ start: i, end: i + 1, phase: samples[i]!.phase });
  }
  const display = samples.map((s) => s.phase);
  runs.forEach((run, r) => {
    const before = runs[r - 1];
    const after = runs[r + 1];
    if (run.end - run.start !== 1 || !before || !after || before.phase === null || before.phase !== after.phase) return;
    // An alternation (a b a b): the neighbours are single samples next to this phase again. Not a flip; keep it.
    const single = before.end - before.start < 2 && after.end - after.start < 2;
    if (single && (runs[r - 2]?.phase === run.phase || runs[r + 2]?.phase === run.phase)) return;
    display[run.start] = before.phase;
  });
  return samples.map((s, i) => ({ ...s, phase: display[i]!, storedPhase: s.phase, smoothed: display[i] !== s.phase }));
}

/** The samples as stored, in the same shape. */
export function unsmoothed<T extends PhaseCell>(samples: readonly T[]): Array<Smoothed<T>> {
  return samples.map((s) => ({ ...s, storedPhase: s.phase, smoothed: false }));
}
