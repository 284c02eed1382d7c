// Reading what a video file holds with mediabunny (pure TypeScript, in process, the same demuxer the renderer uses
// for WebCodecs, so both sides agree on the frame table): container, codec, size, rotation, tracks, and the
// presentation timestamp of every frame with its keyframes, from the sample tables alone (no media data is read).
// Also the container name for what ffprobe reports, for files mediabunny cannot read.
import { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input, UnsupportedInputFormatError } from 'mediabunny';
import type { ColourTags } from '../../api/colour';
import type { Sniffed } from './sniff';

export interface Timeline {
  /** Presentation timestamps in seconds, ascending: frame k is shown from pts[k] to pts[k+1]. */
  pts: number[];
  /** Indices (in presentation order) of the keyframes. */
  keyframes: number[];
  /** From the first frame (pts[0]) to the end of the last one. */
  durationSeconds: number;
}

export class ProbeCancelled extends Error {
  constructor() {
    super('Probing was cancelled.');
    this.name = 'ProbeCancelled';
  }
}

const MEDIABUNNY_CODEC: Record<string, string> = { avc: 'h264', hevc: 'hevc', vp8: 'vp8', vp9: 'vp9', av1: 'av1', prores: 'prores' };
const MEDIABUNNY_CONTAINER: Record<string, string> = {
  MP4: 'MP4',
  'QuickTime File Format': 'MOV',
  WebM: 'WebM',
  Matroska: 'MKV',
  'MPEG Transport Stream': 'MPEG-TS',
};

export function ffprobeContainer(formatName: string | null, sniffed: Sniffed): string {
  const f = formatName ?? '';
  if (f.startsWith('mov,mp4')) return sniffed.looksLike.includes('MOV') ? 'MOV' : 'MP4';
  if (f === 'matroska,webm') return 'MKV';
  const known: Record<string, string> = { avi: 'AVI', mpeg: 'MPEG-PS', mpegts: 'MPEG-TS', flv: 'FLV', asf: 'WMV/ASF', mxf: 'MXF', mpegvideo: 'MPEG video', h264: 'raw H.264', hevc: 'raw HEVC' };
  return known[f] ?? (f || 'unknown');
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Fraction of the frame table read (null while unknown). */
  onProgress?: (fraction: number | null) => void;
}

/** What was read of a file (by mediabunny, or named by ffprobe when mediabunny could not read it). */
export interface MediaRead {
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
  /** The stream's colour tags (container or bitstream), null when nothing was read. */
  colour?: ColourTags | null;
}

/** null when mediabunny does not know the container; the frame table only when `wantTimeline`. */
export async function readWithMediabunny(file: string, o: ReadOptions, wantTimeline: boolean): Promise<MediaRead | null> {
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
    const read: MediaRead = {
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
      colour: await track
        .getColorSpace()
        .then((c) => ({ matrix: c.matrix ?? null, primaries: c.primaries ?? null, transfer: c.transfer ?? null, fullRange: c.matrix || c.primaries ? (c.fullRange ?? null) : c.fullRange ? true : null }))
        .catch(() => null),
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
    const first = frames[0]?.t ?? 0;
    read.timeline = {
      pts: frames.map((f) => f.t),
      keyframes: frames.flatMap((f, i) => (f.key ? [i] : [])),
      durationSeconds: Math.max(0, end - first),
    };
    o.onProgress?.(1);
    return read;
  } finally {
    input.dispose();
  }
}
