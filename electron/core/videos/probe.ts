// Probing a video file before it is accepted: what it is, whether Chromium can play it here, and the
// presentation timestamp of every frame (the table exact frame stepping seeks by). Reads only; writes nothing.
//
// The reader is mediabunny (pure TypeScript, in process, the same demuxer the renderer uses for WebCodecs, so
// both sides agree on the frame table). It reads the sample tables of MP4/MOV without touching the media data:
// a 60 s 1080p H.264 MP4 gives its 1800 timestamps in about 50 ms, a 60 s 1080p VP9 WebM in about 150 ms.
// ffprobe, when installed, only names what mediabunny cannot read (AVI, MPEG, MXF…), so the message can say what
// the file is; it is never needed for a file that plays.
//
// The parts: media-read.ts (mediabunny: tracks and the frame table), frame-rate.ts (constant or variable rate),
// probe-verdicts.ts (whether it plays, and the messages when it does not); sniff.ts finds non-videos and cut-off
// files from their bytes. This module checks the path and runs them in order.
import fs from 'node:fs';
import path from 'node:path';
import { WorkstationError } from '../../api/errors';
import { mediaSummary } from './ffmpeg-tools';
import { ffprobeContainer, ProbeCancelled, readWithMediabunny, type MediaRead } from './media-read';
import { classifyRead, CODEC_LABEL, emptyFile, missingIndex, unreadable, type ProbeResult } from './probe-verdicts';
import { checkIntegrity, sniff } from './sniff';

export { fpsText, frameRateOf } from './frame-rate';
export { ProbeCancelled, type Timeline } from './media-read';
export type { ProbeResult } from './probe-verdicts';

export interface ProbeOptions {
  /** ffprobe's path when there is one (to name formats mediabunny cannot read). */
  ffprobe: string | null;
  /** ffmpeg's path: names those formats when there is no ffprobe (the ffmpeg shipped with the app has none). */
  ffmpeg?: string | null;
  /** Whether an ffmpeg is available to convert (decides canConvert and the advice). */
  ffmpegAvailable: boolean;
  signal?: AbortSignal;
  /** Fraction of the frame table read (null while unknown). */
  onProgress?: (fraction: number | null) => void;
}

/** Checks the path names a readable regular file; throws a WorkstationError the user can act on otherwise. */
export function statVideoFile(file: string): fs.Stats {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new WorkstationError('not-found', `There is no file at ${file}. Check the path (it may have been moved or renamed).`);
    if (code === 'EACCES' || code === 'EPERM') throw new WorkstationError('forbidden', `This app is not allowed to read ${file}. Check the file's permissions.`);
    throw new WorkstationError('unsupported-input', `${file} cannot be read (${(err as Error).message}).`);
  }
  if (st.isDirectory()) throw new WorkstationError('invalid-argument', `${file} is a folder, not a video file. Choose the video file inside it.`);
  if (!st.isFile()) throw new WorkstationError('invalid-argument', `${file} is not a regular file.`);
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new WorkstationError('forbidden', `This app is not allowed to read ${file}. Check the file's permissions.`);
  }
  return st;
}

function readHead(file: string, bytes: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(bytes);
    return b.subarray(0, fs.readSync(fd, b, 0, bytes, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/** What the file is and whether it plays here; with the frame table when it does. Never writes anything. */
export async function probeVideo(file: string, o: ProbeOptions): Promise<ProbeResult> {
  const st = statVideoFile(file);
  const name = path.basename(file);
  const sizeBytes = st.size;
  if (sizeBytes === 0) return emptyFile(name, sizeBytes);

  const sniffed = sniff(readHead(file, 64 * 1024));
  const integrity = checkIntegrity(file, sniffed.family, sizeBytes);
  const isoLabel = sniffed.family === 'isobmff' && readHead(file, 12).toString('latin1', 8, 12) === 'qt  ' ? 'MOV' : 'MP4';

  if (integrity.missingIndex) return missingIndex(isoLabel, sizeBytes);

  let read: MediaRead | null = null;
  let readError: string | null = null;
  if (sniffed.family !== 'other' || sniffed.videoLike) {
    try {
      read = await readWithMediabunny(file, o, !integrity.truncated);
    } catch (err) {
      if (err instanceof ProbeCancelled) throw err;
      readError = (err as Error).message;
    }
  }
  if (o.signal?.aborted) throw new ProbeCancelled();

  // Name what mediabunny could not read (a codec it does not know, or a container like AVI) with ffprobe.
  let codecLabel: string | null = read?.codec ? (CODEC_LABEL[read.codec] ?? read.codec) : null;
  if ((!read || (read.hasVideo && !read.codec)) && sniffed.videoLike && (o.ffprobe || o.ffmpeg)) {
    const s = await mediaSummary({ ffmpeg: o.ffmpeg ?? '', ffprobe: o.ffprobe }, file, o.signal);
    if (o.signal?.aborted) throw new ProbeCancelled();
    if (s?.video) {
      const container = read?.container ?? ffprobeContainer(s.formatName, sniffed);
      read = {
        container,
        codec: s.video.codecName,
        codecString: null,
        width: s.video.width,
        height: s.video.height,
        rotation: read?.rotation ?? 0,
        hasVideo: true,
        hasAudio: s.hasAudio,
        timeline: null,
        timeResolution: null,
      };
      codecLabel = CODEC_LABEL[s.video.codecName] ?? s.video.codecLongName ?? s.video.codecName;
      readError = null;
    } else if (s && !read) {
      read = { container: ffprobeContainer(s.formatName, sniffed), codec: null, codecString: null, width: null, height: null, rotation: 0, hasVideo: false, hasAudio: s.hasAudio, timeline: null, timeResolution: null };
    }
  }

  if (!read) return unreadable({ name, sizeBytes, sniffed, isoLabel, readError, ffmpegAvailable: o.ffmpegAvailable });
  return classifyRead({ name, sizeBytes, read, codecLabel, truncated: integrity.truncated, ffmpegAvailable: o.ffmpegAvailable });
}
