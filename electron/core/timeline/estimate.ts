// What "Analyse video" would take, said before it starts: the samples these settings give, the ones already
// analysed by the loaded model (kept, not run again), and the time the rest takes at this computer's measured
// analysis time (expected-times.ts). Scene sampling cannot know its count before ffmpeg has looked: at most one
// per interval.
import type { ExpectedTimes } from '../../api/schemas';
import type { TimelineEstimate } from '../../api/schemas-timeline';

export function timelineEstimate(o: { samples: number; atMost: boolean; alreadyDone: number; expected: ExpectedTimes | null }): TimelineEstimate {
  const toRun = Math.max(0, o.samples - o.alreadyDone);
  const perSampleMs = o.expected ? o.expected.analysisMs : null;
  return {
    samples: o.samples,
    atMost: o.atMost,
    alreadyDone: o.alreadyDone,
    perSampleMs,
    totalMs: perSampleMs === null ? null : Math.round(perSampleMs * toRun),
    basedOn: o.expected?.basedOn ?? 0,
    onCpu: o.expected?.onCpu ?? false,
  };
}
