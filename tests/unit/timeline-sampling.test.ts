// Where the phase timeline samples: times every N seconds, the frame shown at each time by the pts table (constant
// and variable frame rates), scene-change thinning, and the seek point that makes ffmpeg output exactly frame k.
import { describe, expect, it } from 'vitest';
import { frameAt, intervalPlan, intervalTimes, planSamples, sceneTimes, seekPointFor } from '../../electron/core/timeline/sampling';

const cfr = (n: number, fps: number) => Array.from({ length: n }, (_, k) => k / fps);

describe('timeline sampling', () => {
  it('samples 0, N, 2N … strictly before the end', () => {
    expect(intervalTimes(60, 5)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55]);
    expect(intervalTimes(60.5, 5)).toHaveLength(13);
    expect(intervalTimes(3, 5)).toEqual([0]);
    expect(intervalTimes(10, 2.5)).toEqual([0, 2.5, 5, 7.5]);
    // No floating drift after many steps.
    expect(intervalTimes(3600, 0.1).at(-1)).toBe(3599.9);
    expect(intervalTimes(3600, 0.1)).toHaveLength(36000);
    expect(() => intervalTimes(60, 0)).toThrow(/positive/);
  });

  it('takes the frame whose presentation interval contains the time', () => {
    const pts = cfr(1800, 30); // 60 s at 30 fps, float timestamps as a demuxer gives them
    expect(intervalPlan(pts, 60, 5).map((p) => p.frameIndex)).toEqual([0, 150, 300, 450, 600, 750, 900, 1050, 1200, 1350, 1500, 1650]);
    expect(frameAt(pts, 5 - 1e-9)).toBe(150); // within half a millisecond of a frame start is that frame
    expect(frameAt(pts, 5.02)).toBe(150);
    expect(frameAt(pts, 5.034)).toBe(151);
    expect(frameAt(pts, -1)).toBe(0);
    expect(frameAt(pts, 999)).toBe(1799);
  });

  it('follows the table, not a nominal frame rate, on variable-frame-rate video', () => {
    // 30 fps for 2 s, then 15 fps for 2 s, then 24 fps.
    const pts = [...cfr(60, 30), ...cfr(30, 15).map((t) => 2 + t), ...cfr(48, 24).map((t) => 4 + t)];
    const plan = intervalPlan(pts, 6, 1);
    expect(plan.map((p) => p.frameIndex)).toEqual([0, 30, 60, 75, 90, 114]);
    for (const p of plan) expect(pts[p.frameIndex]!).toBeLessThanOrEqual(p.time + 1e-9);
  });

  it('makes one sample of two times on the same frame', () => {
    const pts = [0, 2, 4]; // a slide show: a frame every 2 s
    expect(planSamples(pts, [0, 1, 2, 3, 4, 5])).toEqual([
      { time: 0, frameIndex: 0 },
      { time: 2, frameIndex: 1 },
      { time: 4, frameIndex: 2 },
    ]);
  });

  it('thins scene changes to at most one per interval and always starts at 0', () => {
    expect(sceneTimes([3.1, 3.2, 9, 12.5, 13, 70], 5, 60)).toEqual([0, 9]);
    expect(sceneTimes([5, 9, 10.2, 20], 5, 60)).toEqual([0, 5, 10.2, 20]);
    expect(sceneTimes([], 5, 60)).toEqual([0]);
  });

  it('seeks half way between frame k-1 and k so the first frame ffmpeg keeps is k', () => {
    const pts = cfr(90, 30);
    expect(seekPointFor(pts, 0)).toBeNull();
    expect(seekPointFor(pts, 30)).toBeCloseTo(29.5 / 30, 12);
    expect(() => seekPointFor(pts, 90)).toThrow(/does not exist/);
  });
});
