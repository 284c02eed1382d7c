// The review's annotations as the reviewer works on them: all of the review's annotations by frame, every change
// saved at once (one call, one transaction with its audit row on the other side), and an undo/redo history for
// the whole session (Ctrl+Z / Ctrl+Shift+Z). Undo of a delete restores the annotation under its own id. Calls
// run one after the other, so a quick move-then-delete reaches the library in that order.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Annotation, AnnotationCreate, AnnotationPatch } from '../../../../electron/api/schemas-review';
import { api } from '../../api';

type Snapshot = { geometry: Annotation['geometry']; label: string | null; color: string };

type Command =
  | { kind: 'create'; id: number; frameId: number }
  | { kind: 'update'; id: number; frameId: number; before: Snapshot; after: Snapshot }
  | { kind: 'delete'; id: number; frameId: number };

const snapshot = (a: Annotation): Snapshot => ({ geometry: a.geometry, label: a.label, color: a.color });

export interface AnnotationSession {
  /** The annotations of one captured frame, oldest first. */
  forFrame(frameId: number | null): Annotation[];
  /** Frame ids that have at least one annotation. */
  annotatedFrameIds: ReadonlySet<number>;
  loaded: boolean;
  create(input: AnnotationCreate): Promise<Annotation>;
  update(id: number, patch: AnnotationPatch): Promise<Annotation>;
  remove(id: number): Promise<void>;
  undo(): Promise<number | null>;
  redo(): Promise<number | null>;
  canUndo: boolean;
  canRedo: boolean;
  /** Something failed to save: the message (cleared by the next change that succeeds). */
  error: string | null;
}

export function useAnnotationSession(reviewId: number, onError: (err: unknown) => void): AnnotationSession {
  const [all, setAll] = useState<Map<number, Annotation>>(new Map());
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [history, setHistory] = useState<{ done: Command[]; undone: Command[] }>({ done: [], undone: [] });
  const chain = useRef<Promise<unknown>>(Promise.resolve());
  const errorRef = useRef(onError);
  errorRef.current = onError;

  useEffect(() => {
    let alive = true;
    api.annotations
      .listForReview({ reviewId })
      .then((list) => {
        if (!alive) return;
        setAll(new Map(list.map((a) => [a.id, a])));
        setLoaded(true);
      })
      .catch((err: unknown) => alive && errorRef.current(err));
    return () => {
      alive = false;
    };
  }, [reviewId]);

  const put = useCallback((a: Annotation) => setAll((m) => new Map(m).set(a.id, a)), []);
  const drop = useCallback(
    (id: number) =>
      setAll((m) => {
        const next = new Map(m);
        next.delete(id);
        return next;
      }),
    [],
  );

  /** Runs calls in order; a failure is reported and rethrown to the caller. */
  const serial = useCallback(<T,>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.current.then(fn, fn);
    chain.current = run.catch(() => undefined);
    return run.then(
      (v) => {
        setError(null);
        return v;
      },
      (err: unknown) => {
        setError(err instanceof Error ? err.message : String(err));
        errorRef.current(err);
        throw err;
      },
    );
  }, []);

  const push = useCallback((c: Command) => setHistory((h) => ({ done: [...h.done, c], undone: [] })), []);

  const create = useCallback(
    (input: AnnotationCreate) =>
      serial(async () => {
        const a = await api.annotations.create(input);
        put(a);
        push({ kind: 'create', id: a.id, frameId: a.frameId });
        return a;
      }),
    [serial, put, push],
  );

  const allRef = useRef(all);
  allRef.current = all;

  const update = useCallback(
    (id: number, patch: AnnotationPatch) =>
      serial(async () => {
        const before = allRef.current.get(id);
        const a = await api.annotations.update({ id, patch });
        put(a);
        if (before) push({ kind: 'update', id, frameId: a.frameId, before: snapshot(before), after: snapshot(a) });
        return a;
      }),
    [serial, put, push],
  );

  const remove = useCallback(
    (id: number) =>
      serial(async () => {
        const before = allRef.current.get(id);
        await api.annotations.delete({ id });
        drop(id);
        push({ kind: 'delete', id, frameId: before?.frameId ?? 0 });
      }),
    [serial, drop, push],
  );

  const apply = useCallback(
    async (c: Command, direction: 'undo' | 'redo'): Promise<void> => {
      const bringBack = (c.kind === 'create' && direction === 'redo') || (c.kind === 'delete' && direction === 'undo');
      const takeAway = (c.kind === 'create' && direction === 'undo') || (c.kind === 'delete' && direction === 'redo');
      if (bringBack) put(await api.annotations.restore({ id: c.id }));
      else if (takeAway) {
        await api.annotations.delete({ id: c.id });
        drop(c.id);
      } else if (c.kind === 'update') {
        const s = direction === 'undo' ? c.before : c.after;
        put(await api.annotations.update({ id: c.id, patch: { geometry: s.geometry, label: s.label, color: s.color } }));
      }
    },
    [put, drop],
  );

  const historyRef = useRef(history);
  historyRef.current = history;

  const undo = useCallback(
    () =>
      serial(async () => {
        const c = historyRef.current.done.at(-1);
        if (!c) return null;
        await apply(c, 'undo');
        setHistory((h) => ({ done: h.done.slice(0, -1), undone: [...h.undone, c] }));
        historyRef.current = { done: historyRef.current.done.slice(0, -1), undone: [...historyRef.current.undone, c] };
        return c.frameId;
      }),
    [serial, apply],
  );

  const redo = useCallback(
    () =>
      serial(async () => {
        const c = historyRef.current.undone.at(-1);
        if (!c) return null;
        await apply(c, 'redo');
        setHistory((h) => ({ done: [...h.done, c], undone: h.undone.slice(0, -1) }));
        historyRef.current = { done: [...historyRef.current.done, c], undone: historyRef.current.undone.slice(0, -1) };
        return c.frameId;
      }),
    [serial, apply],
  );

  const byFrame = useMemo(() => {
    const m = new Map<number, Annotation[]>();
    for (const a of all.values()) {
      const list = m.get(a.frameId) ?? [];
      list.push(a);
      m.set(a.frameId, list);
    }
    for (const list of m.values()) list.sort((a, b) => a.id - b.id);
    return m;
  }, [all]);

  return {
    forFrame: useCallback((frameId: number | null) => (frameId === null ? [] : (byFrame.get(frameId) ?? [])), [byFrame]),
    annotatedFrameIds: useMemo(() => new Set(byFrame.keys()), [byFrame]),
    loaded,
    create,
    update,
    remove,
    undo,
    redo,
    canUndo: history.done.length > 0,
    canRedo: history.undone.length > 0,
    error,
  };
}
