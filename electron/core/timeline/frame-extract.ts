// Frames for the phase timeline, taken with ffmpeg (../ffmpeg/ffmpeg-binary.ts): one exact frame as a lossless PNG (by the frame table,
// see seekPointFor), and the scene changes of a whole video. Both are killed when their signal aborts.
import { spawn } from 'node:child_process';
import { ffmpegColourArgs, type ColourDecision } from '../../api/colour';
import { passthroughArgs } from '../ffmpeg/ffmpeg-binary';
import { seekPointFor } from './sampling';

export const NO_FFMPEG_MESSAGE =
  'No ffmpeg was found on this computer, so the timeline cannot take frames from the video. Install ffmpeg ' +
  '(Debian/Ubuntu: sudo apt install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) and restart the app, ' +
  'or set WORKSTATION_FFMPEG to its path.';

export class ExtractCancelled extends Error {
  constructor() {
    super('Taking the frame was cancelled.');
    this.name = 'ExtractCancelled';
  }
}

interface RunOutput {
  stdout: Buffer;
  stderr: string;
}

function lines(onLine: (line: string) => void): (text: string) => void {
  let pending = '';
  return (text) => {
    pending += text;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  };
}

function runFfmpeg(
  ffmpeg: string,
  args: string[],
  signal: AbortSignal | undefined,
  onStdout?: (text: string) => void,
  onStderr?: (text: string) => void,
): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ExtractCancelled());
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    const abort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', abort, { once: true });
    child.stdout.on('data', (c: Buffer) => {
      if (onStdout) onStdout(c.toString('utf8'));
      else out.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      onStderr?.(c.toString('utf8'));
      stderr += c.toString('utf8');
      if (stderr.length > 400_000) stderr = stderr.slice(-200_000);
    });
    child.on('error', (err) => {
      signal?.removeEventListener('abort', abort);
      reject(err);
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', abort);
      if (signal?.aborted) return reject(new ExtractCancelled());
      if (code !== 0) {
        const last = stderr.trim().split('\n').slice(-3).join(' ').trim();
        return reject(new Error(`ffmpeg failed${last ? `: ${last}` : ` (exit code ${code})`}`));
      }
      resolve({ stdout: Buffer.concat(out), stderr });
    });
  });
}

export interface ExtractFrameOptions {
  ffmpeg: string;
  file: string;
  /** The video's frame table (presentation timestamps, seconds, ascending). */
  pts: readonly number[];
  frameIndex: number;
  /** The colour rule's matrix and range (electron/api/colour.ts): the frame has the colours of a capture of it. */
  colour?: ColourDecision;
  signal?: AbortSignal;
}

/**
 * Frame `frameIndex` of the video as an RGB PNG at the video's coded size (no rotation applied, as the frames the
 * player captures). ffmpeg seeks to the keyframe before and decodes forward, so it costs at most one GOP of decoding.
 */
export async function extractFramePng(o: ExtractFrameOptions): Promise<Uint8Array> {
  const seek = seekPointFor(o.pts, o.frameIndex);
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-noautorotate',
    // -seek_timestamp: -ss is the frame's own timestamp, not an offset from the file's start (a recording whose
    // timestamps start at 10 s would otherwise be sought 10 s too far).
    ...(seek === null ? [] : ['-seek_timestamp', '1', '-ss', seek.toFixed(6)]),
    '-i', o.file,
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-frames:v', '1', ...passthroughArgs(o.ffmpeg),
    ...(o.colour ? ['-vf', `scale=in_color_matrix=${ffmpegColourArgs(o.colour).inColorMatrix}:in_range=${ffmpegColourArgs(o.colour).inRange}`] : []),
    '-c:v', 'png', '-pix_fmt', 'rgb24', '-f', 'image2pipe', 'pipe:1',
  ];
  const { stdout } = await runFfmpeg(o.ffmpeg, args, o.signal);
  if (stdout.length < 8 || stdout.readUInt32BE(0) !== 0x89504e47) {
    throw new Error(`ffmpeg returned no frame ${o.frameIndex} (is the video shorter than its frame table says?).`);
  }
  return new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.byteLength);
}

export interface SceneOptions {
  ffmpeg: string;
  file: string;
  /** ffmpeg's scene score threshold (0..1); 0.3 is its documented example. */
  threshold?: number;
  durationSeconds: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/**
 * Times (seconds) of the frames whose scene score exceeds the threshold: one decoding pass over the whole video,
 * on a 320-pixel-wide copy (the score compares whole frames; full resolution adds cost, not accuracy).
 */
export async function detectSceneChanges(o: SceneOptions): Promise<number[]> {
  const threshold = o.threshold ?? 0.3;
  const times: number[] = [];
  await runFfmpeg(
    o.ffmpeg,
    [
      '-hide_banner', '-nostdin', '-loglevel', 'info', '-noautorotate',
      '-i', o.file, '-map', '0:v:0', '-an', '-sn', '-dn',
      '-vf', `scale=320:-2,select='gt(scene\\,${threshold})',showinfo`,
      ...passthroughArgs(o.ffmpeg), '-progress', 'pipe:1', '-nostats', '-f', 'null', '-',
    ],
    o.signal,
    lines((line) => {
      const m = /^out_time_(?:us|ms)=(\d+)/.exec(line.trim());
      if (m && o.durationSeconds > 0) o.onProgress?.(Math.min(1, Number(m[1]) / 1e6 / o.durationSeconds));
    }),
    lines((line) => {
      const m = /\[Parsed_showinfo[^\]]*\].*?\bpts_time:\s*([0-9.eE+-]+)/.exec(line);
      const t = m ? Number(m[1]) : NaN;
      if (Number.isFinite(t)) times.push(t);
    }),
  );
  return times;
}
