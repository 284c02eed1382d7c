// Contract channels and events for teaching clips (an annotated range of a review's video as MP4). Spread into
// contract.ts.
import { z } from 'zod';
import { Id } from './schemas';
import { ClipOptions, ClipProgress } from './schemas-clips';

export const clipRequests = {
  /**
   * Starts writing the clip into an existing folder (a free name: <case>-review-<id>-frames-<from>-<to>.mp4);
   * progress and the result come as clips.progress.
   */
  'clips.export': {
    input: z.object({ reviewId: Id, folder: z.string().trim().min(1, 'Choose the folder to export into.').max(4096), options: ClipOptions }).strict(),
    output: z.object({ jobId: z.string() }),
  },
  'clips.cancel': { input: z.object({ jobId: z.string().min(1).max(100) }).strict(), output: z.object({ cancelled: z.boolean() }) },
} as const;

export const clipEvents = {
  'clips.progress': ClipProgress,
} as const;
