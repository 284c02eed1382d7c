// Schemas for structured skill assessment: rubric templates (resources/rubrics/, or imported by a department into
// the library), a review's assessments (the resident's self-assessment and the assessor's, step by step) and the
// trainee page (an operating surgeon's scores over their cases).
import { z } from 'zod';
import { Id, ReviewerRole } from './schemas';

const slug = z
  .string()
  .trim()
  .min(1, 'Give an id.')
  .max(64, 'An id has at most 64 characters.')
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'Use lower-case letters, digits, dot, dash or underscore (for example "phaco-step-3").');

/** The two answers that are not a score: the step did not apply, or the preceptor did it. */
export const ScoreMark = z.enum(['na', 'preceptor']);
export type ScoreMark = z.infer<typeof ScoreMark>;
export const DEFAULT_MARK_LABELS: Record<ScoreMark, string> = { na: 'Not applicable', preceptor: 'Done by preceptor' };

export const RubricScalePoint = z
  .object({ value: z.number().int('A score is a whole number.').min(0).max(100), label: z.string().trim().min(1, 'Give each score a label.').max(60) })
  .strict();
export type RubricScalePoint = z.infer<typeof RubricScalePoint>;

export const RubricStep = z
  .object({
    id: slug,
    name: z.string().trim().min(1, 'Give each step a name.').max(200, 'A step name has at most 200 characters.'),
    /** A heading the step is listed under ("Global indices"). */
    group: z.string().trim().max(80).optional(),
    /** What each score looks like for this step, by score value ("2": "…"): the department's own wording. */
    descriptors: z.record(z.string().regex(/^\d{1,3}$/, 'Descriptors are keyed by a score of the scale ("2", "3", …).'), z.string().trim().max(1000)).optional(),
  })
  .strict();
export type RubricStep = z.infer<typeof RubricStep>;

export const RubricTemplate = z
  .object({
    id: slug,
    name: z.string().trim().min(1, 'Give the template a name.').max(120),
    version: z.number().int('The version is a whole number (1, 2, …).').min(1).max(100000),
    description: z.string().trim().max(2000).optional(),
    /** The scale, lowest first. */
    scale: z.array(RubricScalePoint).min(2, 'A scale has at least two scores.').max(10, 'A scale has at most ten scores.'),
    /** Which non-numeric answers a step may take, with the template's own wording. */
    marks: z
      .array(z.object({ id: ScoreMark, label: z.string().trim().min(1).max(60) }).strict())
      .max(2)
      .default([
        { id: 'na', label: DEFAULT_MARK_LABELS.na },
        { id: 'preceptor', label: DEFAULT_MARK_LABELS.preceptor },
      ]),
    steps: z.array(RubricStep).min(1, 'A template has at least one step.').max(60, 'A template has at most 60 steps.'),
  })
  .strict()
  .superRefine((t, ctx) => {
    const values = t.scale.map((s) => s.value);
    if (new Set(values).size !== values.length) ctx.addIssue({ code: 'custom', path: ['scale'], message: 'Each score of the scale must have its own value.' });
    if (values.some((v, i) => i > 0 && v <= values[i - 1]!)) ctx.addIssue({ code: 'custom', path: ['scale'], message: 'List the scale lowest score first.' });
    const marks = t.marks.map((m) => m.id);
    if (new Set(marks).size !== marks.length) ctx.addIssue({ code: 'custom', path: ['marks'], message: 'List "na" and "preceptor" once each.' });
    const seen = new Set<string>();
    t.steps.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `Step id "${s.id}" is used twice; each step needs its own id.` });
      seen.add(s.id);
      for (const key of Object.keys(s.descriptors ?? {})) {
        if (!values.includes(Number(key))) ctx.addIssue({ code: 'custom', path: ['steps', i, 'descriptors', key], message: `There is no score ${key} on the scale (${values.join(', ')}).` });
      }
    });
  });
export type RubricTemplate = z.infer<typeof RubricTemplate>;

/** A template as the app lists it: shipped with the app (builtin) or imported into this library. */
export const RubricEntry = z.object({
  template: RubricTemplate,
  source: z.enum(['builtin', 'library']),
  importedAt: z.string().nullable(),
  importedBy: z.string().nullable(),
});
export type RubricEntry = z.infer<typeof RubricEntry>;

