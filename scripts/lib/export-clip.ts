// `npm run export -- --format mp4`: a teaching clip of a review's video range, through the app's clip service
// (electron/core/clips/): the same frames, drawings, de-identification and checks as the app's Teaching clip dialog.
import fs from 'node:fs';
import path from 'node:path';
import { WorkstationError } from '../../electron/api/errors';
import { ClipCaption, type ClipOptionsInput, type NormalisedRect } from '../../electron/api/schemas-clips';
import type { AppServices } from '../../electron/core/app-services';
import { fail } from './cli';

export const CLIP_USAGE = `Teaching clip (MP4): npm run export -- --data DIR --review ID --format mp4 --from FRAME --to FRAME --out FILE.mp4
  [--hold SECONDS (default 2)] [--freeze SECONDS] [--caption none|phase|timecode|both] [--slow 0.5|0.25] [--audio]
  [--redact x,y,w,h (0..1 of the picture; repeat for more regions)] [--force]
--from and --to are frame indices of the review's video; both are in the clip.`;

export const CLIP_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  hold: { type: 'string' },
  freeze: { type: 'string' },
  caption: { type: 'string' },
  slow: { type: 'string' },
  audio: { type: 'boolean' },
  redact: { type: 'string', multiple: true },
} as const;

export interface ClipArgs {
  from?: string;
  to?: string;
  hold?: string;
  freeze?: string;
  caption?: string;
  slow?: string;
  audio?: boolean;
  redact?: string[];
}

function frameArg(value: string | undefined, flag: string): number {
  if (value === undefined) fail(`${flag} is required for an MP4 clip.\n${CLIP_USAGE}`);
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) fail(`${flag} must be a frame index (a whole number, 0 or more), not "${value}".\n${CLIP_USAGE}`);
  return n;
}

function secondsArg(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) fail(`${flag} must be a number of seconds (0 or more), not "${value}".\n${CLIP_USAGE}`);
  return n;
}

function regionArg(value: string): NormalisedRect {
  const parts = value.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((p) => !Number.isFinite(p))) fail(`--redact takes x,y,w,h as fractions of the picture (e.g. 0,0.9,0.4,0.1), not "${value}".\n${CLIP_USAGE}`);
  const [x, y, w, h] = parts as [number, number, number, number];
  return { x, y, w, h };
}

/** The clip options from the command line (wrong arguments exit 2 with the usage). */
export function clipOptions(a: ClipArgs): ClipOptionsInput {
  const caption = a.caption === undefined ? undefined : ClipCaption.safeParse(a.caption);
  if (caption && !caption.success) fail(`--caption must be none, phase, timecode or both.\n${CLIP_USAGE}`);
  if (a.slow !== undefined && a.slow !== '0.5' && a.slow !== '0.25') fail(`--slow must be 0.5 or 0.25 (half or quarter speed).\n${CLIP_USAGE}`);
  const hold = secondsArg(a.hold, '--hold');
  const freeze = secondsArg(a.freeze, '--freeze');
  return {
    fromFrame: frameArg(a.from, '--from'),
    toFrame: frameArg(a.to, '--to'),
    ...(hold !== undefined ? { holdSeconds: hold } : {}),
    ...(freeze !== undefined ? { freezeSeconds: freeze } : {}),
    ...(caption?.success ? { caption: caption.data } : {}),
    ...(a.slow ? { speed: Number(a.slow) as 0.5 | 0.25 } : {}),
    ...(a.audio ? { audio: true } : {}),
    ...(a.redact?.length ? { redact: a.redact.map(regionArg) } : {}),
  };
}

/** Writes the clip; prints progress and the result. Returns the process exit code. */
export async function exportClip(services: AppServices, reviewId: number, options: ClipOptionsInput, out: string, force: boolean): Promise<number> {
  const target = path.resolve(out);
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) fail(`${target} is a folder; give the file to write, e.g. ${path.join(target, `review-${reviewId}.mp4`)}.`);
  if (!fs.existsSync(path.dirname(target))) fail(`The folder ${path.dirname(target)} does not exist.`, 1);
  if (fs.existsSync(target) && !force) fail(`${target} already exists. Add --force to replace it.`, 1);
  const started = Date.now();
  let shown = -1;
  try {
    const r = await services.clips.writeClip(reviewId, options, target, {
      overwrite: force,
      onProgress: (step, fraction) => {
        const pct = Math.floor(fraction * 10) * 10;
        if (pct !== shown) {
          shown = pct;
          console.log(`${step}… (${pct} %)`);
        }
      },
    });
    const size = fs.statSync(r.file).size;
    console.log(`Wrote ${r.file}: ${r.frames} frames, ${r.durationSeconds.toFixed(3)} s, ${(size / 1024).toFixed(1)} KiB in ${Date.now() - started} ms.`);
    return 0;
  } catch (err) {
    console.error(err instanceof WorkstationError ? err.message : `Export failed: ${(err as Error).message}`);
    return 1;
  }
}
