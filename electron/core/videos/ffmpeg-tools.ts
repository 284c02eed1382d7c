// The system ffmpeg/ffprobe, when there is one: finding them, asking ffprobe what a file is, and converting a
// video to an H.264 MP4 that Chromium plays and steps quickly (short GOP), with progress and cancel.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface FfmpegTools {
  ffmpeg: string;
  /** ffprobe next to ffmpeg (or on PATH), when present. */
  ffprobe: string | null;
}

function onPath(name: string): string | null {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

function works(binary: string): boolean {
  try {
    return spawnSync(binary, ['-hide_banner', '-version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  } catch {
    return false;
  }
}

/**
 * Finds ffmpeg: `override` (a path, or 'none' to act as if there were none), else $WORKSTATION_FFMPEG, else PATH
 * (plus the usual Homebrew and /usr/local locations, which a GUI app on macOS does not have on its PATH).
 */
export function findFfmpeg(override?: string | null): FfmpegTools | null {
  const wanted = override ?? process.env.WORKSTATION_FFMPEG ?? null;
  if (wanted === 'none' || override === null) return null;
  const candidates = wanted ? [wanted] : [onPath('ffmpeg'), '/opt/homebrew/bin/ffmpeg', '/usr/local/bin/ffmpeg', '/usr/bin/ffmpeg'];
  for (const c of candidates) {
    if (!c || !works(c)) continue;
    const dir = path.dirname(c);
    const sibling = path.join(dir, process.platform === 'win32' ? 'ffprobe.exe' : 'ffprobe');
    const ffprobe = fs.existsSync(sibling) && works(sibling) ? sibling : wanted ? null : onPath('ffprobe');
    return { ffmpeg: c, ffprobe };
  }
  return null;
}

export const INSTALL_FFMPEG_HINT =
  'To convert it here, install ffmpeg (Debian/Ubuntu: sudo apt install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) and restart the app, or convert it to H.264 MP4 with another tool.';

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
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p',
    '-g', String(o.gop), '-keyint_min', String(o.gop), '-sc_threshold', '0',
    '-fps_mode', 'passthrough', '-enc_time_base', '1/90000', '-video_track_timescale', '90000',
    '-c:a', 'aac', '-b:a', '160k',
    '-movflags', '+faststart',
    '-progress', 'pipe:1', '-nostats',
    '-f', 'mp4', o.output,
  ];
  return new Promise((resolve, reject) => {
    if (o.signal.aborted) return reject(new ConversionCancelled());
    const child = spawn(o.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let buffered = '';
    const abort = () => child.kill('SIGKILL');
    o.signal.addEventListener('abort', abort, { once: true });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^out_time_(?:us|ms)=(\d+)/.exec(line.trim());
        if (m && o.durationSeconds && o.durationSeconds > 0) o.onProgress(Math.min(1, Number(m[1]) / 1e6 / o.durationSeconds));
        else if (line.trim() === 'progress=end') o.onProgress(1);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => {
      stderr = (stderr + t).slice(-4000);
    });
    child.on('error', (err) => {
      o.signal.removeEventListener('abort', abort);
      reject(err);
    });
    child.on('close', (code) => {
      o.signal.removeEventListener('abort', abort);
      if (o.signal.aborted) return reject(new ConversionCancelled());
      if (code === 0) return resolve();
      const last = stderr.trim().split('\n').slice(-3).join(' ').trim();
      reject(new Error(`ffmpeg could not convert the file${last ? `: ${last}` : ` (exit code ${code})`}.`));
    });
  });
}
