// One surgery in several files: operating-room recorders split a recording at a size or time limit. The parts are
// checked to be one recording (same codec, picture size, rotation and frame rate, in the order given), then joined
// by ffmpeg's concat demuxer without re-encoding (-c copy: every frame is the recorder's own, and joining takes
// seconds), into one file in the data folder (the originals are untouched). The caller imports that file and checks
// its frame count is the parts' sum; frame k of the joined video is frame k − firstFrame of its part.
// The picture only: sound is not joined (a recorder's audio, when there is any, is not part of the review).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { WorkstationError } from '../../api/errors';
import type { Video, VideoJobProgress, VideoPart } from '../../api/schemas-video';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg';
import { syncFile } from '../fs/sync-file';
import { ConversionCancelled, INSTALL_FFMPEG_HINT } from './ffmpeg-tools';
import { quickHash } from './hashing';
import type { ProbeResult } from './probe';

export const MAX_PARTS = 100;

export interface ProbedPart {
  file: string;
  sizeBytes: number;
  quickHash: string;
  probed: ProbeResult;
}

const name = (p: ProbedPart) => `“${path.basename(p.file)}”`;

/** Refuses parts that cannot be one recording, with what differs and what to do. */
export function checkParts(parts: readonly ProbedPart[]): void {
  const first = parts[0]!;
  const a = first.probed.probe;
  for (const part of parts.slice(1)) {
    const b = part.probed.probe;
    const differs = (x: string, y: string) =>
      new WorkstationError(
        'unsupported-input',
        `${name(part)} is ${y} but ${name(first)} is ${x}: these are not parts of one recording. Add them as separate videos, or choose the parts the recorder wrote for this surgery.`,
      );
    if (a.codec !== b.codec) throw differs(a.codec ?? '?', b.codec ?? '?');
    if (a.width !== b.width || a.height !== b.height) throw differs(`${a.width}×${a.height}`, `${b.width}×${b.height}`);
    if (a.rotation !== b.rotation) throw differs(`rotated ${a.rotation}°`, `rotated ${b.rotation}°`);
    if (a.fps && b.fps && Math.abs(a.fps - b.fps) / a.fps > 0.001) throw differs(`${a.fps.toFixed(3)} fps`, `${b.fps.toFixed(3)} fps`);
    if (a.codecString !== b.codecString) throw differs(`${a.codecString ?? '?'} (codec profile and level)`, `${b.codecString ?? '?'}`);
  }
}

