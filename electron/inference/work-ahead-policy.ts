// Work ahead gives way: when the reviewer asks for something while a frame is being encoded ahead, how long may their
// request wait for that encode before it is ended? llama.cpp's image encode cannot be interrupted, so ending it means
// ending the model process and loading the model again (inference-client.ts, the same path as a cancel). Pure.
//
// The rule, from measured times:
// - the request is about the frame being encoded: wait for it; the analysis then uses its embedding (no second encode);
// - the encode's expected remaining time is no more than what ending it costs (the measured load of this model, plus
//   starting a process): wait, but no longer than that cost, so a wrong estimate delays the reviewer at most about twice
//   the reload (a small model: the encode ends within milliseconds; the real size near the end of its ~260 s encode);
// - it would take longer (the real size on a CPU: minutes left against a ~18 s reload): end it now;
// - nothing measured yet: the grace a cancel gets (1 s): a small model's encode ends within it, a large one does not
//   and is ended, so the reviewer never waits minutes behind work they did not ask for.

/** Starting a new model process before the model loads (node, the runtime's libraries): about a second. */
export const PROCESS_START_MS = 1_000;

export interface YieldFacts {
  /** The frame the reviewer's request is about (its sha256), when it names one. */
  requestFrameKey: string | null;
  /** The frame being encoded ahead. */
  encodingFrameKey: string;
  /** How long the encode has been running. */
  elapsedMs: number;
  /** The encode time measured for this model on this device; null when none is known. */
  expectedEncodeMs: number | null;
  /** The measured load time of the loaded model (LoadedModel.loadMs); null when unknown. */
  loadMs: number | null;
  /** How long a cancelled analysis may take to stop before its process is ended (the client's cancelGraceMs). */
  graceMs: number;
}

export interface YieldDecision {
  /** How long the request may wait for the encode to end by itself before it is ended; Infinity: wait for it. */
  waitMs: number;
  reason: 'same-frame' | 'nearly-done' | 'long-encode' | 'unmeasured';
}

export function yieldToRequest(f: YieldFacts): YieldDecision {
  if (f.requestFrameKey && f.requestFrameKey === f.encodingFrameKey) return { waitMs: Infinity, reason: 'same-frame' };
  if (f.expectedEncodeMs === null || f.loadMs === null) return { waitMs: f.graceMs, reason: 'unmeasured' };
  const remaining = Math.max(0, f.expectedEncodeMs - f.elapsedMs);
  const reload = f.loadMs + PROCESS_START_MS;
  if (remaining <= reload) return { waitMs: Math.max(f.graceMs, reload), reason: 'nearly-done' };
  return { waitMs: 0, reason: 'long-encode' };
}

/** The latest image encodes the client saw for the loaded model (analyses and encodes ahead); their median. */
export function createEncodeTimes(keep = 5) {
  let times: number[] = [];
  return {
    add(ms: number): void {
      if (!Number.isFinite(ms) || ms <= 0) return;
      times = [...times, ms].slice(-keep);
    },
    /** The median of the latest encodes, or null before any. */
    expected(): number | null {
      if (times.length === 0) return null;
      const v = [...times].sort((a, b) => a - b);
      const mid = Math.floor(v.length / 2);
      return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
    },
    clear(): void {
      times = [];
    },
  };
}
