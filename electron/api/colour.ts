// How the app turns a video's YUV into RGB for every frame it keeps (captures sent to the model and into reports,
// timeline frames, scrub proxies), so a frame never changes colour with the path that decoded it.
//
// The rule:
//   - A stream's own tags win: matrix coefficients (BT.601 = bt470bg / smpte170m, BT.709, BT.2020 non-constant,
//     SMPTE 240M, FCC) and range (limited "tv" or full "pc"), as the container or bitstream says.
//   - An untagged stream is BT.709 when it is HD (at least 1280 wide or more than 576 lines), otherwise BT.601
//     (the SD rule of ffmpeg and of most players); an untagged range is limited. (The same guess mpv makes.)
//   - Primaries and transfer are recorded, not converted: like ffmpeg's own decode to RGB, the matrix is applied and
//     the gamut is left as it is (a BT.2020 recording is not tone- or gamut-mapped).
// Imported by the renderer (capture) and by core (ffmpeg arguments); imports nothing.

export type MatrixName = 'bt601' | 'bt709' | 'bt2020' | 'smpte240m' | 'fcc';

export interface ColourTags {
  /** As read (WebCodecs / mediabunny names: bt709, bt470bg, smpte170m, bt2020-ncl, smpte240m, rgb…), null when untagged. */
  matrix: string | null;
  primaries: string | null;
  transfer: string | null;
  /** null when the stream does not say. */
  fullRange: boolean | null;
}

export interface ColourDecision {
  matrix: MatrixName;
  fullRange: boolean;
  /** Whether the matrix came from the stream's tags (false: the untagged rule decided). */
  tagged: boolean;
}

const TAG_TO_MATRIX: Record<string, MatrixName> = {
  bt709: 'bt709',
  bt470bg: 'bt601',
  smpte170m: 'bt601',
  bt601: 'bt601',
  'bt2020-ncl': 'bt2020',
  bt2020nc: 'bt2020',
  bt2020: 'bt2020',
  smpte240m: 'smpte240m',
  fcc: 'fcc',
};

/** Kr and Kb of each matrix (Kg = 1 - Kr - Kb). */
export const MATRIX_COEFFICIENTS: Record<MatrixName, { kr: number; kb: number }> = {
  bt601: { kr: 0.299, kb: 0.114 },
  bt709: { kr: 0.2126, kb: 0.0722 },
  bt2020: { kr: 0.2627, kb: 0.0593 },
  smpte240m: { kr: 0.212, kb: 0.087 },
  fcc: { kr: 0.3, kb: 0.11 },
};

/** The untagged rule: HD (≥ 1280 wide or > 576 lines) is BT.709, SD is BT.601. */
export function untaggedMatrix(width: number, height: number): MatrixName {
  return width >= 1280 || height > 576 ? 'bt709' : 'bt601';
}

/** The matrix and range the app converts this stream with. */
export function decideColour(tags: ColourTags | null, width: number, height: number): ColourDecision {
  const known = tags?.matrix ? TAG_TO_MATRIX[tags.matrix] : undefined;
  return { matrix: known ?? untaggedMatrix(width, height), fullRange: tags?.fullRange ?? false, tagged: known !== undefined };
}

/** ffmpeg's scale-filter names for the decision (in_color_matrix, in_range). */
export function ffmpegColourArgs(d: ColourDecision): { inColorMatrix: string; inRange: 'tv' | 'pc' } {
  const names: Record<MatrixName, string> = { bt601: 'bt601', bt709: 'bt709', bt2020: 'bt2020', smpte240m: 'smpte240m', fcc: 'fcc' };
  return { inColorMatrix: names[d.matrix], inRange: d.fullRange ? 'pc' : 'tv' };
}

/** ffmpeg's encoder tags for a copy that must keep the decision (the scrub proxy): -colorspace and -color_range. */
export function ffmpegColourTags(d: ColourDecision): string[] {
  const space: Record<MatrixName, string> = { bt601: 'smpte170m', bt709: 'bt709', bt2020: 'bt2020nc', smpte240m: 'smpte240m', fcc: 'fcc' };
  return ['-colorspace', space[d.matrix], '-color_range', d.fullRange ? 'pc' : 'tv'];
}

/** In words, for the review's facts and the report ("BT.709, limited range (tagged)"). */
export function describeColour(d: ColourDecision): string {
  const name: Record<MatrixName, string> = { bt601: 'BT.601', bt709: 'BT.709', bt2020: 'BT.2020', smpte240m: 'SMPTE 240M', fcc: 'FCC' };
  return `${name[d.matrix]}, ${d.fullRange ? 'full' : 'limited'} range (${d.tagged ? 'tagged' : 'untagged: by frame size'})`;
}
