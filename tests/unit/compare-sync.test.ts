// Compare's link between two players (renderer/src/compare/compare-sync.ts) and its address (#/compare/<a>/<b>).
import { describe, expect, it } from 'vitest';
import type { Segment } from '../../electron/api/schemas-review';
import { commonPhaseStarts, CompareSync, pairedRange, pairedTarget, type SyncPlayer } from '../../renderer/src/compare/compare-sync';
import { parseRoute, routeHash } from '../../renderer/src/review/review-target';

/** A player that shows whatever frame it is asked for at once (the real one is checked end to end). */
function instantPlayer(frameCount: number, start = 0): SyncPlayer & { index: number; rate: number } {
  const p = {
    index: start,
    playing: false,
    rate: 1,
    setRate(r: number) {
      p.rate = r;
    },
    getState: () => ({ index: p.index, frameCount, playing: p.playing, reverseRate: 0 }),
    goTo(k: number) {
      p.index = Math.max(0, Math.min(frameCount - 1, k));
    },
    play: async () => {
      p.playing = true;
    },
    pause: async () => {
      p.playing = false;
    },
    whenSettled: async () => {},
  };
  return p;
}

function seg(phase: string | null, startFrame: number): Segment {
  return { id: startFrame + 1, reviewId: 1, startFrame, endFrame: startFrame + 10, startTime: 0, endTime: 0, phase, label: '', note: '', author: 'x', createdAt: '', updatedAt: '' };
}

describe('compare-sync', () => {
  it('pairs frames of A with A + offset, only where both videos have them', () => {
    expect(pairedRange(120, 150, 30)).toEqual({ lo: 0, hi: 119 });
    expect(pairedRange(120, 100, 30)).toEqual({ lo: 0, hi: 69 });
    expect(pairedRange(120, 150, -20)).toEqual({ lo: 20, hi: 119 });
    expect(pairedTarget(125, 120, 150, 30)).toEqual({ a: 119, b: 149 });
    expect(pairedTarget(-3, 120, 150, -20)).toEqual({ a: 20, b: 0 });
    expect(pairedTarget(5, 10, 10, 50)).toBeNull();
  });

  it('keeps the offset through steps and clamps at either end without losing it', async () => {
    const a = instantPlayer(120);
    const b = instantPlayer(150);
    const sync = new CompareSync(a, b);
    sync.alignAt(40, 70);
    await Promise.resolve().then(() => {
      expect([a.index, b.index, sync.offset]).toEqual([40, 70, 30]);
      for (let i = 0; i < 20; i++) sync.step(1);
      expect([a.index, b.index]).toEqual([60, 90]);
      sync.step(-10);
      expect([a.index, b.index]).toEqual([50, 80]);
      sync.goTo(1000);
      expect([a.index, b.index]).toEqual([119, 149]);
      sync.step(1);
      expect([a.index, b.index]).toEqual([119, 149]);
      sync.goTo(-5);
      expect([a.index, b.index, sync.offset]).toEqual([0, 30, 30]);
    });
  });

  it('moving one side alone links them again at the new pair', async () => {
    const a = instantPlayer(120, 10);
    const b = instantPlayer(150, 10);
    const sync = new CompareSync(a, b);
    expect(sync.offset).toBe(0);
    sync.moveSide('b', 75);
    await Promise.resolve();
    await Promise.resolve();
    expect([a.index, b.index, sync.offset]).toEqual([10, 75, 65]);
    sync.step(1);
    expect([a.index, b.index]).toEqual([11, 76]);
  });

  it('finds the phases both reviews have, at the first segment of each', () => {
    const starts = commonPhaseStarts([seg('capsulorhexis', 300), seg('incision', 12), seg('capsulorhexis', 120), seg(null, 5)], [seg('capsulorhexis', 33), seg('phacoemulsification', 400)]);
    expect(starts).toEqual([{ phase: 'capsulorhexis', a: 120, b: 33 }]);
    expect(commonPhaseStarts([seg('incision', 1)], [])).toEqual([]);
  });

  it('has an address: #/compare/<a>/<b>', () => {
    expect(parseRoute('#/compare/12/34')).toEqual({ view: 'compare', review: null, compare: { a: 12, b: 34 } });
    expect(parseRoute('#/compare/7/7')?.compare).toEqual({ a: 7, b: 7 });
    for (const bad of ['#/compare', '#/compare/12', '#/compare/0/3', '#/compare/x/3', '#/compare/1/2/3']) expect(parseRoute(bad)).toBeNull();
    expect(routeHash({ view: 'compare', review: null, compare: { a: 12, b: 34 } })).toBe('#/compare/12/34');
  });

  it('while both play, nudges B faster or slower when it drifts 2 frames from A + offset, back to real time once on its frame', async () => {
    const a = instantPlayer(300, 10);
    const b = instantPlayer(300, 40);
    const sync = new CompareSync(a, b);
    await sync.play();
    expect(sync.playing).toBe(true);
    const tick = (ka: number, kb: number) => {
      a.index = ka;
      b.index = kb;
      sync.onPlayerChange();
      return b.rate;
    };
    expect(tick(11, 41)).toBe(1);
    expect(tick(12, 41)).toBe(1); // one frame behind: within a frame, left alone
    expect(tick(14, 42)).toBe(1.1); // two behind: faster
    expect(tick(16, 45)).toBe(1.1); // still one behind: keeps catching up
    expect(tick(17, 47)).toBe(1); // on its frame again: real time
    expect(tick(20, 52)).toBe(0.9); // two ahead: slower
    expect(tick(22, 52)).toBe(1);
    expect(tick(23, 55)).toBe(0.9);
    await sync.stopPlaying();
    expect(b.rate).toBe(1); // a pause puts B back to real time, on A + offset
    expect(b.index - a.index).toBe(30);
  });
});
