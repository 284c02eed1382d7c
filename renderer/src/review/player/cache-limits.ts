// How much the frame cache may hold: a frame count, a memory budget (Settings → Video), and the largest size a
// frame is kept at (the screen's; a 4K frame is decoded full size for capture only).

export interface FrameCacheLimits {
  maxFrames: number;
  /** The memory budget (Settings → frame cache memory). */
  maxBytes: number;
  /** Frames are kept at most this large (the display): a 4K frame is 33 MB as RGBA, 8.3 MB at 1920×1080. */
  maxWidth?: number;
  maxHeight?: number;
}

/** The default budget, 512 MiB: fits an 8 GB laptop beside the model; 61 frames at 1080p, 150 at 720p. */
export const DEFAULT_CACHE_MB = 512;

/** 150 frames within the default budget, kept at most at the screen's size. */
export const DEFAULT_CACHE_LIMITS: FrameCacheLimits = { maxFrames: 150, maxBytes: DEFAULT_CACHE_MB * 1024 * 1024 };

/** Limits for a budget in MiB: frames at most as large as this screen shows them (full size only for capture). */
export function cacheLimitsFor(budgetMb: number): FrameCacheLimits {
  const dpr = typeof window !== 'undefined' ? window.devicePixelRatio || 1 : 1;
  const screen = typeof window !== 'undefined' ? window.screen : null;
  return {
    maxFrames: 150,
    maxBytes: budgetMb * 1024 * 1024,
    ...(screen && screen.width > 0 ? { maxWidth: Math.round(screen.width * dpr), maxHeight: Math.round(screen.height * dpr) } : {}),
  };
}
