// The verdict on a probed file: whether it plays here, and if not why, in a message the user can act on (empty,
// cut short, without its index, damaged, not a video, audio only, a codec or container Chromium cannot play here,
// no frames), with whether converting to H.264 can help; and the one-line summary of what the file is.
import type { VideoProbe } from '../../api/schemas-video';
import { INSTALL_FFMPEG_HINT } from './ffmpeg-tools';
import { fpsText, frameRateOf } from './frame-rate';
import type { MediaRead, Timeline } from './media-read';
import type { Integrity, Sniffed } from './sniff';

export interface ProbeResult {
  probe: VideoProbe;
  /** Set when the app can step through the file (its container and frames are readable), whether or not it decodes here. */
  timeline: Timeline | null;
  /** Content-Type to serve it with, when it can be played. */
  mime: string | null;
}

// Whether a file decodes is the browser's to say (the renderer asks its own decoder: canPlayType,
// VideoDecoder.isConfigSupported) and to pass to videos.import. These are only the app's guess when nobody asked:
// codecs every Chromium decodes in software. HEVC decodes where the platform has a decoder (macOS, Windows).
const PLAYABLE_CODECS = new Set(['h264', 'vp8', 'vp9', 'av1']);
/** The containers the app reads frame tables from, and the MIME type the browser is asked about and served. */
const CONTAINER_MIME: Record<string, string> = { MP4: 'video/mp4', MOV: 'video/mp4', WebM: 'video/webm', MKV: 'video/x-matroska', 'MPEG-TS': 'video/mp2t' }; // MOV is ISO BMFF: Chromium plays it as MP4

/** The Content-Type a registered video is served with (and its player source type). */
export function mimeOfContainer(container: string): string | null {
  return CONTAINER_MIME[container] ?? null;
}

