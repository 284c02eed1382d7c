// Probing a video file before it is accepted: what it is, whether Chromium can play it here, and the
// presentation timestamp of every frame (the table exact frame stepping seeks by). Reads only; writes nothing.
//
// The reader is mediabunny (pure TypeScript, in process, the same demuxer the renderer uses for WebCodecs, so
// both sides agree on the frame table). It reads the sample tables of MP4/MOV without touching the media data:
// a 60 s 1080p H.264 MP4 gives its 1800 timestamps in about 50 ms, a 60 s 1080p VP9 WebM in about 150 ms.
// ffprobe, when installed, only names what mediabunny cannot read (AVI, MPEG, MXF…), so the message can say what
// the file is; it is never needed for a file that plays.
import { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input, UnsupportedInputFormatError } from 'mediabunny';
import fs from 'node:fs';
import path from 'node:path';
import { WorkstationError } from '../../api/errors';
import type { VideoProbe } from '../../api/schemas-video';
import { ffprobeSummary, INSTALL_FFMPEG_HINT } from './ffmpeg-tools';
import { checkIntegrity, sniff, type Sniffed } from './sniff';

export interface Timeline {
  /** Presentation timestamps in seconds, ascending: frame k is shown from pts[k] to pts[k+1]. */
  pts: number[];
  /** Indices (in presentation order) of the keyframes. */
  keyframes: number[];
  durationSeconds: number;
}

export interface ProbeResult {
  probe: VideoProbe;
  /** Set when the file plays here (the frame table is needed only then). */
  timeline: Timeline | null;
  /** Content-Type to serve it with, when it plays. */
  mime: string | null;
}

export interface ProbeOptions {
  /** ffprobe's path when there is one (to name formats mediabunny cannot read). */
  ffprobe: string | null;
  /** Whether an ffmpeg is available to convert (decides canConvert and the advice). */
  ffmpegAvailable: boolean;
  signal?: AbortSignal;
  /** Fraction of the frame table read (null while unknown). */
  onProgress?: (fraction: number | null) => void;
}

export class ProbeCancelled extends Error {
  constructor() {
    super('Probing was cancelled.');
    this.name = 'ProbeCancelled';
  }
}

const PLAYABLE_CODECS = new Set(['h264', 'vp8', 'vp9', 'av1']);
const PLAYABLE_CONTAINERS: Record<string, string> = { MP4: 'video/mp4', WebM: 'video/webm', MOV: 'video/mp4' }; // MOV is ISO BMFF: Chromium plays it as MP4

const CODEC_LABEL: Record<string, string> = {
  h264: 'H.264',
  hevc: 'HEVC (H.265)',
  vp8: 'VP8',
  vp9: 'VP9',
  av1: 'AV1',
  prores: 'Apple ProRes',
  mpeg2video: 'MPEG-2',
  mpeg1video: 'MPEG-1',
  mpeg4: 'MPEG-4 Part 2',
  mjpeg: 'Motion JPEG',
  dnxhd: 'Avid DNxHD/DNxHR',
  rawvideo: 'uncompressed',
  wmv3: 'Windows Media Video 9',
  vc1: 'VC-1',
  h263: 'H.263',
};
const MEDIABUNNY_CODEC: Record<string, string> = { avc: 'h264', hevc: 'hevc', vp8: 'vp8', vp9: 'vp9', av1: 'av1', prores: 'prores' };
const MEDIABUNNY_CONTAINER: Record<string, string> = {
  MP4: 'MP4',
  'QuickTime File Format': 'MOV',
  WebM: 'WebM',
  Matroska: 'MKV',
  'MPEG Transport Stream': 'MPEG-TS',
};

function ffprobeContainer(formatName: string | null, sniffed: Sniffed): string {
  const f = formatName ?? '';
  if (f.startsWith('mov,mp4')) return sniffed.looksLike.includes('MOV') ? 'MOV' : 'MP4';
  if (f === 'matroska,webm') return 'MKV';
  const known: Record<string, string> = { avi: 'AVI', mpeg: 'MPEG-PS', mpegts: 'MPEG-TS', flv: 'FLV', asf: 'WMV/ASF', mxf: 'MXF', mpegvideo: 'MPEG video', h264: 'raw H.264', hevc: 'raw HEVC' };
  return known[f] ?? (f || 'unknown');
}

