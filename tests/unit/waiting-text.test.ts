// The words the app uses for a wait: clock times, rounded durations, the analysis panel's line and the phase
// timeline's estimate (what the reviewer reads before and during a long job).
import { describe, expect, it } from 'vitest';
import { aboutDuration, clock, estimateText, expectedText } from '../../renderer/src/analysis/wait-text';

const cpu = { basedOn: 12, device: 'cpu: AMD EPYC (2 threads)', onCpu: true, encodeMs: 257_000, firstTokenMs: 273_000, tokensPerSecond: 10.1, analysisMs: 320_000 };

describe('wait texts', () => {
  it('clock and rounded durations', () => {
    expect([clock(0), clock(42_400), clock(255_000), clock(3_723_000)]).toEqual(['0:00', '0:42', '4:15', '1:02:03']);
    expect([aboutDuration(400), aboutDuration(40_000), aboutDuration(255_000), aboutDuration(7_500_000)]).toEqual(['about 1 s', 'about 40 s', 'about 4 min', 'about 2 h 5 min']);
  });

  it('the analysis panel: the time so far, and the median here (the encode while encoding)', () => {
    expect(expectedText(42_000, cpu, true)).toBe('0:42 so far · an analysis takes about 5 min here (median of 12; the image encode about 4 min)');
    expect(expectedText(300_000, cpu, false)).toBe('5:00 so far · an analysis takes about 5 min here (median of 12)');
    expect(expectedText(3_000, null, true)).toBe('0:03 so far · the first analysis with this model here measures how long they take');
  });

  it('the timeline: samples, the ones done, the time left; on a slow CPU what to do instead', () => {
    const base = { samples: 85, atMost: false, alreadyDone: 0, perSampleMs: 320_000, totalMs: 85 * 320_000, basedOn: 12, onCpu: true };
    expect(estimateText(base)).toEqual({
      text: '85 samples · about 7 h 33 min on this computer (about 5 min per analysis, median of 12).',
      advice: 'The model runs on the CPU here: sample less often, or analyse on a GPU server (Settings → Engine).',
    });
    expect(estimateText({ ...base, onCpu: false, totalMs: 85 * 2_000, perSampleMs: 2_000 }).advice).toBeNull();
    expect(estimateText({ ...base, samples: 12, alreadyDone: 12, totalMs: 0 }).text).toBe('12 samples (12 analysed already) · nothing left to analyse (about 5 min per analysis, median of 12).');
    expect(estimateText({ ...base, atMost: true, perSampleMs: null, totalMs: null, basedOn: 0 }).text).toBe(
      'At most 85 samples. How long they take is not known yet: no analysis has run with this model on this computer; the first samples measure it.',
    );
  });
});
