// Contract channels for teaching mode (schemas-teaching.ts). Spread into contract.ts.
import { z } from 'zod';
import { Id } from './schemas';
import { TeachingReveal, TeachingState, TeachingTarget, TeachingText } from './schemas-teaching';

export const teachingRequests = {
  /** Whether the review is in teaching mode, and the responses this reviewer may read. */
  'teaching.get': { input: z.object({ reviewId: Id }).strict(), output: TeachingState },
  /** An attending or educator puts the review in teaching mode, or takes it out (audited; refused on a finalised review). */
  'teaching.setMode': { input: z.object({ reviewId: Id, on: z.boolean() }).strict(), output: TeachingState },
  /** The resident's response on a frame or segment (creates it, or updates their own); audited; refused on a finalised review. */
  'teaching.respond': {
    input: z.object({ reviewId: Id, target: TeachingTarget, seen: TeachingText('what you see'), nextStep: TeachingText('what you would do next') }).strict(),
    output: TeachingState,
  },
  /** The responses, the model's analysis and the notes side by side; refused to a resident who has not answered yet. */
  'teaching.reveal': { input: z.object({ reviewId: Id, target: TeachingTarget }).strict(), output: TeachingReveal },
} as const;
