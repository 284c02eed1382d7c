// The player's state as the review workspace uses it, outside PlayerContext (the workspace owns the player): the
// frame index and whether it is settled, the last settled index, saving where the reviewer is, and the frame view's
// geometry for the layers drawn over the frame.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Video } from '../../../../electron/api/schemas-video';
import { api } from '../../api';
import type { FrameView } from '../frame-view';
import type { FramePlayer } from '../player/frame-player';
import type { useZoomPan } from '../use-zoom-pan';

export type PlayerSlice = { index: number; settled: boolean };

/** The player state the workspace needs (outside PlayerContext, so it takes the player directly). */
export function usePlayerStateOf(player: FramePlayer | null): PlayerSlice {
  const subscribe = useCallback((l: () => void) => (player ? player.subscribe(l) : () => {}), [player]);
  const last = useRef<PlayerSlice>({ index: 0, settled: false });
  return useSyncExternalStore(subscribe, () => {
    if (!player) return last.current;
    const s = player.getState();
    const cur = last.current;
    if (cur.index === s.index && cur.settled === s.settled) return cur;
    last.current = { index: s.index, settled: s.settled };
    return last.current;
  });
}

/** The last index that was settled on screen (null before the first). */
export function useSettledIndex(index: number, settled: boolean): number | null {
  const [value, setValue] = useState<number | null>(null);
  useEffect(() => {
    if (settled) setValue(index);
  }, [index, settled]);
  return value;
}

/** Saves where the reviewer is (debounced) as they move, and once more on leaving. */
export function useSavePosition(reviewId: number, initial: number, settledIndex: number | null) {
  const lastSaved = useRef(initial);
  useEffect(() => {
    if (settledIndex === null || settledIndex === lastSaved.current) return;
    const t = setTimeout(() => {
      lastSaved.current = settledIndex;
      api.reviews.update({ id: reviewId, lastFrameIndex: settledIndex }).catch(() => {
        /* the position is a convenience; the next move saves again */
      });
    }, 600);
    return () => clearTimeout(t);
  }, [settledIndex, reviewId]);
  const latest = useRef(settledIndex);
  latest.current = settledIndex;
  useEffect(
    () => () => {
      const k = latest.current;
      if (k !== null && k !== lastSaved.current) void api.reviews.update({ id: reviewId, lastFrameIndex: k }).catch(() => {});
    },
    [reviewId],
  );
}

/** The frame view's geometry for layers over the frame (frame-view.tsx). */
export function useFrameViewOf(state: PlayerSlice, pts: number[], video: Video, zoomPan: ReturnType<typeof useZoomPan>): FrameView {
  return useMemo<FrameView>(
    () => ({
      frameIndex: state.index,
      frameConfirmed: state.settled,
      mediaTime: pts[state.index] ?? 0,
      frameWidth: video.width,
      frameHeight: video.height,
      boxWidth: zoomPan.box.width,
      boxHeight: zoomPan.box.height,
      boxLeft: zoomPan.box.left,
      boxTop: zoomPan.box.top,
      zoom: zoomPan.zoom,
      panX: zoomPan.panX,
      panY: zoomPan.panY,
      clientToFrame(clientX, clientY) {
        const el = zoomPan.stage;
        if (!el || !zoomPan.box.width) return null;
        const r = el.getBoundingClientRect();
        const bx = (clientX - r.left - zoomPan.box.left - zoomPan.panX) / zoomPan.zoom;
        const by = (clientY - r.top - zoomPan.box.top - zoomPan.panY) / zoomPan.zoom;
        return { x: (bx * video.width) / zoomPan.box.width, y: (by * video.height) / zoomPan.box.height };
      },
    }),
    [state.index, state.settled, pts, video.width, video.height, zoomPan.box, zoomPan.zoom, zoomPan.panX, zoomPan.panY, zoomPan.stage],
  );
}
