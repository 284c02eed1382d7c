// Encoding a planned teaching clip with ffmpeg: the range is sought by the video's frame table (the frame before
// `from` and `from` itself straddle the seek point, so the first frame out is `from`, as frame capture takes it),
// cut to its frame count, redacted, captioned, drawn on, frozen (a longer frame) and encoded as H.264 (yuv420p, High profile,
// faststart: it plays in every browser, PowerPoint and phone). Each annotated frame's drawing is one transparent
// PNG (the report's SVG rasterised by resvg) overlaid on the output frames the plan gives it.
import { Resvg } from '@resvg/resvg-js';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ffmpegColourTags, type ColourDecision } from '../../api/colour';
import type { ClipOptions } from '../../api/schemas-clips';
import { passthroughArgs } from '../ffmpeg/ffmpeg-binary';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg';
import { seekPointFor } from '../timeline/sampling';
import type { ClipPlan } from './clip-plan';
import { filterPath, filterValue } from './filter-text';

export interface ClipRenderInput {
  ffmpeg: string;
  /** The video file and its frame table (presentation timestamps, seconds). */
  file: string;
  pts: readonly number[];
  /** The video's first timestamp (its times are counted from it). */
  startSeconds: number;
  durationSeconds: number;
  width: number;
  height: number;
  /** Clockwise degrees the player turns the picture (0, 90, 180, 270). */
  rotation: number;
  fps: number;
  colour: ColourDecision;
  hasAudio: boolean;
  options: ClipOptions;
  plan: ClipPlan;
  /** Each overlay's drawing as a standalone SVG (by the plan's key), W×H of the video. */
  overlaySvg: ReadonlyMap<string, string>;
  /** A bold font file for captions (required when a caption is asked for). */
  font: string | null;
  /** A folder for the overlay images and the filter script (removed by the caller). */
  workDir: string;
  /** Written as given (a temporary name; the caller renames it). */
  output: string;
  signal: AbortSignal;
  onProgress(done: number, total: number): void;
  cancelled(): Error;
}

/** A timeline `enable` expression: on from output frame `first` to `last` (n counts the frames the filter gets). */
const between = (s: { first: number; last: number }) => `between(n,${s.first},${s.last})`;

function rotationFilters(rotation: number): string[] {
  const r = ((rotation % 360) + 360) % 360;
  if (r === 90) return ['transpose=clock'];
  if (r === 180) return ['hflip', 'vflip'];
  if (r === 270) return ['transpose=cclock'];
  return [];
}