/** ffmpeg's concat list: one `file '<path>'` line per part, quotes escaped as the format requires. */
export function concatList(files: readonly string[]): string {
  return files.map((f) => `file '${f.replace(/'/g, `'\\''`)}'\n`).join('');
}

function outputName(videosDir: string, first: string): string {
  const stem = path.basename(first, path.extname(first)).replace(/[^\w.-]+/g, '_').slice(0, 100) || 'video';
  for (let n = 1; ; n++) {
    const candidate = path.join(videosDir, `${stem}-joined${n === 1 ? '' : `-${n}`}.mp4`);
    if (!fs.existsSync(candidate)) return candidate;
  }
}

/** Joins the parts (in order) into a new MP4 in `videosDir`; returns its path. Temp name, then renamed. */
export async function joinParts(o: {
  ffmpeg: string;
  videosDir: string;
  parts: readonly ProbedPart[];
  signal: AbortSignal;
  onProgress(fraction: number | null): void;
}): Promise<string> {
  fs.mkdirSync(o.videosDir, { recursive: true });
  const finalPath = outputName(o.videosDir, o.parts[0]!.file);
  const tag = crypto.randomBytes(4).toString('hex');
  const temp = path.join(o.videosDir, `.${path.basename(finalPath, '.mp4')}.${tag}.part.mp4`);
  const list = path.join(o.videosDir, `.join-${tag}.txt`);
  fs.writeFileSync(list, concatList(o.parts.map((p) => p.file)));
  const duration = o.parts.reduce((s, p) => s + (p.probed.timeline?.durationSeconds ?? 0), 0);
  try {
    await runFfmpeg(
      o.ffmpeg,
      [
        '-hide_banner', '-nostdin', '-y', '-loglevel', 'error',
        '-f', 'concat', '-safe', '0', '-i', list,
        '-map', '0:v:0', '-c', 'copy',
        // No edit list (ffmpeg 4.1's dropped the last frame); a first timestamp above 0 is kept as the start.
        '-use_editlist', '0', '-movflags', '+faststart',
        '-progress', 'pipe:1', '-nostats',
        '-f', 'mp4', temp,
      ],
      { durationSeconds: duration, signal: o.signal, onProgress: o.onProgress, failure: 'ffmpeg could not join the parts', cancelled: () => new ConversionCancelled() },
    );
    syncFile(temp);
    fs.renameSync(temp, finalPath);
    return finalPath;
  } finally {
    fs.rmSync(temp, { force: true });
    fs.rmSync(list, { force: true });
  }
}

/**
 * Where each part lies in the joined video, from the parts' frame counts and the joined frame table. Throws when
 * the joined file does not have exactly the parts' frames (nothing is kept then).
 */
export function partLayout(parts: readonly ProbedPart[], joinedPts: readonly number[], joinedDuration: number): VideoPart[] {
  const counts = parts.map((p) => p.probed.timeline?.pts.length ?? 0);
  const total = counts.reduce((s, n) => s + n, 0);
  if (total !== joinedPts.length) {
    throw new WorkstationError(
      'unsupported-input',
      `The joined recording has ${joinedPts.length} frames, but its parts have ${total} (${counts.join(' + ')}): the parts could not be joined frame for frame. Add them as separate videos.`,
    );
  }
  const t0 = joinedPts[0] ?? 0;
  let first = 0;
  return parts.map((p, i) => {
    const n = counts[i]!;
    const start = joinedPts[first]! - t0;
    const end = i + 1 < parts.length ? joinedPts[first + n]! - t0 : joinedDuration;
    const part: VideoPart = {
      index: i,
      fileName: path.basename(p.file),
      path: p.file,
      sizeBytes: p.sizeBytes,
      quickHash: p.quickHash,
      firstFrame: first,
      frameCount: n,
      startSeconds: start,
      durationSeconds: Math.max(0, end - start),
    };
    first += n;
    return part;
  });
}

/** Probes each part, checks they are one recording, joins them and imports the result (removed again if that fails). */
export async function joinAndImport(o: {
  ffmpeg: string | null;
  videosDir: string;
  files: readonly string[];
  signal: AbortSignal;
  report(phase: VideoJobProgress['phase'], progress: number | null): void;
  probe(file: string): Promise<ProbeResult>;
  importJoined(file: string, parts: readonly ProbedPart[]): Promise<Video>;
  /** Whether a video row uses this file (then it is kept when the import fails). */
  registered(file: string): boolean;
}): Promise<Video> {
  if (!o.ffmpeg) throw new WorkstationError('unavailable', `No ffmpeg was found on this computer, so the parts cannot be joined here. ${INSTALL_FFMPEG_HINT}`);
  const parts: ProbedPart[] = [];
  for (const [i, file] of o.files.entries()) {
    o.report('probing', i / o.files.length);
    const probed = await o.probe(file);
    if (!probed.probe.playable || !probed.timeline) {
      throw new WorkstationError('unsupported-input', `Part ${i + 1}, “${path.basename(file)}”: ${probed.probe.problem ?? 'it cannot be played here.'}`);
    }
    const id = await quickHash(file);
    parts.push({ file, sizeBytes: id.size, quickHash: id.quickHash, probed });
  }
  checkParts(parts);
  o.report('joining', 0);
  const joined = await joinParts({ ffmpeg: o.ffmpeg, videosDir: o.videosDir, parts, signal: o.signal, onProgress: (f) => o.report('joining', f) });
  try {
    return await o.importJoined(joined, parts);
  } catch (err) {
    if (!o.registered(joined)) fs.rmSync(joined, { force: true });
    throw err;
  }
}
