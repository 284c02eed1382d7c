// Contract channels for structured skill assessment (rubric templates, a review's assessments) and the trainee
// page. Spread into contract.ts.
import { z } from 'zod';
import { Id } from './schemas';
import { AssessmentScoreInput, FocusText, ReviewAssessments, RubricEntry, TraineeSummary, TraineeView } from './schemas-assessment';

/** A template file's text may be at most 1 MB (a rubric is a few kilobytes). */
export const MAX_RUBRIC_TEXT = 1024 * 1024;

export const assessmentRequests = {
  /** The templates shipped with the app and those imported into this library. */
  'rubrics.list': { input: z.object({}).strict(), output: z.array(RubricEntry) },
  /** Imports a department's template (the JSON file's text): checked first; a bad file changes nothing. */
  'rubrics.import': {
    input: z
      .object({
        text: z.string().min(1, 'The file is empty.').max(MAX_RUBRIC_TEXT, 'A template file may be at most 1 MB.'),
        fileName: z.string().trim().max(255).optional(),
      })
      .strict(),
    output: RubricEntry,
  },
  /** The review's self-assessment and assessor's assessment, and which one this reviewer writes. */
  'assessments.get': { input: z.object({ reviewId: Id }).strict(), output: ReviewAssessments },
  /** Starts this reviewer's assessment with a template, or changes its template (the scores given so far go). */
  'assessments.setRubric': {
    input: z.object({ reviewId: Id, rubricId: z.string().min(1).max(64), rubricVersion: z.number().int().min(1).max(100000) }).strict(),
    output: ReviewAssessments,
  },
  /** Scores one step of this reviewer's assessment (score, comment, moment or segment: what is given changes). */
  'assessments.score': { input: AssessmentScoreInput, output: ReviewAssessments },
  /** This reviewer's "areas of focus". */
  'assessments.setFocus': { input: z.object({ reviewId: Id, focus: FocusText }).strict(), output: ReviewAssessments },
  /** Every operating surgeon named by a case, with their reviews and how many are assessed. */
  'trainees.list': { input: z.object({}).strict(), output: z.array(TraineeSummary) },
  /** One surgeon's reviews (oldest first) with their scores, for the chart. */
  'trainees.get': { input: z.object({ surgeon: z.string().trim().min(1, 'Choose a trainee.').max(120) }).strict(), output: TraineeView },
} as const;