/** The filtergraph script and the overlay image inputs (in input order, from input 1). */
export async function buildClipGraph(c: ClipRenderInput): Promise<{ script: string; images: string[] }> {
  const { plan, options: o } = c;
  const fontSize = Math.max(14, Math.round(Math.min(c.width, c.height) / 22));
  const text = (extra: string) =>
    `drawtext=fontfile=${filterPath(c.font!)}:fontsize=${fontSize}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=${Math.round(fontSize / 3)}:${extra}`;
  const chain: string[] = [`trim=end_frame=${plan.frames}`, 'setpts=PTS-STARTPTS'];
  for (const r of o.redact) {
    const x = Math.floor(r.x * c.width);
    const y = Math.floor(r.y * c.height);
    chain.push(`drawbox=x=${x}:y=${y}:w=${Math.ceil((r.x + r.w) * c.width) - x}:h=${Math.ceil((r.y + r.h) * c.height) - y}:color=black:t=fill`);
  }
  if (o.caption === 'timecode' || o.caption === 'both') {
    // The video's own time of each frame (as the review and the report show it), bottom right.
    const offset = (c.pts[o.fromFrame]! - c.startSeconds).toFixed(6);
    chain.push(text(`text=${filterValue(`%{pts:hms:${offset}}`)}:x=w-tw-${fontSize}:y=h-th-${fontSize}`));
  }
  if (plan.freezes.length > 0) {
    // A freeze shows its frame longer: every later frame comes `freezeSeconds` later per freeze before it (N counts
    // the range's frames here). No frame is copied, so the clip keeps the range's frames exactly.
    const later = plan.freezes.map((f) => `gt(N,${f})`).join('+');
    chain.push(`setpts='PTS+(${o.freezeSeconds})*(${later})/TB'`);
  }
  const images: string[] = [];
  if (o.caption === 'phase' || o.caption === 'both') {
    for (const [i, cap] of plan.captions.entries()) {
      const file = path.join(c.workDir, `caption-${i}.txt`);
      await fsp.writeFile(file, cap.label);
      chain.push(text(`textfile=${filterPath(file)}:expansion=none:x=${fontSize}:y=h-th-${fontSize}:enable='${between(cap.span)}'`));
    }
  }
  const lines = [`[0:v:0]${chain.join(',')}[base]`];
  let last = 'base';
  for (const [i, ov] of plan.overlays.entries()) {
    const svg = c.overlaySvg.get(ov.key);
    if (!svg) continue;
    const png = path.join(c.workDir, `overlay-${i}.png`);
    await fsp.writeFile(png, new Resvg(svg, { font: { loadSystemFonts: true }, background: 'rgba(0,0,0,0)' }).render().asPng());
    images.push(png);
    lines.push(`[${last}][${images.length}:v]overlay=x=0:y=0:eof_action=repeat:enable='${between(ov.span)}'[o${i}]`);
    last = `o${i}`;
  }
  const tail = [...rotationFilters(c.rotation), ...(o.speed !== 1 ? [`setpts=PTS/${o.speed}`] : []), 'scale=trunc(iw/2)*2:trunc(ih/2)*2', 'format=yuv420p'];
  lines.push(`[${last}]${tail.join(',')}[v]`);
  return { script: `${lines.join(';\n')}\n`, images };
}

/** Encodes the clip into `output`. */
export async function renderClip(c: ClipRenderInput): Promise<void> {
  const { script, images } = await buildClipGraph(c);
  const scriptFile = path.join(c.workDir, 'graph.txt');
  await fsp.writeFile(scriptFile, script);
  const seek = seekPointFor(c.pts, c.options.fromFrame);
  const keepAudio = c.options.audio && c.hasAudio;
  const end = c.options.toFrame + 1 < c.pts.length ? c.pts[c.options.toFrame + 1]! : c.startSeconds + c.durationSeconds;
  const audioSeconds = Math.max(0, end - c.pts[c.options.fromFrame]!);
  const args = [
    '-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-noautorotate',
    ...(seek === null ? [] : ['-seek_timestamp', '1', '-ss', seek.toFixed(6)]),
    '-i', c.file,
    ...images.flatMap((f) => ['-i', f]),
    '-filter_complex_script', scriptFile,
    '-map', '[v]',
    ...(keepAudio ? ['-map', '0:a:0', '-af', `atrim=duration=${audioSeconds.toFixed(6)},asetpts=PTS-STARTPTS`, '-c:a', 'aac', '-b:a', '160k'] : ['-an']),
    '-sn', '-dn', '-map_metadata', '-1', '-map_chapters', '-1',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    ...ffmpegColourTags(c.colour),
    // Every frame with its own time (the range's, stretched by freezes and slow motion). The encoder's own time base
    // and the default edit list: the clip starts at 0 and its last frame keeps its duration (checked by ffprobe).
    ...passthroughArgs(c.ffmpeg), '-movflags', '+faststart',
    '-progress', 'pipe:1', '-f', 'mp4', c.output,
  ];
  const total = c.plan.frames;
  await runFfmpeg(c.ffmpeg, args, {
    durationSeconds: null,
    signal: c.signal,
    onProgress: () => {},
    onProgressLine: (line) => {
      const m = /^frame=(\d+)/.exec(line);
      if (m) c.onProgress(Math.min(total, Number(m[1])), total);
    },
    failure: 'ffmpeg could not write the clip',
    cancelled: c.cancelled,
  });
}