/** A step's answer: a score of the scale, a mark, or nothing yet. */
export const ScoreValue = z.union([z.number().int().min(0).max(100), ScoreMark]).nullable();
export type ScoreValue = z.infer<typeof ScoreValue>;

/** self: the resident scoring themselves; assessor: an attending or educator. Decided by the role in Settings. */
export const AssessmentKind = z.enum(['self', 'assessor']);
export type AssessmentKind = z.infer<typeof AssessmentKind>;
export const ASSESSMENT_KIND_LABELS: Record<AssessmentKind, string> = { self: 'Self-assessment', assessor: 'Assessor' };

export const StepScore = z.object({
  stepId: z.string(),
  value: ScoreValue,
  comment: z.string(),
  /** The video moment the step judges (a frame of the review's video), or null. */
  frameIndex: z.number().int().nonnegative().nullable(),
  mediaTime: z.number().nonnegative().nullable(),
  /** Or the phase segment it judges. */
  segmentId: Id.nullable(),
  updatedAt: z.string(),
});
export type StepScore = z.infer<typeof StepScore>;

export const Assessment = z.object({
  id: Id,
  reviewId: Id,
  kind: AssessmentKind,
  rubricId: z.string(),
  rubricVersion: z.number().int(),
  author: z.string(),
  authorRole: ReviewerRole,
  /** "Areas of focus": what the trainee should work on next. */
  focus: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  scores: z.array(StepScore),
});
export type Assessment = z.infer<typeof Assessment>;

export const ReviewAssessments = z.object({
  reviewId: Id,
  self: Assessment.nullable(),
  assessor: Assessment.nullable(),
  /** Which one this reviewer writes (their role in Settings); null until a role is set. */
  myKind: AssessmentKind.nullable(),
  /** The templates the assessments use (from the library, so they travel with it). */
  rubrics: z.array(RubricTemplate),
});
export type ReviewAssessments = z.infer<typeof ReviewAssessments>;

export const StepComment = z.string().max(4000, 'A comment has at most 4,000 characters.');
export const FocusText = z.string().max(4000, 'Areas of focus have at most 4,000 characters.');

export const AssessmentScoreInput = z
  .object({
    reviewId: Id,
    stepId: z.string().min(1).max(64),
    value: ScoreValue.optional(),
    comment: StepComment.optional(),
    /** The frame on screen; null clears it. */
    moment: z.object({ frameIndex: z.number().int().nonnegative(), mediaTime: z.number().nonnegative() }).strict().nullable().optional(),
    segmentId: Id.nullable().optional(),
  })
  .strict();
export type AssessmentScoreInput = z.infer<typeof AssessmentScoreInput>;

// --- The trainee page -------------------------------------------------------------------------------------

export const TraineeSummary = z.object({
  /** The operating surgeon, as the cases name them. */
  surgeon: z.string(),
  cases: z.number().int().nonnegative(),
  reviews: z.number().int().nonnegative(),
  /** Reviews with an assessment (either kind). */
  assessed: z.number().int().nonnegative(),
});
export type TraineeSummary = z.infer<typeof TraineeSummary>;

const ChartScores = z.object({
  rubricId: z.string(),
  rubricVersion: z.number().int(),
  scores: z.array(z.object({ stepId: z.string(), value: ScoreValue })),
  focus: z.string(),
  author: z.string(),
});

export const TraineeReview = z.object({
  reviewId: Id,
  caseId: Id,
  caseCode: z.string(),
  /** The surgery date, or the day the review was started when the case has none (YYYY-MM-DD). */
  date: z.string(),
  status: z.enum(['draft', 'final']),
  self: ChartScores.nullable(),
  assessor: ChartScores.nullable(),
});
export type TraineeReview = z.infer<typeof TraineeReview>;

export const TraineeView = z.object({
  surgeon: z.string(),
  /** Oldest first. */
  reviews: z.array(TraineeReview),
  rubrics: z.array(RubricTemplate),
});
export type TraineeView = z.infer<typeof TraineeView>;
