// The scrub proxy: a copy of a video made for moving through it, not for looking at its detail. Recorders write long
// GOPs (250 frames), so a jump into the original decodes up to 8 s of video before the frame shows; the proxy is
// H.264 with a keyframe every 10 frames, no B-frames, at most 960×540, every frame kept with its own timestamp
// (frame k of the proxy is frame k of the video, checked after making it). The player scrubs, jumps and steps on
// it; the exact full-size frame (shown when the reviewer stops, and captured) still comes from the original.
// Made by ffmpeg in the background after import, with progress, cancel and a size cap; written to a temporary
// name and renamed.
import { ffmpegColourTags, type ColourDecision } from '../../api/colour';
import { passthroughArgs } from '../ffmpeg/ffmpeg-binary';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg';

/** Keyframe interval of the proxy, in frames: a jump decodes at most this many small frames. */
export const PROXY_GOP = 10;
/** The proxy fits this box (never larger than the video). */
export const PROXY_MAX = { width: 960, height: 540 };
/** A proxy larger than this is not kept (the original is used then). */
export const PROXY_MAX_BYTES = 4 * 1024 * 1024 * 1024;

export class ProxyCancelled extends Error {
  constructor() {
    super('Making the scrub proxy was cancelled.');
    this.name = 'ProxyCancelled';
  }
}

export class ProxyTooLarge extends Error {
  constructor(maxBytes: number) {
    super(`The scrub proxy would be larger than ${Math.round(maxBytes / 1024 / 1024)} MB, so none is kept; the original is used for scrubbing.`);
    this.name = 'ProxyTooLarge';
  }
}

/** The proxy's size for a video: within PROXY_MAX, the video's aspect, even dimensions. */
export function proxySize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, PROXY_MAX.width / width, PROXY_MAX.height / height);
  const even = (v: number) => Math.max(2, 2 * Math.round((v * scale) / 2));
  return { width: even(width), height: even(height) };
}

export interface ProxyOptions {
  ffmpeg: string;
  input: string;
  /** Written as given (a temporary name; the caller renames it). */
  output: string;
  width: number;
  height: number;
  /** From the first frame (for progress). */
  durationSeconds: number;
  /** The proxy is tagged with the matrix and range the app converts the original by, so it looks the same. */
  colour: ColourDecision;
  maxBytes: number;
  signal: AbortSignal;
  onProgress(fraction: number): void;
}

/** Makes the proxy; rejects with ProxyCancelled, ProxyTooLarge, or ffmpeg's error. */
export async function makeScrubProxy(o: ProxyOptions): Promise<void> {
  const { width, height } = proxySize(o.width, o.height);
  const args = [
    '-hide_banner', '-nostdin', '-y', '-loglevel', 'error',
    '-i', o.input,
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', `scale=${width}:${height}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'fastdecode', '-crf', '26', '-pix_fmt', 'yuv420p',
    '-g', String(PROXY_GOP), '-keyint_min', String(PROXY_GOP), '-sc_threshold', '0', '-bf', '0',
    ...ffmpegColourTags(o.colour),
    ...passthroughArgs(o.ffmpeg), '-enc_time_base', '1/90000', '-video_track_timescale', '90000',
    // No edit list: ffmpeg 4.1 (the one shipped) ends its edit list before the last frame, which players then drop.
    // The proxy starts at 0; its offset from the video's timestamps is measured and kept (sameFramesOffset).
    '-use_editlist', '0', '-movflags', '+faststart', '-fs', String(o.maxBytes),
    '-progress', 'pipe:1', '-nostats',
    '-f', 'mp4', o.output,
  ];
  let sizeBytes = 0;
  await runFfmpeg(o.ffmpeg, args, {
    durationSeconds: o.durationSeconds,
    signal: o.signal,
    onProgress: (f) => o.onProgress(Math.min(0.99, f ?? 0)),
    onProgressLine: (line) => {
      const s = /^total_size=(\d+)/.exec(line);
      if (s) sizeBytes = Number(s[1]);
    },
    failure: 'ffmpeg could not make the scrub proxy',
    cancelled: () => new ProxyCancelled(),
  });
  // -fs stops at the cap without an error: a proxy that reached it is cut short.
  if (sizeBytes >= o.maxBytes * 0.98) throw new ProxyTooLarge(o.maxBytes);
}

/**
 * The seconds to add to the proxy's timestamps to get the video's, when its frames are the video's (same count, every
 * timestamp the same after that shift, within half a millisecond); null when they are not.
 */
export function frameOffset(original: readonly number[], proxy: readonly number[]): number | null {
  if (original.length !== proxy.length || original.length === 0) return null;
  const offset = original[0]! - proxy[0]!;
  for (let i = 0; i < original.length; i++) if (Math.abs(original[i]! - (proxy[i]! + offset)) > 0.0005) return null;
  return offset;
}
