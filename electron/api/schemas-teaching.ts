// Teaching mode: a review an attending or educator puts in teaching mode; on each captured frame or phase segment
// the resident writes what they see and what they would do next before the model's analysis and the attending's
// notes are shown to them. Imported by contract-teaching.ts and the report schema.
import { z } from 'zod';
import { Id, ReviewerRole } from './schemas';

export const TEACHING_TEXT_MAX = 5_000;
export const TeachingText = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Write ${what}.`)
    .max(TEACHING_TEXT_MAX, `Each answer has at most ${TEACHING_TEXT_MAX.toLocaleString('en')} characters.`);

/** A captured frame or a phase segment of the review: exactly one of the two. */
export const TeachingTarget = z
  .object({ frameId: Id.optional(), segmentId: Id.optional() })
  .strict()
  .refine((t) => (t.frameId === undefined) !== (t.segmentId === undefined), { message: 'Give a captured frame or a segment (one of the two).', path: ['frameId'] });
export type TeachingTarget = z.infer<typeof TeachingTarget>;

export const TeachingMode = z.object({
  reviewId: Id,
  setBy: z.string(),
  setRole: z.enum(['attending', 'educator']),
  setAt: z.string(),
});
export type TeachingMode = z.infer<typeof TeachingMode>;

export const TeachingResponse = z.object({
  id: Id,
  reviewId: Id,
  frameId: Id.nullable(),
  segmentId: Id.nullable(),
  /** What the resident sees. */
  seen: z.string(),
  /** What they would do next. */
  nextStep: z.string(),
  author: z.string(),
  authorRole: ReviewerRole,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TeachingResponse = z.infer<typeof TeachingResponse>;

/** The review's teaching mode as this reviewer (Settings) sees it. */
export const TeachingState = z.object({
  reviewId: Id,
  /** null: the review is not in teaching mode. */
  mode: TeachingMode.nullable(),
  /** The reviewer as Settings name them. */
  name: z.string(),
  role: ReviewerRole.nullable(),
  /** True when teaching mode is on and the reviewer is not an attending or educator: the analysis and others' notes wait for their response. */
  gated: z.boolean(),
  /** The responses this reviewer may read: a resident their own, an attending or educator everyone's. */
  responses: z.array(TeachingResponse),
});
export type TeachingState = z.infer<typeof TeachingState>;

/** What a resident sees after saving (and an attending at any time): the three side by side. */
export const TeachingReveal = z.object({
  reviewId: Id,
  frameId: Id.nullable(),
  segmentId: Id.nullable(),
  responses: z.array(TeachingResponse),
  /** The latest completed analysis of the frame (for a segment: of a frame captured within it); null when none. */
  analysis: z
    .object({
      id: Id,
      frameId: Id,
      frameIndex: z.number().int().nonnegative().nullable(),
      thinking: z.string().nullable(),
      answer: z.string(),
      model: z.string(),
      createdAt: z.string(),
    })
    .nullable(),
  /** The notes on the frame (for a segment: the segment's own note), with who wrote them and when. */
  notes: z.array(z.object({ id: Id, kind: z.enum(['note', 'segment']), text: z.string(), author: z.string(), updatedAt: z.string() })),
});
export type TeachingReveal = z.infer<typeof TeachingReveal>;
