// Zoom (1× = fit … 8×) and pan of the frame inside the stage. Zooming keeps the point under the cursor (or the
// stage centre) still; panning keeps the zoomed frame covering its fitted box, so it never drifts off screen.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

export const MIN_ZOOM = 1;
export const MAX_ZOOM = 8;

export interface ZoomPan {
  stageRef: (el: HTMLDivElement | null) => void;
  stage: HTMLDivElement | null;
  stageWidth: number;
  stageHeight: number;
  box: { left: number; top: number; width: number; height: number };
  zoom: number;
  panX: number;
  panY: number;
  /** Multiplies the zoom around a point in stage coordinates (default: the stage centre). */
  zoomBy(factor: number, at?: { x: number; y: number }): void;
  fit(): void;
  panBy(dx: number, dy: number): void;
}

function clampPan(v: number, size: number, zoom: number): number {
  return Math.min(0, Math.max(size - size * zoom, v));
}

export function useZoomPan(frameWidth: number, frameHeight: number): ZoomPan {
  const [stage, setStage] = useState<HTMLDivElement | null>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [view, setView] = useState({ zoom: 1, panX: 0, panY: 0 });

  useEffect(() => {
    if (!stage) return;
    const ro = new ResizeObserver(() => setSize({ w: stage.clientWidth, h: stage.clientHeight }));
    ro.observe(stage);
    setSize({ w: stage.clientWidth, h: stage.clientHeight });
    return () => ro.disconnect();
  }, [stage]);

  const box = useMemo(() => {
    if (!size.w || !size.h || !frameWidth || !frameHeight) return { left: 0, top: 0, width: 0, height: 0 };
    const scale = Math.min(size.w / frameWidth, size.h / frameHeight);
    const width = Math.round(frameWidth * scale);
    const height = Math.round(frameHeight * scale);
    return { left: Math.round((size.w - width) / 2), top: Math.round((size.h - height) / 2), width, height };
  }, [size.w, size.h, frameWidth, frameHeight]);

  const boxRef = useRef(box);
  boxRef.current = box;

  const zoomBy = useCallback((factor: number, at?: { x: number; y: number }) => {
    const b = boxRef.current;
    setView((v) => {
      const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.zoom * factor));
      if (zoom === v.zoom) return v;
      // The point under `at` (stage coords) stays put: stage = box.left + pan + frameBoxPoint × zoom.
      const px = (at?.x ?? b.left + b.width / 2) - b.left;
      const py = (at?.y ?? b.top + b.height / 2) - b.top;
      const fx = (px - v.panX) / v.zoom;
      const fy = (py - v.panY) / v.zoom;
      return { zoom, panX: clampPan(px - fx * zoom, b.width, zoom), panY: clampPan(py - fy * zoom, b.height, zoom) };
    });
  }, []);

  const fit = useCallback(() => setView({ zoom: 1, panX: 0, panY: 0 }), []);

  const panBy = useCallback((dx: number, dy: number) => {
    const b = boxRef.current;
    setView((v) => ({ ...v, panX: clampPan(v.panX + dx, b.width, v.zoom), panY: clampPan(v.panY + dy, b.height, v.zoom) }));
  }, []);

  return { stageRef: setStage, stage, stageWidth: size.w, stageHeight: size.h, box, zoom: view.zoom, panX: view.panX, panY: view.panY, zoomBy, fit, panBy };
}
