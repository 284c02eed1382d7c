// The frame on screen: the video (video.js), the canvas the frame cache draws steps on, and an overlay slot for
// layers drawn over the frame (annotations), all in one box that fits the stage and zooms/pans as one. Wheel
// zooms around the cursor; dragging pans while zoomed.
import { useEffect, useRef, type PointerEvent as ReactPointerEvent, type ReactNode } from 'react';
import type { ColourDecision } from '../../../electron/api/colour';
import type { FrameCacheLimits } from './player/frame-cache';
import { FramePlayer } from './player/frame-player';
import { createVideoElement } from './player/video-element';
import type { ZoomPan } from './use-zoom-pan';

interface Props {
  src: string;
  type: string;
  pts: number[];
  durationSeconds: number;
  frameWidth: number;
  frameHeight: number;
  /** Start with the WebCodecs frame cache on (it can be switched later through the player). */
  cache: boolean;
  /** The frame cache's bounds (its memory budget), when not the defaults. */
  cacheLimits?: FrameCacheLimits;
  /** The colour rule for this video: captures convert by it. */
  colour?: ColourDecision;
  /** The ready scrub proxy's URL (jumps and steps are drawn from it; the full-size frame from src). */
  proxyUrl?: string;
  proxyTimeOffset?: number;
  zoomPan: ZoomPan;
  onPlayer: (player: FramePlayer | null) => void;
  /** Drawn over the frame, in the frame's box (pointer events pass through unless a child takes them). */
  overlay?: ReactNode;
  /** Shown over the stage (busy and error notices). */
  children?: ReactNode;
}

export function FrameStage({ src, type, pts, durationSeconds, frameWidth, frameHeight, cache, cacheLimits, colour, proxyUrl, proxyTimeOffset, zoomPan, onPlayer, overlay, children }: Props) {
  const hostRef = useRef<HTMLDivElement | null>(null);
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const setup = useRef({ pts, durationSeconds, cache, cacheLimits, colour, proxyUrl, proxyTimeOffset, onPlayer });
  setup.current = { pts, durationSeconds, cache, cacheLimits, colour, proxyUrl, proxyTimeOffset, onPlayer };

  useEffect(() => {
    const host = hostRef.current;
    const canvas = canvasRef.current;
    if (!host || !canvas) return;
    const s = setup.current;
    const handle = createVideoElement(host, src, type);
    const player = new FramePlayer({
      handle,
      canvas,
      url: src,
      pts: s.pts,
      durationSeconds: s.durationSeconds,
      cache: s.cache,
      ...(s.cacheLimits ? { cacheLimits: s.cacheLimits } : {}),
      ...(s.colour ? { colour: s.colour } : {}),
      ...(s.proxyUrl ? { proxyUrl: s.proxyUrl, proxyTimeOffset: s.proxyTimeOffset ?? 0 } : {}),
    });
    s.onPlayer(player);
    return () => {
      setup.current.onPlayer(null);
      player.dispose();
      handle.dispose();
      canvas.hidden = true;
    };
  }, [src, type]);

  // Wheel zoom needs a non-passive listener (React's wheel handlers cannot prevent the page from scrolling).
  const { stage, zoomBy, panBy, zoom, panX, panY, box, stageRef } = zoomPan;
  useEffect(() => {
    if (!stage) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = stage.getBoundingClientRect();
      zoomBy(Math.exp(-e.deltaY * 0.0015), { x: e.clientX - r.left, y: e.clientY - r.top });
    };
    stage.addEventListener('wheel', onWheel, { passive: false });
    return () => stage.removeEventListener('wheel', onWheel);
  }, [stage, zoomBy]);

  const drag = useRef<{ id: number; x: number; y: number } | null>(null);
  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 || zoom <= 1 || e.defaultPrevented) return;
    drag.current = { id: e.pointerId, x: e.clientX, y: e.clientY };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    panBy(e.clientX - d.x, e.clientY - d.y);
    drag.current = { ...d, x: e.clientX, y: e.clientY };
  };
  const endDrag = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (drag.current?.id === e.pointerId) drag.current = null;
  };

  return (
    <div
      ref={stageRef}
      className={`review-stage${zoom > 1 ? ' is-zoomed' : ''}`}
      data-testid="review-stage"
      data-zoom={zoom.toFixed(2)}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={endDrag}
      onPointerCancel={endDrag}
    >
      <div
        className="frame-box"
        data-testid="frame-box"
        style={{
          left: box.left,
          top: box.top,
          width: box.width,
          height: box.height,
          transform: `translate(${panX}px, ${panY}px) scale(${zoom})`,
        }}
      >
        <div className="video-host" ref={hostRef} />
        <canvas ref={canvasRef} className="frame-canvas" data-testid="frame-canvas" width={frameWidth} height={frameHeight} hidden />
        <div className="frame-overlay" data-testid="frame-overlay">
          {overlay}
        </div>
      </div>
      {children}
    </div>
  );
}
