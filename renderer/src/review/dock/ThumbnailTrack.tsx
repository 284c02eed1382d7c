// The thumbnail track: small pictures of the video along the visible stretch, one per tile, each the frame at the
// tile's start (tiles sit on a grid of whole tile durations so scrolling keeps the pictures it already has).
import { useEffect, useRef } from 'react';
import { frameAt, xOf, type TimelineWindow } from './timeline-view';
import type { ThumbnailSource } from './thumbnails';

interface Props {
  win: TimelineWindow;
  width: number;
  height: number;
  pts: readonly number[];
  aspect: number;
  source: ThumbnailSource | null;
}

export function ThumbnailTrack({ win, width, height, pts, aspect, source }: Props) {
  const canvas = useRef<HTMLCanvasElement | null>(null);
  useEffect(() => {
    const c = canvas.current;
    if (!c || !width || !height) return;
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    c.width = Math.round(width * dpr);
    c.height = Math.round(height * dpr);
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (!source || !pts.length) return;
    const tileW = Math.max(24, Math.round(height * aspect));
    const tileDur = tileW / win.pps;
    const first = Math.floor(win.start / tileDur);
    const last = Math.ceil((win.start + width / win.pps) / tileDur);
    const controller = new AbortController();
    let painted = 0;
    c.dataset.tiles = String(last - first + 1);
    c.dataset.painted = '0';
    for (let i = first; i <= last; i++) {
      const t = i * tileDur;
      const x = xOf(win, t);
      const k = frameAt({ start: 0, pps: 1 }, t, pts);
      void source(k, controller.signal).then((img) => {
        if (!img || controller.signal.aborted) return;
        ctx.drawImage(img, x, 0, tileW, height);
        ctx.fillStyle = 'rgba(0,0,0,0.35)';
        ctx.fillRect(x + tileW - 1, 0, 1, height);
        c.dataset.painted = String(++painted);
      });
    }
    return () => controller.abort();
  }, [win, width, height, pts, aspect, source]);
  return <canvas ref={canvas} className="dock-thumbs" style={{ width, height }} data-testid="dock-thumbnails" aria-hidden="true" />;
}
