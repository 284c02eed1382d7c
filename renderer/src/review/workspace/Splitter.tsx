// A panel edge the reviewer drags (or moves with the arrow keys when focused) to resize a panel; the size is kept
// in localStorage so the workspace opens as they left it. Double-click puts the default back (which follows the
// window's width until the reviewer sets their own).
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type PointerEvent as ReactPointerEvent } from 'react';

const PREFIX = 'workstation.panel.';

function saved(key: string): number | null {
  try {
    const v = Number(window.localStorage.getItem(PREFIX + key));
    return Number.isFinite(v) && v > 0 ? v : null;
  } catch {
    return null;
  }
}

export interface PanelSize {
  size: number;
  set(size: number): void;
  reset(): void;
  min: number;
  max: number;
}

/**
 * A panel size (px) kept between min and max: the reviewer's own once they have dragged it (remembered), else
 * `fallback`, which may follow the window.
 */
export function usePanelSize(key: string, fallback: number, min: number, max: number): PanelSize {
  const clamp = useCallback((v: number) => Math.round(Math.max(min, Math.min(max, v))), [min, max]);
  const [own, setOwn] = useState<number | null>(() => saved(key));
  const set = useCallback(
    (v: number) => {
      const next = clamp(v);
      setOwn(next);
      try {
        window.localStorage.setItem(PREFIX + key, String(next));
      } catch {
        /* the size lasts for this window */
      }
    },
    [key, clamp],
  );
  const reset = useCallback(() => {
    setOwn(null);
    try {
      window.localStorage.removeItem(PREFIX + key);
    } catch {
      /* nothing to forget */
    }
  }, [key]);
  return { size: clamp(own ?? fallback), set, reset, min, max };
}

/** The window's width, followed as it is resized. */
export function useWindowWidth(): number {
  const [w, setW] = useState(() => window.innerWidth);
  useEffect(() => {
    const on = () => setW(window.innerWidth);
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
  }, []);
  return w;
}

interface Props {
  panel: PanelSize;
  /** 'column': drags left/right (a side panel's width); 'row': up/down (a dock's height). */
  axis: 'column' | 'row';
  /** +1 when dragging towards the end (right/down) grows the panel, -1 when it shrinks it. */
  direction: 1 | -1;
  label: string;
  testId: string;
}

export function Splitter({ panel, axis, direction, label, testId }: Props) {
  const drag = useRef<{ id: number; start: number; size: number } | null>(null);
  const pos = (e: ReactPointerEvent) => (axis === 'column' ? e.clientX : e.clientY);
  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    drag.current = { id: e.pointerId, start: pos(e), size: panel.size };
    e.currentTarget.setPointerCapture(e.pointerId);
    e.preventDefault();
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (d?.id === e.pointerId) panel.set(d.size + direction * (pos(e) - d.start));
  };
  const end = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (drag.current?.id === e.pointerId) drag.current = null;
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = e.shiftKey ? 64 : 16;
    const less = axis === 'column' ? 'ArrowLeft' : 'ArrowUp';
    const more = axis === 'column' ? 'ArrowRight' : 'ArrowDown';
    if (e.key !== less && e.key !== more) return;
    e.preventDefault();
    e.stopPropagation();
    panel.set(panel.size + direction * (e.key === more ? step : -step));
  };
  return (
    <div
      className={`splitter splitter-${axis}`}
      role="separator"
      aria-orientation={axis === 'column' ? 'vertical' : 'horizontal'}
      aria-label={label}
      aria-valuenow={panel.size}
      aria-valuemin={panel.min}
      aria-valuemax={panel.max}
      tabIndex={0}
      title={`${label}: drag to resize, double-click for the default size`}
      data-testid={testId}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={end}
      onPointerCancel={end}
      onDoubleClick={panel.reset}
      onKeyDown={onKeyDown}
    />
  );
}
