// What to do when the inference process dies: restart it after an exponential backoff (1 s, 2 s, 4 s, …), and
// stop restarting once it has died `maxCrashes` times within `windowMs` (a model that crashes on every load, out
// of memory or a damaged file, would otherwise respawn processes without end). Pure: the client keeps the clock.

export interface CrashPolicyOptions {
  /** Crashes within the window that unload the model instead of restarting it (default 3). */
  maxCrashes?: number;
  /** The window the crashes are counted in (default 2 minutes). */
  windowMs?: number;
  /** The wait before the first restart; it doubles with each crash in the window (default 1 s). */
  backoffBaseMs?: number;
  /** The longest wait before a restart (default 30 s). */
  backoffMaxMs?: number;
}

export type CrashDecision = { action: 'restart'; delayMs: number; count: number } | { action: 'give-up'; count: number; windowMs: number };

export function createCrashPolicy(o: CrashPolicyOptions = {}) {
  const maxCrashes = o.maxCrashes ?? 3;
  const windowMs = o.windowMs ?? 120_000;
  const base = o.backoffBaseMs ?? 1_000;
  const max = o.backoffMaxMs ?? 30_000;
  let crashes: number[] = [];
  return {
    /** Records a crash at `now` (ms) and says whether to restart, after how long, or to give up. */
    crashed(now: number): CrashDecision {
      crashes = crashes.filter((t) => now - t < windowMs);
      crashes.push(now);
      const count = crashes.length;
      if (count >= maxCrashes) {
        crashes = [];
        return { action: 'give-up', count, windowMs };
      }
      return { action: 'restart', delayMs: Math.min(max, base * 2 ** (count - 1)), count };
    },
    /** Forgets the crashes (the user loaded a model again). */
    reset(): void {
      crashes = [];
    },
  };
}
export type CrashPolicy = ReturnType<typeof createCrashPolicy>;

/** "2 minutes", "90 seconds": the window as a person reads it. */
export function describeWindow(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s % 60 === 0 && s >= 60) return s === 60 ? '1 minute' : `${s / 60} minutes`;
  return s === 1 ? '1 second' : `${s} seconds`;
}

/** The pause before a restart, which a load, unload or close can cut short (the restart then does not happen). */
export function createRestartWait() {
  let pending: { timer: NodeJS.Timeout; resolve(): void } | null = null;
  return {
    wait(ms: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending = null;
          resolve();
        }, ms);
        timer.unref?.();
        pending = { timer, resolve };
      });
    },
    cancel(): void {
      if (!pending) return;
      clearTimeout(pending.timer);
      pending.resolve();
      pending = null;
    },
  };
}
