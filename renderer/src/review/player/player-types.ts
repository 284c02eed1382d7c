// What the frame player tells the review: its state snapshot, its options, a captured frame, the playback rates.
// frame-player.ts re-exports all of it; the review imports it from there.
import type { ColourDecision } from '../../../../electron/api/colour';
import type { EncodedFrame } from './capture';
import type { FrameCacheLimits } from './frame-cache';
import type { VideoElementHandle } from './video-element';

export type FramePath = 'cache' | 'seek' | 'play';
export type CacheState = 'loading' | 'on' | 'off' | 'unavailable' | 'failed';

export interface PlaybackProblem {
  code: number | null;
  /** What happened, in words for the reviewer. */
  message: string;
  /** The browser's own text (Chromium: PipelineStatus::…), when it gave one. */
  detail: string | null;
  /** Where it happened. */
  atSeconds: number;
  atIndex: number;
  state: 'recovering' | 'recovered' | 'failed';
  /** The last good frame the player went back to. */
  recoveredTo: number | null;
}

export interface PlayerState {
  /** The frame the reviewer is on (the target while a seek is under way). */
  index: number;
  frameCount: number;
  /** The frame confirmed on screen, and its media time (= pts[shownIndex]). */
  shownIndex: number | null;
  mediaTime: number | null;
  /** Where the shown pixels come from. */
  source: 'video' | 'cache' | null;
  /** True when frame `index` is confirmed on screen and nothing is pending: safe to capture. */
  settled: boolean;
  busy: boolean;
  playing: boolean;
  /** Backward shuttle speed (stepping backwards in time), 0 when off. */
  reverseRate: number;
  /** Forward playback speed. */
  rate: number;
  /** How the last frame got on screen, and how long it took from the request (ms). */
  lastPath: FramePath | null;
  lastMs: number | null;
  cache: { state: CacheState; reason: string | null; frames: number; capacity: number; decoding: boolean };
  problem: PlaybackProblem | null;
  /** A frame the browser showed that was not the one asked for (kept honest in the display). */
  warning: string | null;
}

export interface FramePlayerOptions {
  handle: VideoElementHandle;
  canvas: HTMLCanvasElement;
  url: string;
  pts: number[];
  /** From the first frame to the end of the last (the timeline's durationSeconds). */
  durationSeconds: number;
  cache: boolean;
  cacheLimits?: FrameCacheLimits;
  /**
   * The video's scrub proxy (short GOP, reduced size, frame k = frame k), when it is ready: the frame cache decodes it
   * instead of the original, and jumps are drawn from it too; the full-size frame comes from the original.
   */
  proxyUrl?: string;
  /** Seconds to add to the proxy's timestamps to get the video's (it starts at 0). */
  proxyTimeOffset?: number;
  /** The colour rule's matrix and range for this video (captures convert by it); absent: the browser's colours. */
  colour?: ColourDecision;
}

export interface CapturedFrame extends EncodedFrame {
  index: number;
  mediaTime: number;
  /** Which path painted the frame on screen when it was captured. */
  source: 'video' | 'cache';
  /** Whose YUV → RGB made the pixels: the app's colour rule, or the browser's (a frame whose planes are unreadable). */
  colourBy: 'rule' | 'browser';
}

export const PLAYBACK_RATES = [0.1, 0.25, 0.5, 1, 1.5, 2, 4] as const;
/** The shuttle's speeds (J and L pressed again go one faster). */
export const SHUTTLE_RATES = [1, 2, 4];
