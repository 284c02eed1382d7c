// The colour rule (electron/api/colour.ts) and the capture's YUV → RGB against ffmpeg's decode of the same frame:
// tagged BT.601, tagged BT.709, untagged SD (BT.601) and untagged HD (BT.709); mean absolute difference ≤ 1.5 per
// channel. (The end-to-end test checks the same through the app's capture from the <video> and the frame cache.)
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decideColour, ffmpegColourArgs, untaggedMatrix } from '../../electron/api/colour';
import { yuvToRgba } from '../../renderer/src/review/player/yuv-to-rgb';
import { makeTestVideo, type TestVideoSpec } from '../fixtures/videos';

function decode(file: string, args: string[]): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-i', file, ...args, '-frames:v', '1', '-f', 'rawvideo', '-'], { maxBuffer: 64 * 1024 * 1024 });
}

/** Mean absolute difference per channel between our RGBA and ffmpeg's RGB24. */
function mad(ours: Uint8ClampedArray, theirs: Buffer, pixels: number): number[] {
  const sums = [0, 0, 0];
  for (let i = 0; i < pixels; i++) for (let c = 0; c < 3; c++) sums[c]! += Math.abs(ours[i * 4 + c]! - theirs[i * 3 + c]!);
  return sums.map((s) => s / pixels);
}

describe('the colour rule', () => {
  it('tags win; untagged HD is BT.709 and SD BT.601, limited range', () => {
    expect(decideColour({ matrix: 'smpte170m', primaries: null, transfer: null, fullRange: null }, 1920, 1080)).toEqual({ matrix: 'bt601', fullRange: false, tagged: true });
    expect(decideColour({ matrix: 'bt709', primaries: 'bt709', transfer: 'bt709', fullRange: true }, 640, 360)).toEqual({ matrix: 'bt709', fullRange: true, tagged: true });
    expect(decideColour(null, 1024, 768)).toEqual({ matrix: 'bt709', fullRange: false, tagged: false });
    expect(decideColour({ matrix: null, primaries: null, transfer: null, fullRange: null }, 640, 360)).toEqual({ matrix: 'bt601', fullRange: false, tagged: false });
    expect([untaggedMatrix(720, 576), untaggedMatrix(1280, 720), untaggedMatrix(3840, 2160)]).toEqual(['bt601', 'bt709', 'bt709']);
  });

  const cases: Array<[string, TestVideoSpec, 'bt601' | 'bt709', boolean]> = [
    ['tagged BT.601', { colour: 'bt601', width: 640, height: 360 }, 'bt601', true],
    ['tagged BT.709', { colour: 'bt709', width: 640, height: 360 }, 'bt709', true],
    ['untagged SD (BT.601)', { width: 640, height: 360 }, 'bt601', false],
    ['untagged HD (BT.709)', { width: 1280, height: 720 }, 'bt709', false],
  ];
  it.each(cases)('%s: our conversion of the decoded planes matches ffmpeg’s decode to RGB', async (_name, spec, matrix, tagged) => {
    const v = await makeTestVideo({ ...spec, durationSeconds: 1, pattern: 'gradients', bFrames: 0 });
    const { width: w, height: h } = v;
    const decision = decideColour(tagged ? { matrix: spec.colour === 'bt601' ? 'smpte170m' : 'bt709', primaries: null, transfer: null, fullRange: false } : null, w, h);
    expect(decision.matrix).toBe(matrix);
    const planes = decode(v.file, ['-pix_fmt', 'yuv420p']);
    const ours = yuvToRgba(
      { format: 'I420', width: w, height: h, data: new Uint8Array(planes), layout: [{ offset: 0, stride: w }, { offset: w * h, stride: w / 2 }, { offset: (w * h * 5) / 4, stride: w / 2 }] },
      decision,
    );
    // ffmpeg by itself honours tags (and reads untagged as BT.601); for untagged HD it is told the rule's matrix.
    const { inColorMatrix, inRange } = ffmpegColourArgs(decision);
    const theirs = decode(v.file, [...(tagged || matrix === 'bt601' ? [] : ['-vf', `scale=in_color_matrix=${inColorMatrix}:in_range=${inRange}`]), '-pix_fmt', 'rgb24']);
    const d = mad(ours, theirs, w * h);
    for (const c of d) expect(c).toBeLessThanOrEqual(1.5);
    // And a wrong matrix would have been caught: the other one is far off.
    const wrong = mad(yuvToRgba({ format: 'I420', width: w, height: h, data: new Uint8Array(planes), layout: [{ offset: 0, stride: w }, { offset: w * h, stride: w / 2 }, { offset: (w * h * 5) / 4, stride: w / 2 }] }, { matrix: matrix === 'bt601' ? 'bt709' : 'bt601', fullRange: false }), theirs, w * h);
    expect(Math.max(...wrong)).toBeGreaterThan(2);
  });
});
