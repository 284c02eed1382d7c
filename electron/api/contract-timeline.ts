// Contract channels and events for the phase timeline ("Analyse video"). Spread into contract.ts.
import { z } from 'zod';
import { Id } from './schemas';
import { PhaseMethod, TimelineEstimate, TimelineJob, TimelineProgress, TimelineSampling, TimelineView } from './schemas-timeline';

const review = z.object({ reviewId: Id }).strict();

export const timelineRequests = {
  /**
   * Starts analysing the review's video: a frame every `everySeconds` (or at scene changes), each stored as a captured
   * frame, analysed at low priority and given a phase. Samples already stored at the same frames are kept.
   */
  'timeline.start': {
    input: z
      .object({
        reviewId: Id,
        everySeconds: z.number().min(1, 'Sample at most once a second.').max(600, 'Sample at least every 10 minutes.'),
        sampling: TimelineSampling.optional(),
        method: PhaseMethod.optional(),
      })
      .strict(),
    output: TimelineJob,
  },
  /** Stops after cancelling the frame in progress (nothing half-stored); resume continues where it stopped. */
  'timeline.pause': { input: review, output: TimelineJob },
  'timeline.resume': { input: review, output: TimelineJob },
  /** Stops for good; the samples stored so far stay. */
  'timeline.cancel': { input: review, output: TimelineJob },
  /** The job (null when the video was never analysed) and its stored samples, by time. */
  'timeline.get': { input: review, output: TimelineView },
  /** Before "Analyse video": how many samples these settings take and how long, from this computer's own analyses. */
  'timeline.estimate': {
    input: z
      .object({
        reviewId: Id,
        everySeconds: z.number().min(1, 'Sample at most once a second.').max(600, 'Sample at least every 10 minutes.'),
        sampling: TimelineSampling.optional(),
      })
      .strict(),
    output: TimelineEstimate,
  },
} as const;

export const timelineEvents = {
  'timeline.progress': TimelineProgress,
} as const;
