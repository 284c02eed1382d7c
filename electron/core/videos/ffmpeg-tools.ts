// ffmpeg at work on videos: asking ffprobe (or ffmpeg itself) what a file is, and converting a video to an H.264 MP4
// that Chromium plays and steps quickly (short GOP), with progress and cancel. Which ffmpeg: ../ffmpeg/ffmpeg-binary.ts.
import { spawn } from 'node:child_process';
import { passthroughArgs } from '../ffmpeg/ffmpeg-binary';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg';

export { findFfmpeg, type FfmpegTools } from '../ffmpeg/ffmpeg-binary';

export const INSTALL_FFMPEG_HINT =
  'To convert it here, the app needs ffmpeg: its own copy is missing from this installation (reinstall the app), or install ffmpeg (Debian/Ubuntu: sudo apt install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) and restart the app, or convert it to H.264 MP4 with another tool.';

export interface FfprobeSummary {
  formatName: string | null;
  formatLongName: string | null;
  durationSeconds: number | null;
  video: { codecName: string; codecLongName: string | null; width: number | null; height: number | null } | null;
  hasAudio: boolean;
}

/** ffprobe -show_format -show_streams, summarised; null when ffprobe cannot read the file at all. */
export function ffprobeSummary(ffprobe: string, file: string, signal?: AbortSignal): Promise<FfprobeSummary | null> {
  return new Promise((resolve) => {
    const child = spawn(ffprobe, ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file], { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    const abort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', abort, { once: true });
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', () => resolve(null));
    child.on('close', (code) => {
      signal?.removeEventListener('abort', abort);
      if (code !== 0) return resolve(null);
      try {
        const j = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          format?: { format_name?: string; format_long_name?: string; duration?: string };
          streams?: Array<{ codec_type?: string; codec_name?: string; codec_long_name?: string; width?: number; height?: number; disposition?: { attached_pic?: number } }>;
        };
        const streams = j.streams ?? [];
        const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
        const duration = Number(j.format?.duration);
        resolve({
          formatName: j.format?.format_name ?? null,
          formatLongName: j.format?.format_long_name ?? null,
          durationSeconds: Number.isFinite(duration) && duration > 0 ? duration : null,
          video: v ? { codecName: v.codec_name ?? 'unknown', codecLongName: v.codec_long_name ?? null, width: v.width ?? null, height: v.height ?? null } : null,
          hasAudio: streams.some((s) => s.codec_type === 'audio'),
        });
      } catch {
        resolve(null);
      }
    });
  });
}

/**
 * What `ffmpeg -i` says a file is (for an ffmpeg without ffprobe beside it, like the one shipped with the app): the
 * same summary as ffprobeSummary, read from its stream lines; null when ffmpeg cannot read the file at all.
 */
export function ffmpegSummary(ffmpeg: string, file: string, signal?: AbortSignal): Promise<FfprobeSummary | null> {
  return new Promise((resolve) => {
    // Without an output ffmpeg describes the input on stderr and exits 1: that is the expected end here.
    const child = spawn(ffmpeg, ['-hide_banner', '-nostdin', '-i', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    const abort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', abort, { once: true });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => {
      if (text.length < 200_000) text += t;
    });
    child.on('error', () => resolve(null));
    child.on('close', () => {
      signal?.removeEventListener('abort', abort);
      const input = /^Input #0, ([^,]+(?:,[^,\s]+)*), from /m.exec(text);
      if (!input) return resolve(null);
      const d = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(text);
      const duration = d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : NaN;
      const streams = text.split('\n').filter((l) => /^\s*Stream #0:\d+/.test(l));
      const video = streams.find((l) => /: Video: /.test(l) && !/\(attached pic\)/.test(l));
      const vm = video ? /: Video: ([\w-]+)/.exec(video) : null;
      const size = video ? /, (\d{2,5})x(\d{2,5})[ ,]/.exec(video) : null;
      resolve({
        formatName: input[1]!,
        formatLongName: null,
        durationSeconds: Number.isFinite(duration) && duration > 0 ? duration : null,
        video: vm ? { codecName: vm[1]!, codecLongName: null, width: size ? Number(size[1]) : null, height: size ? Number(size[2]) : null } : null,
        hasAudio: streams.some((l) => /: Audio: /.test(l)),
      });
    });
  });
}

/** ffprobe's summary when there is an ffprobe, else ffmpeg's. */
export function mediaSummary(tools: { ffmpeg: string; ffprobe: string | null }, file: string, signal?: AbortSignal): Promise<FfprobeSummary | null> {
  return tools.ffprobe ? ffprobeSummary(tools.ffprobe, file, signal) : ffmpegSummary(tools.ffmpeg, file, signal);
}

export interface ConvertOptions {
  ffmpeg: string;
  input: string;
  /** Written as given; the caller passes a temporary name and renames it when this resolves. */
  output: string;
  /** Keyframe interval in frames (about one second, so a seek decodes at most a second of video). */
  gop: number;
  /** Used to turn ffmpeg's out_time into a fraction. */
  durationSeconds: number | null;
  /** Make odd dimensions even (x264's 4:2:0 needs them). */
  evenSize: boolean;
  signal: AbortSignal;
  onProgress(fraction: number | null): void;
}

export class ConversionCancelled extends Error {
  constructor() {
    super('The conversion was cancelled.');
    this.name = 'ConversionCancelled';
  }
}

/**
 * Converts to H.264 (yuv420p, CRF 18, fixed GOP, faststart) keeping every frame and its timestamp: passthrough
 * frame timing with a 1/90000 time base (exact for 24, 25, 30, 30000/1001, 50, 60 fps and millisecond WebM
 * timestamps), so frame k of the original is frame k of the copy. Audio, if any, becomes AAC.
 * Rejects with ConversionCancelled when `signal` aborts (ffmpeg is killed; the caller removes the output).
 */
export function convertToH264(o: ConvertOptions): Promise<void> {
  const args = [
    '-hide_banner', '-nostdin', '-y', '-loglevel', 'error',
    '-i', o.input,
    '-map', '0:v:0', '-map', '0:a:0?',
    ...(o.evenSize ? ['-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2'] : []),
    // No B-frames: nothing is reordered, so the MP4 needs no edit list (ffmpeg 4.1, the one shipped with the app,
    // wrote one that discarded the last frame), and a step decodes no frame it does not show.
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-bf', '0', '-pix_fmt', 'yuv420p',
    '-g', String(o.gop), '-keyint_min', String(o.gop), '-sc_threshold', '0',
    ...passthroughArgs(o.ffmpeg), '-enc_time_base', '1/90000', '-video_track_timescale', '90000',
    '-c:a', 'aac', '-b:a', '160k',
    // No edit list (ffmpeg 4.1's ended before the last frame, which was then dropped); the copy starts at 0.
    '-use_editlist', '0', '-movflags', '+faststart',
    '-progress', 'pipe:1', '-nostats',
    '-f', 'mp4', o.output,
  ];
  return runFfmpeg(o.ffmpeg, args, { durationSeconds: o.durationSeconds, signal: o.signal, onProgress: o.onProgress, failure: 'ffmpeg could not convert the file', cancelled: () => new ConversionCancelled() });
}

