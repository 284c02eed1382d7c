// The review's phase segments: the list (time order), the in/out marks being set with I and O, and which
// segment is being edited. Every change is saved at once.
import { useCallback, useEffect, useState } from 'react';
import type { Segment } from '../../../../electron/api/schemas-review';
import { api } from '../../api';

export interface SegmentsState {
  list: Segment[];
  /** Marks set with I / O (frame indices), before the segment is saved. */
  markIn: number | null;
  markOut: number | null;
  setMarkIn(k: number | null): void;
  setMarkOut(k: number | null): void;
  selectedId: number | null;
  select(id: number | null): void;
  create(input: { startFrame: number; endFrame: number; phase: string | null; label: string; note: string }): Promise<Segment>;
  update(id: number, patch: Partial<Pick<Segment, 'startFrame' | 'endFrame' | 'phase' | 'label' | 'note'>>): Promise<Segment>;
  remove(id: number): Promise<void>;
}

/** Seconds of frame k on the video's timeline (its presentation time). */
const timeOf = (pts: number[], k: number) => pts[Math.max(0, Math.min(pts.length - 1, k))] ?? 0;

export function useSegments(reviewId: number, pts: number[], onError: (err: unknown) => void): SegmentsState {
  const [list, setList] = useState<Segment[]>([]);
  const [markIn, setMarkIn] = useState<number | null>(null);
  const [markOut, setMarkOut] = useState<number | null>(null);
  const [selectedId, select] = useState<number | null>(null);

  useEffect(() => {
    let alive = true;
    api.segments
      .list({ reviewId })
      .then((l) => alive && setList(l))
      .catch((err: unknown) => alive && onError(err));
    return () => {
      alive = false;
    };
  }, [reviewId, onError]);

  const sorted = (l: Segment[]) => [...l].sort((a, b) => a.startFrame - b.startFrame || a.id - b.id);

  const create = useCallback(
    async (input: { startFrame: number; endFrame: number; phase: string | null; label: string; note: string }) => {
      const s = await api.segments.create({
        reviewId,
        ...input,
        startTime: timeOf(pts, input.startFrame),
        endTime: timeOf(pts, input.endFrame),
      });
      setList((l) => sorted([...l, s]));
      return s;
    },
    [reviewId, pts],
  );

  const update = useCallback(
    async (id: number, patch: Partial<Pick<Segment, 'startFrame' | 'endFrame' | 'phase' | 'label' | 'note'>>) => {
      const full = {
        ...patch,
        ...(patch.startFrame !== undefined ? { startTime: timeOf(pts, patch.startFrame) } : {}),
        ...(patch.endFrame !== undefined ? { endTime: timeOf(pts, patch.endFrame) } : {}),
      };
      const s = await api.segments.update({ id, patch: full });
      setList((l) => sorted(l.map((x) => (x.id === id ? s : x))));
      return s;
    },
    [pts],
  );

  const remove = useCallback(async (id: number) => {
    await api.segments.delete({ id });
    setList((l) => l.filter((x) => x.id !== id));
    select((cur) => (cur === id ? null : cur));
  }, []);

  return { list, markIn, markOut, setMarkIn, setMarkOut, selectedId, select, create, update, remove };
}
