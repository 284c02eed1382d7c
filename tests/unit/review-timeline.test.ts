// The review player's frame arithmetic: seek targets, time → frame, timecodes, the "Go to" field, drop paths.
import { describe, expect, it } from 'vitest';
import { pathFromDrop } from '../../renderer/src/review/drop-path';
import {
  formatTimecode,
  frameMid,
  frameTolerance,
  indexAfterSeconds,
  indexAt,
  indexOfTimestamp,
  isFrame,
  keyframeAtOrBefore,
  parseGoTo,
  parseTimecode,
} from '../../renderer/src/review/player/timeline';

const cfr = (n: number, num: number, den = 1) => Array.from({ length: n }, (_, k) => (k * den) / num);

describe('frame arithmetic over the pts table', () => {
  it('seeks to the middle of a frame, never to its start (29.97 fps and VFR)', () => {
    const pts = cfr(100, 30000, 1001);
    expect(frameMid(pts, 10)).toBeCloseTo(((10 + 0.5) * 1001) / 30000, 9);
    const vfr = [0, 1 / 30, 2 / 30, 2 / 30 + 1 / 15, 2 / 30 + 2 / 15];
    expect(frameMid(vfr, 2)).toBeCloseTo((2 / 30 + 2 / 30 + 1 / 15) / 2, 9);
    // The last frame: half the previous frame's duration past its start, and never past the end of the file.
    expect(frameMid(vfr, 4)).toBeCloseTo(2 / 30 + 2 / 15 + 1 / 30, 9);
    expect(frameMid(vfr, 4, 2 / 30 + 2 / 15 + 0.01)).toBeCloseTo(2 / 30 + 2 / 15 + 0.005, 9);
  });

  it('maps a media time to the frame on screen, with whole-microsecond times', () => {
    const pts = cfr(300, 30000, 1001);
    for (const k of [0, 1, 29, 30, 150, 299]) {
      expect(indexAt(pts, pts[k]!)).toBe(k);
      // Chromium's mediaTime is rounded to whole microseconds.
      expect(indexAt(pts, Math.round(pts[k]! * 1e6) / 1e6)).toBe(k);
      expect(indexAt(pts, frameMid(pts, k))).toBe(k);
    }
    expect(indexAt(pts, -1)).toBe(0);
    expect(indexAt(pts, 1e9)).toBe(299);
    expect(indexOfTimestamp(pts, pts[42]!)).toBe(42);
    expect(indexOfTimestamp(pts, frameMid(pts, 42))).toBeNull();
  });

  it('confirms a frame only within a small fraction of a frame', () => {
    const pts = cfr(10, 30);
    expect(frameTolerance(pts, 5)).toBeCloseTo(0.002, 9);
    expect(isFrame(pts, 5, pts[5]! + 0.0015)).toBe(true);
    expect(isFrame(pts, 5, pts[5]! + 0.005)).toBe(false);
    expect(isFrame(pts, 5, pts[6]!)).toBe(false);
    const fast = cfr(10, 240);
    expect(frameTolerance(fast, 3)).toBeCloseTo(1 / 2400, 9);
  });

  it('moves by time for Shift+arrows and finds the keyframe a decode starts from', () => {
    const vfr = [...cfr(30, 30), ...cfr(30, 15).map((t) => 1 + t)];
    expect(indexAfterSeconds(vfr, 0, 1)).toBe(30);
    expect(indexAfterSeconds(vfr, 30, 1)).toBe(45);
    expect(indexAfterSeconds(vfr, 45, -1)).toBe(30);
    expect(keyframeAtOrBefore([0, 30, 60], 59)).toBe(30);
    expect(keyframeAtOrBefore([0, 30, 60], 60)).toBe(60);
    expect(keyframeAtOrBefore([], 5)).toBe(0);
  });
});

describe('timecodes and the Go to field', () => {
  it('formats HH:MM:SS.mmm, truncating to the millisecond', () => {
    expect(formatTimecode(0)).toBe('00:00:00.000');
    expect(formatTimecode(1001 / 30000)).toBe('00:00:00.033');
    expect(formatTimecode(3723.5)).toBe('01:02:03.500');
    expect(formatTimecode(2 / 3)).toBe('00:00:00.666');
  });

  it('parses times in the usual spellings and refuses nonsense', () => {
    expect(parseTimecode('00:01:02.500')).toBeCloseTo(62.5, 9);
    expect(parseTimecode('1:02.5')).toBeCloseTo(62.5, 9);
    expect(parseTimecode('12.25')).toBeCloseTo(12.25, 9);
    expect(parseTimecode('01:60:00')).toBeNull();
    expect(parseTimecode('1:75')).toBeNull();
    expect(parseTimecode('abc')).toBeNull();
  });

  it('reads a whole number as a frame and anything with : or . as a time', () => {
    expect(parseGoTo('120')).toEqual({ kind: 'frame', index: 120 });
    expect(parseGoTo('#7')).toEqual({ kind: 'frame', index: 7 });
    expect(parseGoTo(' f12 ')).toEqual({ kind: 'frame', index: 12 });
    expect(parseGoTo('00:00:02.000')).toEqual({ kind: 'time', seconds: 2 });
    expect(parseGoTo('3.5s')).toEqual({ kind: 'time', seconds: 3.5 });
    expect(parseGoTo('-3')).toBeNull();
    expect(parseGoTo('')).toBeNull();
  });
});

describe('paths dropped from a file manager', () => {
  it('takes a file:// URI, a plain absolute path, and nothing else', () => {
    expect(pathFromDrop('file:///home/a/Surgery%20videos/case%201.mp4\r\n', '')).toBe('/home/a/Surgery videos/case 1.mp4');
    expect(pathFromDrop('# comment\nfile:///C:/Videos/x.mp4', '')).toBe('C:/Videos/x.mp4');
    expect(pathFromDrop('', '/data/x.mp4')).toBe('/data/x.mp4');
    expect(pathFromDrop('https://example.com/x.mp4', 'x.mp4')).toBeNull();
  });
});
