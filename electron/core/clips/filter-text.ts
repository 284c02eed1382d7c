// Writing values into an ffmpeg filtergraph script safely, and the font a caption is drawn with.
// ffmpeg reads a filter's options twice: the graph parser splits filters on , ; [ ] and takes '…' quoting and \,
// then the filter splits its own options on : with the same quoting. A value therefore gets the option level's
// escaping first, then the graph level's (ffmpeg-filters(1), "Notes on filtergraph escaping").
import fs from 'node:fs';
import path from 'node:path';

/** Escapes a value for one filter option inside a filtergraph script (both levels). */
export function filterValue(value: string): string {
  const option = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return option.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/** A file path as a filter option: forward slashes (ffmpeg takes them on Windows too), escaped. */
export function filterPath(file: string): string {
  return filterValue(file.split(path.sep).join('/'));
}

const FONT_CANDIDATES: Record<string, string[]> = {
  linux: [
    '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
    '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf',
    '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf',
    '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
    '/usr/share/fonts/liberation-sans/LiberationSans-Bold.ttf',
    '/usr/share/fonts/truetype/freefont/FreeSansBold.ttf',
  ],
  darwin: ['/System/Library/Fonts/Supplemental/Arial Bold.ttf', '/Library/Fonts/Arial Bold.ttf', '/System/Library/Fonts/Helvetica.ttc'],
  win32: [path.join(process.env.WINDIR ?? 'C:\\Windows', 'Fonts', 'arialbd.ttf'), path.join(process.env.WINDIR ?? 'C:\\Windows', 'Fonts', 'segoeuib.ttf')],
};

/** A bold sans-serif font file on this computer for captions; null when none of the usual ones is there. */
export function captionFont(platform: string = process.platform): string | null {
  const override = process.env.WORKSTATION_CAPTION_FONT;
  if (override && fs.existsSync(override)) return override;
  return (FONT_CANDIDATES[platform] ?? FONT_CANDIDATES.linux!).find((f) => fs.existsSync(f)) ?? null;
}
