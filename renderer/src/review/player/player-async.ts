// Small promise tools of the player: a promise resolved from outside, the next paint, a pause, and the marker a
// wait answers with when the reviewer has asked for another frame meanwhile.

export const SUPERSEDED = Symbol('superseded');

export interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export const nextPaint = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
