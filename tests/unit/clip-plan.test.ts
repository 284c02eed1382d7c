import { describe, expect, it } from 'vitest';
import { planClip } from '../../electron/core/clips/clip-plan';

describe('teaching clip plan', () => {
  it('keeps the range exactly without freezes, and holds a drawing for its seconds from its frame', () => {
    const p = planClip({ fromFrame: 0, toFrame: 149, fps: 30, holdSeconds: 1, freezeSeconds: 0, annotated: [{ frameIndex: 40, key: 'a' }] });
    expect(p.frames).toBe(150);
    expect(p.freezes).toEqual([]);
    expect(p.overlays).toEqual([{ key: 'a', frameIndex: 40, span: { first: 40, last: 69 } }]);
  });

  it('counts from the range start, cuts a hold at the range end, and leaves out frames outside the range', () => {
    const p = planClip({
      fromFrame: 100,
      toFrame: 159,
      fps: 25,
      holdSeconds: 2,
      freezeSeconds: 0,
      annotated: [
        { frameIndex: 99, key: 'before' },
        { frameIndex: 150, key: 'late' },
        { frameIndex: 100, key: 'first' },
        { frameIndex: 160, key: 'after' },
      ],
    });
    expect(p.overlays.map((o) => [o.key, o.span.first, o.span.last])).toEqual([
      ['first', 0, 49],
      ['late', 50, 59],
    ]);
  });

  it('a hold of 0 draws on the annotated frame only', () => {
    const p = planClip({ fromFrame: 0, toFrame: 9, fps: 30, holdSeconds: 0, freezeSeconds: 0, annotated: [{ frameIndex: 3, key: 'a' }] });
    expect(p.overlays[0]!.span).toEqual({ first: 3, last: 3 });
  });

  it('a freeze keeps each annotated frame on screen longer without adding frames; the drawings keep their frames', () => {
    const p = planClip({
      fromFrame: 0,
      toFrame: 59,
      fps: 30,
      holdSeconds: 1,
      freezeSeconds: 0.5,
      annotated: [
        { frameIndex: 10, key: 'a' },
        { frameIndex: 20, key: 'b' },
        { frameIndex: 20, key: 'c' },
      ],
    });
    expect(p.frames).toBe(60);
    expect(p.freezes).toEqual([10, 20]);
    expect(p.overlays.map((o) => o.span)).toEqual([
      { first: 10, last: 39 },
      { first: 20, last: 49 },
      { first: 20, last: 49 },
    ]);
    expect(planClip({ fromFrame: 0, toFrame: 59, fps: 30, holdSeconds: 1, freezeSeconds: 0, annotated: [{ frameIndex: 10, key: 'a' }] }).freezes).toEqual([]);
  });

  it('captions each phase segment over its part of the range', () => {
    const p = planClip({
      fromFrame: 30,
      toFrame: 89,
      fps: 30,
      holdSeconds: 2,
      freezeSeconds: 0,
      annotated: [],
      segments: [
        { startFrame: 0, endFrame: 44, label: 'Incision' },
        { startFrame: 45, endFrame: 200, label: 'Capsulorhexis' },
        { startFrame: 300, endFrame: 400, label: 'Outside' },
      ],
    });
    expect(p.captions).toEqual([
      { label: 'Incision', span: { first: 0, last: 14 } },
      { label: 'Capsulorhexis', span: { first: 15, last: 59 } },
    ]);
  });

  it('refuses a range that ends before it starts, and a video without a frame rate', () => {
    expect(() => planClip({ fromFrame: 5, toFrame: 4, fps: 30, holdSeconds: 1, freezeSeconds: 0, annotated: [] })).toThrow(/ends before/);
    expect(() => planClip({ fromFrame: 0, toFrame: 4, fps: 0, holdSeconds: 1, freezeSeconds: 0, annotated: [] })).toThrow(/frame rate/);
  });
});
