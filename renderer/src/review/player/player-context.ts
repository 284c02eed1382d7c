// The review's FramePlayer for its components: usePlayer() for commands, usePlayerState(select) to re-render only
// when the selected part of the state changes (playback updates the state on every frame).
import { createContext, useContext, useRef, useSyncExternalStore } from 'react';
import type { FramePlayer, PlayerState } from './frame-player';

export const PlayerContext = createContext<FramePlayer | null>(null);

export function usePlayer(): FramePlayer | null {
  return useContext(PlayerContext);
}

const noopSubscribe = () => () => {};

function shallowEqual<T>(a: T, b: T): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || !a || !b) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A slice of the player state (compared shallowly), or `fallback` while there is no player yet. */
export function usePlayerState<T>(select: (s: PlayerState) => T, fallback: T): T {
  const player = usePlayer();
  const last = useRef<{ value: T } | null>(null);
  const getSnapshot = () => {
    const next = player ? select(player.getState()) : fallback;
    if (last.current && shallowEqual(last.current.value, next)) return last.current.value;
    last.current = { value: next };
    return next;
  };
  return useSyncExternalStore(player ? player.subscribe : noopSubscribe, getSnapshot);
}
