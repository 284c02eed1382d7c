// Capture of the exact frame on screen: the player settles first, then the pixels come from the frame cache (when
// the cache drew it) or from a VideoFrame of the <video> whose timestamp must be frame k's; when the element turns
// out to show another frame, frame k is shown again (exactly) and captured once more.
import { encodePng } from './capture';
import type { CachedFrame } from './frame-cache';
import type { CapturedFrame } from './player-types';
import { isFrame } from './timeline';

export interface CaptureHost {
  readonly pts: readonly number[];
  readonly video: HTMLVideoElement;
  /** Stops the shuttle and playback, then resolves once nothing is pending. */
  settle(): Promise<void>;
  /** The frame the reviewer is on, the one confirmed on screen, and where its pixels come from. */
  onScreen(): { index: number; shownIndex: number | null; source: 'video' | 'cache' | null };
  cached(k: number): CachedFrame | undefined;
  /** Forgets what is on screen (and where the <video> is, when `video`), shows frame k again and resolves settled. */
  reshow(k: number, video: boolean): Promise<void>;
}

/** The exact frame on screen as a lossless PNG at its native size (pauses first). */
export async function captureFrame(host: CaptureHost): Promise<CapturedFrame> {
  const { pts } = host;
  await host.settle();
  const k = host.onScreen().index;
  if (host.onScreen().shownIndex !== k) throw new Error('The frame is not on screen yet; try again.');
  if (host.onScreen().source === 'cache') {
    const f = host.cached(k);
    if (f && isFrame(pts, k, f.timestamp)) return { ...(await encodePng(f.image)), index: k, mediaTime: pts[k]!, source: 'cache' };
    // The cached frame is gone (the cache was turned off): show it from the video.
    await host.reshow(k, false);
  }
  for (let attempt = 0; ; attempt++) {
    const frame = new VideoFrame(host.video);
    try {
      const t = frame.timestamp / 1e6;
      if (isFrame(pts, k, t)) return { ...(await encodePng(frame)), index: k, mediaTime: pts[k]!, source: 'video' };
      if (attempt > 0) {
        throw new Error(`The video shows the frame at ${t.toFixed(6)} s, not frame ${k} (${pts[k]!.toFixed(6)} s). Step away and back, then capture again.`);
      }
    } finally {
      frame.close();
    }
    // What is on screen is not frame k after all: show it again (exactly), then capture.
    await host.reshow(k, true);
    const now = host.onScreen();
    if (now.index !== k || now.shownIndex !== k) throw new Error(`Frame ${k} could not be shown again for capture; try again.`);
    if (now.source === 'cache') {
      const f = host.cached(k);
      if (f) return { ...(await encodePng(f.image)), index: k, mediaTime: pts[k]!, source: 'cache' };
    }
  }
}
