// Work ahead's pure decisions: which captured frame is encoded next (the open review's first, then the most recently
// captured, each image once, within half the embedding cache), and whether a request waits for the encode under way
// or ends it (the expected remaining encode against the cost of reloading the model).
import { describe, expect, it } from 'vitest';
import { MAX_WORK_AHEAD_FRAMES, workAheadBudget, workAheadOrder } from '../../electron/core/analysis/work-ahead';
import { DEFAULT_EMBEDDING_CACHE_BYTES, HEADER_BYTES } from '../../electron/inference/embedding-cache';
import { createEncodeTimes, PROCESS_START_MS, yieldToRequest, type YieldFacts } from '../../electron/inference/work-ahead-policy';

const f = (id: number, sha = `sha-${id}`) => ({ id, sha256: sha });

describe('which frame work ahead encodes next', () => {
  it("takes the open review's captures first, then the most recently captured elsewhere, each image once", () => {
    const open = [f(12), f(11)];
    const recent = [f(30), f(12), f(20), f(21, 'sha-11')];
    expect(workAheadOrder(open, recent, 10).map((x) => x.id)).toEqual([12, 11, 30, 20]);
    expect(workAheadOrder([], recent, 10).map((x) => x.id)).toEqual([30, 12, 20, 21]);
  });

  it('stops at the budget', () => {
    expect(workAheadOrder([f(1), f(2)], [f(3), f(4)], 3).map((x) => x.id)).toEqual([1, 2, 3]);
    expect(workAheadOrder([f(1)], [f(2)], 0)).toEqual([]);
  });

  it('fills at most half the embedding cache, and never more than the frame cap', () => {
    const real = { imageTokens: 256, embeddingLength: 2560 };
    const perFrame = HEADER_BYTES + 256 * 2560 * 4;
    expect(workAheadBudget(DEFAULT_EMBEDDING_CACHE_BYTES, real)).toBe(Math.min(MAX_WORK_AHEAD_FRAMES, Math.floor(DEFAULT_EMBEDDING_CACHE_BYTES / 2 / perFrame)));
    expect(workAheadBudget(10 * perFrame, real)).toBe(5);
    expect(workAheadBudget(perFrame, real)).toBe(0);
    expect(workAheadBudget(DEFAULT_EMBEDDING_CACHE_BYTES, { imageTokens: 16, embeddingLength: 64 })).toBe(MAX_WORK_AHEAD_FRAMES);
  });
});

describe('a request arriving while a frame is encoded ahead', () => {
  const real: YieldFacts = { requestFrameKey: 'b', encodingFrameKey: 'a', elapsedMs: 10_000, expectedEncodeMs: 260_000, loadMs: 18_000, graceMs: 1_000 };

  it('about the frame being encoded: waits for it, however long (the analysis then uses its embedding)', () => {
    expect(yieldToRequest({ ...real, requestFrameKey: 'a' })).toEqual({ waitMs: Infinity, reason: 'same-frame' });
    expect(yieldToRequest({ ...real, requestFrameKey: 'a', expectedEncodeMs: null })).toEqual({ waitMs: Infinity, reason: 'same-frame' });
  });

  it('at the real size on a CPU (minutes left, an 18 s reload): ends it at once', () => {
    expect(yieldToRequest(real)).toEqual({ waitMs: 0, reason: 'long-encode' });
    expect(yieldToRequest({ ...real, requestFrameKey: null })).toEqual({ waitMs: 0, reason: 'long-encode' });
  });

  it('near the end of a long encode (less left than a reload costs): waits, at most about a reload', () => {
    expect(yieldToRequest({ ...real, elapsedMs: 250_000 })).toEqual({ waitMs: 18_000 + PROCESS_START_MS, reason: 'nearly-done' });
    // Running past its estimate: nothing left by the estimate, still bounded by the reload.
    expect(yieldToRequest({ ...real, elapsedMs: 400_000 })).toEqual({ waitMs: 18_000 + PROCESS_START_MS, reason: 'nearly-done' });
  });

  it('a small model (milliseconds to encode): lets it finish', () => {
    expect(yieldToRequest({ ...real, elapsedMs: 2, expectedEncodeMs: 8, loadMs: 400 })).toEqual({ waitMs: 1_400, reason: 'nearly-done' });
  });

  it('nothing measured yet: the grace a cancel gets (a small encode ends within it, a large one is ended)', () => {
    expect(yieldToRequest({ ...real, expectedEncodeMs: null })).toEqual({ waitMs: 1_000, reason: 'unmeasured' });
    expect(yieldToRequest({ ...real, loadMs: null })).toEqual({ waitMs: 1_000, reason: 'unmeasured' });
  });

  it('the expected encode is the median of the latest measured ones', () => {
    const t = createEncodeTimes(3);
    expect(t.expected()).toBeNull();
    t.add(100);
    t.add(0); // not a measurement (a stored embedding)
    t.add(300);
    expect(t.expected()).toBe(200);
    t.add(250);
    t.add(260_000);
    expect(t.expected()).toBe(300); // 300, 250, 260000: the median resists one outlier
    t.clear();
    expect(t.expected()).toBeNull();
  });
});
