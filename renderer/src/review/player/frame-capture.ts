// Capture of the exact frame on screen: the player settles first, then the pixels come from a VideoFrame of the
// <video> whose timestamp must be frame k's (the element is sent to frame k when the frame cache drew it); when the
// element turns out to show another frame, frame k is shown again (exactly) and captured once more.
// Colour: the frame's YUV planes are converted here by the app's rule (electron/api/colour.ts: the stream's tags,
// else HD BT.709 / SD BT.601), so a capture has the colours of ffmpeg's decode whichever path painted the frame.
// Only a frame whose planes cannot be read (a GPU-only frame) falls back to the browser's own conversion.
import type { ColourDecision } from '../../../../electron/api/colour';
import { encodePng, type EncodedFrame } from './capture';
import type { CachedFrame } from './frame-cache';
import type { CapturedFrame } from './player-types';
import { isFrame } from './timeline';
import { canConvert, yuvToRgba } from './yuv-to-rgb';

/** Whether a cached frame was kept at the video's own size (the cache keeps large frames at screen size). */
function isFullSize(f: CachedFrame, video: HTMLVideoElement): boolean {
  const w = 'displayWidth' in f.image ? f.image.displayWidth : f.image.width;
  return !video.videoWidth || w >= video.videoWidth;
}

/** The frame's pixels by the colour rule (its YUV planes converted here), else the browser's conversion. */
export async function encodeByRule(frame: VideoFrame, colour: ColourDecision | undefined): Promise<EncodedFrame & { colourBy: 'rule' | 'browser' }> {
  if (colour && canConvert(frame.format)) {
    const rect = frame.visibleRect!;
    const data = new Uint8Array(frame.allocationSize());
    const layout = await frame.copyTo(data);
    const rgba = yuvToRgba({ format: frame.format!, width: rect.width, height: rect.height, data, layout }, colour);
    return { ...(await encodePng(new ImageData(rgba, rect.width, rect.height))), colourBy: 'rule' };
  }
  return { ...(await encodePng(frame)), colourBy: 'browser' };
}

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
  /** Sends the <video> to frame k (confirmed) without changing what is on screen; false when it cannot. */
  videoTo(k: number): Promise<boolean>;
  /** The matrix and range to convert with (the colour rule for this video). */
  colour?: ColourDecision;
}

/** The exact frame on screen as a lossless PNG at its native size (pauses first). */
export async function captureFrame(host: CaptureHost): Promise<CapturedFrame> {
  const { pts } = host;
  await host.settle();
  const k = host.onScreen().index;
  if (host.onScreen().shownIndex !== k) throw new Error('The frame is not on screen yet; try again.');
  const drawnFromCache = host.onScreen().source === 'cache';
  if (drawnFromCache && !(await host.videoTo(k))) {
    // The element cannot show frame k (Chromium never presents some frames by seeking): the cached pixels, in the
    // browser's colours (the planes are gone once a frame is in the cache).
    const f = host.cached(k);
    if (f && isFrame(pts, k, f.timestamp) && isFullSize(f, host.video)) return { ...(await encodePng(f.image)), index: k, mediaTime: pts[k]!, source: 'cache', colourBy: 'browser' };
    if (f) throw new Error(`Frame ${k} could not be shown at full size for capture (the video did not present it); step away and back, then capture again.`);
    await host.reshow(k, false);
  }
  for (let attempt = 0; ; attempt++) {
    const frame = new VideoFrame(host.video);
    try {
      const t = frame.timestamp / 1e6;
      if (isFrame(pts, k, t)) return { ...(await encodeByRule(frame, host.colour)), index: k, mediaTime: pts[k]!, source: drawnFromCache ? 'cache' : 'video' };
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
      if (f) return { ...(await encodePng(f.image)), index: k, mediaTime: pts[k]!, source: 'cache', colourBy: 'browser' };
    }
  }
}