const mb = (n: number) => (n >= 1024 * 1024 * 1024 ? `${(n / 1024 ** 3).toFixed(1)} GB` : `${(n / 1024 ** 2).toFixed(1)} MB`);

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function fpsText(fps: number | null, vfr: boolean): string {
  if (fps === null) return 'unknown frame rate';
  const nominal = Math.abs(fps - 30000 / 1001) < 0.005 ? '29.97' : Math.abs(fps - 60000 / 1001) < 0.005 ? '59.94' : String(Math.round(fps * 100) / 100);
  return vfr ? `variable frame rate (about ${nominal} fps)` : `${nominal} fps`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Frame durations that differ from the median by more than 5% (or 1.5 ticks of a coarse clock) mean VFR. */
export function frameRateOf(pts: number[], timeResolutionHz: number | null): { fps: number | null; variable: boolean } {
  if (pts.length < 2) return { fps: null, variable: false };
  const diffs = pts.slice(1).map((p, i) => p - pts[i]!);
  const typical = median(diffs);
  if (!(typical > 0)) return { fps: null, variable: true };
  const tick = timeResolutionHz && timeResolutionHz > 0 ? 1 / timeResolutionHz : 0;
  const tolerance = Math.max(typical * 0.05, tick * 1.5);
  const variable = diffs.some((d) => Math.abs(d - typical) > tolerance);
  if (variable) return { fps: 1 / typical, variable };
  // Constant rate: the mean over the whole file is exact even with millisecond (WebM) timestamps, where the median
  // step of a 30 fps file is 33 ms; a rate within 0.2% of a standard one is that one.
  const mean = (pts.length - 1) / (pts[pts.length - 1]! - pts[0]!);
  const nearest = STANDARD_RATES.reduce((a, b) => (Math.abs(mean - b) < Math.abs(mean - a) ? b : a));
  return { fps: Math.abs(mean - nearest) / nearest < 0.002 ? nearest : mean, variable };
}

const STANDARD_RATES = [24000 / 1001, 24, 25, 30000 / 1001, 30, 48, 50, 60000 / 1001, 60, 100, 120];

interface Read {
  container: string;
  codec: string | null;
  codecString: string | null;
  width: number | null;
  height: number | null;
  rotation: number;
  hasVideo: boolean;
  hasAudio: boolean;
  timeline: Timeline | null;
  timeResolution: number | null;
}

async function readWithMediabunny(file: string, o: ProbeOptions, wantTimeline: boolean): Promise<Read | null> {
  const input = new Input({ source: new FilePathSource(file), formats: ALL_FORMATS });
  try {
    let format;
    try {
      format = await input.getFormat();
    } catch (err) {
      if (err instanceof UnsupportedInputFormatError) return null;
      throw err;
    }
    const container = MEDIABUNNY_CONTAINER[format.name] ?? format.name;
    const track = await input.getPrimaryVideoTrack();
    const hasAudio = (await input.getPrimaryAudioTrack()) !== null;
    if (!track) return { container, codec: null, codecString: null, width: null, height: null, rotation: 0, hasVideo: false, hasAudio, timeline: null, timeResolution: null };
    const codec = track.codec ? (MEDIABUNNY_CODEC[track.codec] ?? track.codec) : null;
    const read: Read = {
      container,
      codec,
      codecString: codec ? await track.getCodecParameterString().catch(() => null) : null,
      width: track.displayWidth,
      height: track.displayHeight,
      rotation: track.rotation,
      hasVideo: true,
      hasAudio,
      timeline: null,
      timeResolution: await track.getTimeResolution().catch(() => null),
    };
    if (!wantTimeline) return read;

    const expected = await track.getDurationFromMetadata().catch(() => null);
    const sink = new EncodedPacketSink(track);
    const frames: Array<{ t: number; key: boolean }> = [];
    let end = 0;
    let lastReport = 0;
    o.onProgress?.(expected ? 0 : null);
    for await (const p of sink.packets(undefined, undefined, { metadataOnly: true })) {
      if (o.signal?.aborted) throw new ProbeCancelled();
      end = Math.max(end, p.timestamp + p.duration);
      if (p.timestamp >= 0) frames.push({ t: p.timestamp, key: p.type === 'key' });
      if (expected && frames.length - lastReport >= 2000) {
        lastReport = frames.length;
        o.onProgress?.(Math.min(0.99, p.timestamp / expected));
      }
    }
    frames.sort((a, b) => a.t - b.t);
    read.timeline = {
      pts: frames.map((f) => f.t),
      keyframes: frames.flatMap((f, i) => (f.key ? [i] : [])),
      durationSeconds: end,
    };
    o.onProgress?.(1);
    return read;
  } finally {
    input.dispose();
  }
}

function probe(fields: Partial<VideoProbe> & Pick<VideoProbe, 'summary' | 'container' | 'sizeBytes'>): VideoProbe {
  return {
    codec: null,
    codecString: null,
    width: null,
    height: null,
    rotation: 0,
    durationSeconds: null,
    frameCount: null,
    fps: null,
    variableFrameRate: false,
    playable: false,
    problem: null,
    canConvert: false,
    ...fields,
  };
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

const convertAdvice = (ffmpeg: boolean, what = 'Convert it to H.264 (keeps the original)') => (ffmpeg ? `${what}.` : INSTALL_FFMPEG_HINT);

/** What the file is and whether it plays here; with the frame table when it does. Never writes anything. */
export async function probeVideo(file: string, o: ProbeOptions): Promise<ProbeResult> {
  const st = statVideoFile(file);
  const name = path.basename(file);
  const sizeBytes = st.size;
  const none = (p: VideoProbe): ProbeResult => ({ probe: p, timeline: null, mime: null });
  if (sizeBytes === 0) return none(probe({ summary: 'Empty file', container: 'none', sizeBytes, problem: `"${name}" is empty (0 bytes): it holds no video. Copy it again from the recorder.` }));

  const sniffed = sniff(readHead(file, 64 * 1024));
  const integrity = checkIntegrity(file, sniffed.family, sizeBytes);
  const isoLabel = sniffed.family === 'isobmff' && readHead(file, 12).toString('latin1', 8, 12) === 'qt  ' ? 'MOV' : 'MP4';

  if (integrity.missingIndex) {
    return none(
      probe({
        summary: `${isoLabel} file without its index (incomplete)`,
        container: isoLabel,
        sizeBytes,
        problem:
          `The file is incomplete or damaged (it has no index, the 'moov' part an MP4 recorder writes when it stops, so the recording was probably ` +
          'interrupted or the copy was cut short). Copy it again from the recorder or its original media.',
      }),
    );
  }

  let read: Read | null = null;
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
  if ((!read || (read.hasVideo && !read.codec)) && sniffed.videoLike && o.ffprobe) {
    const s = await ffprobeSummary(o.ffprobe, file, o.signal);
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

  if (!read) {
    if (readError) {
      return none(
        probe({
          summary: `Damaged ${sniffed.family === 'ebml' ? 'WebM/MKV' : isoLabel} file`,
          container: sniffed.family === 'ebml' ? 'WebM' : isoLabel,
          sizeBytes,
          problem: `The file is incomplete or damaged (${readError}). Copy it again from the recorder or its original media.`,
        }),
      );
    }
    if (sniffed.videoLike) {
      return none(
        probe({
          summary: `Unreadable video (${sniffed.looksLike.replace(/^an? /, '')})`,
          container: 'unknown',
          sizeBytes,
          problem: `"${name}" looks like ${sniffed.looksLike}, which this app cannot read. ${o.ffmpegAvailable ? 'It may be damaged: check that it plays in another player, then export it as H.264 MP4.' : INSTALL_FFMPEG_HINT}`,
        }),
      );
    }
    const videoName = /\.(mp4|m4v|mov|webm|mkv|avi|mpg|mpeg|ts|mts|m2ts|wmv|flv|mxf)$/i.test(name);
    return none(
      probe({
        summary: `Not a video (${sniffed.looksLike.replace(/^an? /, '')})`,
        container: 'none',
        sizeBytes,
        problem: `"${name}" is not a video file (it looks like ${sniffed.looksLike}${videoName ? '; if it should be a video, it is damaged beyond reading' : ''}).`,
      }),
    );
  }

  if (!read.hasVideo) {
    return none(
      probe({
        summary: read.hasAudio ? `Audio only (${read.container})` : `No video (${read.container})`,
        container: read.container,
        sizeBytes,
        problem: read.hasAudio ? `"${name}" has no picture: it is an audio recording (${read.container}). Choose the video file.` : `"${name}" holds no video track. Choose the video file.`,
      }),
    );
  }

  const tl = read.timeline;
  const rate = tl ? frameRateOf(tl.pts, read.timeResolution) : { fps: null, variable: false };
  const base = {
    container: read.container,
    codec: read.codec,
    codecString: read.codecString,
    width: read.width,
    height: read.height,
    rotation: read.rotation,
    durationSeconds: tl ? tl.durationSeconds : null,
    frameCount: tl ? tl.pts.length : null,
    fps: rate.fps,
    variableFrameRate: rate.variable,
    sizeBytes,
  };
  const what = `${codecLabel ?? 'Unknown'} video in ${read.container}`;
  const size = read.width && read.height ? `, ${read.width}×${read.height}` : '';
  const summary = `${what}${size}${tl ? `, ${fpsText(rate.fps, rate.variable)}, ${clock(tl.durationSeconds)}` : ''}`;

  if (integrity.truncated) {
    const { fileBytes, declaredBytes } = integrity.truncated;
    return none(
      probe({
        ...base,
        summary: `${summary} (incomplete)`,
        problem:
          `The file is incomplete or damaged (it ends after ${mb(fileBytes)} of the ${mb(declaredBytes)} its header announces, so the end of the video is missing). ` +
          `Copy it again from the recorder or its original media${o.ffmpegAvailable ? ', or convert the readable part to a new H.264 file (keeps the original)' : ''}.`,
        canConvert: o.ffmpegAvailable,
      }),
    );
  }

  const codec = read.codec;
  let problem: string | null = null;
  if (!codec || !PLAYABLE_CODECS.has(codec)) {
    const label = codecLabel ?? 'a video format this app does not know';
    const from = codec === 'hevc' ? 'export H.264 from your recorder' : codec === 'prores' || codec === 'dnxhd' ? 'export H.264 from your editing software' : 'export H.264 from the recorder';
    problem =
      codec === 'hevc'
        ? `This is HEVC (H.265) video, which this app cannot decode on this computer. ${o.ffmpegAvailable ? `Convert it to H.264 (keeps the original) or ${from}.` : `${INSTALL_FFMPEG_HINT} Or ${from}.`}`
        : `This is ${label} video${codecLabel ? '' : ` (${read.container})`}, which this app cannot play. ${o.ffmpegAvailable ? `Convert it to H.264 (keeps the original) or ${from}.` : `${INSTALL_FFMPEG_HINT} Or ${from}.`}`;
  } else if (!PLAYABLE_CONTAINERS[read.container]) {
    problem = `This is ${codecLabel} video in ${read.container === 'unknown' ? 'a container' : `${read.container} format`}, which this app cannot play. ${convertAdvice(o.ffmpegAvailable, 'Convert it to an H.264 MP4 (keeps the original)')}`;
  } else if (!tl || tl.pts.length === 0) {
    problem = `"${name}" has a video track without any frames. Copy it again from the recorder.`;
  }
  if (problem) return none(probe({ ...base, summary, problem, canConvert: o.ffmpegAvailable && (tl === null || tl.pts.length > 0) }));

  return { probe: probe({ ...base, summary, playable: true }), timeline: tl, mime: PLAYABLE_CONTAINERS[read.container]! };
}