/** Codec names for messages, by the ids mediabunny and ffprobe use. */
export const CODEC_LABEL: Record<string, string> = {
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

const mb = (n: number) => (n >= 1024 * 1024 * 1024 ? `${(n / 1024 ** 3).toFixed(1)} GB` : `${(n / 1024 ** 2).toFixed(1)} MB`);

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function probe(fields: Partial<VideoProbe> & Pick<VideoProbe, 'summary' | 'container' | 'sizeBytes'>): VideoProbe {
  return {
    codec: null,
    codecString: null,
    width: null,
    height: null,
    rotation: 0,
    durationSeconds: null,
    startSeconds: null,
    frameCount: null,
    fps: null,
    variableFrameRate: false,
    playable: false,
    playback: null,
    colour: null,
    problem: null,
    canConvert: false,
    ...fields,
  };
}

const convertAdvice = (ffmpeg: boolean, what = 'Convert it to H.264 (keeps the original)') => (ffmpeg ? `${what}.` : INSTALL_FFMPEG_HINT);

const none = (p: VideoProbe): ProbeResult => ({ probe: p, timeline: null, mime: null });

/** A file of 0 bytes. */
export function emptyFile(name: string, sizeBytes: number): ProbeResult {
  return none(probe({ summary: 'Empty file', container: 'none', sizeBytes, problem: `"${name}" is empty (0 bytes): it holds no video. Copy it again from the recorder.` }));
}

/** An MP4/MOV without its index ('moov'): nothing in it can be located. */
export function missingIndex(isoLabel: string, sizeBytes: number): ProbeResult {
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

/** Nothing could read the file: it is damaged, a video this app cannot read, or not a video at all. */
export function unreadable(c: { name: string; sizeBytes: number; sniffed: Sniffed; isoLabel: string; readError: string | null; ffmpegAvailable: boolean }): ProbeResult {
  const { name, sizeBytes, sniffed, isoLabel, readError, ffmpegAvailable } = c;
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
        problem: `"${name}" looks like ${sniffed.looksLike}, which this app cannot read. ${ffmpegAvailable ? 'It may be damaged: check that it plays in another player, then export it as H.264 MP4.' : INSTALL_FFMPEG_HINT}`,
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

/**
 * A file that was read: no video track, cut short, a codec or container that does not play here, no frames, or
 * playable (then with its frame table and the Content-Type to serve it with).
 */
export function classifyRead(c: {
  name: string;
  sizeBytes: number;
  read: MediaRead;
  /** The codec's name for messages (null when unknown). */
  codecLabel: string | null;
  truncated: Integrity['truncated'];
  ffmpegAvailable: boolean;
}): ProbeResult {
  const { name, sizeBytes, read, codecLabel, truncated, ffmpegAvailable } = c;
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
    startSeconds: tl ? (tl.pts[0] ?? 0) : null,
    colour: read.colour ?? null,
    frameCount: tl ? tl.pts.length : null,
    fps: rate.fps,
    variableFrameRate: rate.variable,
    sizeBytes,
  };
  const what = `${codecLabel ?? 'Unknown'} video in ${read.container}`;
  const size = read.width && read.height ? `, ${read.width}×${read.height}` : '';
  const summary = `${what}${size}${tl ? `, ${fpsText(rate.fps, rate.variable)}, ${clock(tl.durationSeconds)}` : ''}`;

  if (truncated) {
    const { fileBytes, declaredBytes } = truncated;
    return none(
      probe({
        ...base,
        summary: `${summary} (incomplete)`,
        problem:
          `The file is incomplete or damaged (it ends after ${mb(fileBytes)} of the ${mb(declaredBytes)} its header announces, so the end of the video is missing). ` +
          `Copy it again from the recorder or its original media${ffmpegAvailable ? ', or convert the readable part to a new H.264 file (keeps the original)' : ''}.`,
        canConvert: ffmpegAvailable,
      }),
    );
  }

  const codec = read.codec;
  const mime = mimeOfContainer(read.container);
  // The browser is asked only about a file the app can step through: a container it reads and frames in it.
  const playback = mime && tl && tl.pts.length > 0 ? { mime, codecString: read.codecString } : null;
  let problem: string | null = null;
  if (!mime) {
    problem = `This is ${codecLabel ?? 'video'} in ${read.container === 'unknown' ? 'a container' : `${read.container} format`}, which this app cannot play. ${convertAdvice(ffmpegAvailable, 'Convert it to an H.264 MP4 (keeps the original)')}`;
  } else if (!tl || tl.pts.length === 0) {
    problem = `"${name}" has a video track without any frames. Copy it again from the recorder.`;
  } else if (!codec || !PLAYABLE_CODECS.has(codec)) {
    problem = cannotDecode(codec, codecLabel, read.container, ffmpegAvailable);
  }
  if (problem) return { probe: probe({ ...base, summary, problem, playback, canConvert: ffmpegAvailable && (tl === null || tl.pts.length > 0) }), timeline: tl, mime };

  return { probe: probe({ ...base, summary, playable: true, playback }), timeline: tl, mime };
}

/** The message for a codec this computer's browser cannot decode (or that the app does not expect it to). */
export function cannotDecode(codec: string | null, codecLabel: string | null, container: string, ffmpegAvailable: boolean): string {
  const label = codecLabel ?? 'a video format this app does not know';
  const from = codec === 'hevc' ? 'export H.264 from your recorder' : codec === 'prores' || codec === 'dnxhd' ? 'export H.264 from your editing software' : 'export H.264 from the recorder';
  const advice = ffmpegAvailable ? `Convert it to H.264 (keeps the original) or ${from}.` : `${INSTALL_FFMPEG_HINT} Or ${from}.`;
  return codec === 'hevc'
    ? `This is HEVC (H.265) video, which this app cannot decode on this computer. ${advice}`
    : `This is ${label} video${codecLabel ? '' : ` (${container})`}, which this app cannot play on this computer. ${advice}`;
}
