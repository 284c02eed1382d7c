// The strip's "smooth isolated flips" display option: pure, one-sample flips only, never cascading.
import { describe, expect, it } from 'vitest';
import { smoothIsolatedFlips, unsmoothed } from '../../renderer/src/review/timeline/smooth';

const cells = (...phases: Array<string | null>) => phases.map((phase, i) => ({ phase, frameIndex: i * 150 }));
const shown = (xs: Array<{ phase: string | null }>) => xs.map((x) => x.phase);

describe('smoothIsolatedFlips', () => {
  it('shows a single flip between two samples of one phase as that phase, and says it did', () => {
    const out = smoothIsolatedFlips(cells('phaco', 'phaco', 'incision', 'phaco', 'phaco'));
    expect(shown(out)).toEqual(['phaco', 'phaco', 'phaco', 'phaco', 'phaco']);
    expect(out[2]).toMatchObject({ phase: 'phaco', storedPhase: 'incision', smoothed: true, frameIndex: 300 });
    expect(out.filter((x) => x.smoothed)).toHaveLength(1);
  });

  it('fills an isolated sample without a phase', () => {
    expect(shown(smoothIsolatedFlips(cells('rhexis', 'rhexis', null, 'rhexis')))).toEqual(['rhexis', 'rhexis', 'rhexis', 'rhexis']);
  });

  it('keeps runs of two, changes between different phases, the ends, and gaps of unknown', () => {
    expect(shown(smoothIsolatedFlips(cells('a', 'b', 'b', 'a')))).toEqual(['a', 'b', 'b', 'a']);
    expect(shown(smoothIsolatedFlips(cells('a', 'b', 'c')))).toEqual(['a', 'b', 'c']);
    expect(shown(smoothIsolatedFlips(cells('b', 'a', 'a', 'c')))).toEqual(['b', 'a', 'a', 'c']);
    expect(shown(smoothIsolatedFlips(cells(null, 'a', null)))).toEqual([null, 'a', null]);
    expect(shown(smoothIsolatedFlips(cells('a')))).toEqual(['a']);
    expect(smoothIsolatedFlips([])).toEqual([]);
  });

  it('leaves an alternation as stored (real uncertainty), but smooths a flip between two equal neighbours', () => {
    expect(shown(smoothIsolatedFlips(cells('a', 'b', 'a', 'b', 'a')))).toEqual(['a', 'b', 'a', 'b', 'a']);
    expect(shown(smoothIsolatedFlips(cells('b', 'a', 'b', 'a', 'a')))).toEqual(['b', 'a', 'a', 'a', 'a']);
    expect(shown(smoothIsolatedFlips(cells('a', 'b', 'a', 'a')))).toEqual(['a', 'a', 'a', 'a']);
    expect(shown(smoothIsolatedFlips(cells('x', 'a', 'b', 'a', 'y')))).toEqual(['x', 'a', 'a', 'a', 'y']);
  });

  it('never changes its input (the stored samples)', () => {
    const input = cells('a', 'b', 'a');
    const copy = structuredClone(input);
    smoothIsolatedFlips(input);
    expect(input).toEqual(copy);
    expect(unsmoothed(input).map((x) => [x.phase, x.storedPhase, x.smoothed])).toEqual([
      ['a', 'a', false],
      ['b', 'b', false],
      ['a', 'a', false],
    ]);
  });
});
