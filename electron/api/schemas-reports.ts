// Schemas for review reports: the export options, the export job's progress, and the JSON report document
// (format "cataract-review-report", version 1). resources/report-schema/review-report-v1.schema.json is generated
// from ReviewReportV1 by scripts/report-schema.ts (`npm run report-schema`); a test keeps the two in step.
import { z } from 'zod';
import { Analysis, AnalysisTurn, Eye, Id, ReviewerRole } from './schemas';
import { ArrowGeometry, AuditEntry, FreehandGeometry, HexColor, Note, RectGeometry, Segment, Tag, TagKind, TextGeometry } from './schemas-review';
import { PhaseMethod, TimelineJobState, TimelineSampling } from './schemas-timeline';
import { Video } from './schemas-video';
import { AssessmentKind, RubricScalePoint, ScoreValue } from './schemas-assessment';

export const REPORT_FORMAT_ID = 'cataract-review-report';
export const REPORT_SCHEMA_VERSION = 1;
export const AI_DISCLAIMER = 'AI-generated, research use only, not for clinical decisions';

export const ReportFormat = z.enum(['pdf', 'html', 'json', 'csv', 'coco']);
export type ReportFormat = z.infer<typeof ReportFormat>;

/**
 * What goes into a report. De-identified by default: names, file names and free case notes stay out unless
 * the reviewer turns them on; file paths never go in.
 */
export const ReportFields = z
  .object({
    /** The case's surgeon. */
    surgeon: z.boolean().default(false),
    /** The reviewer: the header, the sign-off, and the author of every annotation, tag, note and audit entry. */
    reviewer: z.boolean().default(false),
    /** The video's and images' file names (which often carry a patient's name or record number). */
    fileNames: z.boolean().default(false),
    surgeryDate: z.boolean().default(true),
    /** The case's free-text notes (not the review's notes). */
    caseNotes: z.boolean().default(false),
    /** The model's "Thinking Process" (the Final Answer is always in). Off: also no raw model text. */
    thinking: z.boolean().default(false),
    /** The reviewer's notes on the review and on frames. */
    notes: z.boolean().default(true),
    /** The audit log of the review's annotations, tags, segments and notes (JSON only). */
    audit: z.boolean().default(true),
    /**
     * HTML/PDF: a section for every frame the phase timeline sampled. Off: only the frames the reviewer captured,
     * and sampled frames the reviewer annotated, tagged, wrote a note on or analysed again (the others are in the
     * timeline figure).
     */
    timelineFrames: z.boolean().default(false),
  })
  .strict();
export type ReportFields = z.infer<typeof ReportFields>;
export const DEFAULT_REPORT_FIELDS: ReportFields = ReportFields.parse({});

export const ReportOptions = z
  .object({
    fields: ReportFields.partial().strict().optional(),
    paperSize: z.enum(['A4', 'Letter']).optional(),
  })
  .strict();
export type ReportOptions = z.infer<typeof ReportOptions>;

export const ReportPreview = z.object({
  /** The first page of the PDF layout, as PNG. */
  png: z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'Expected PNG bytes.' }),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type ReportPreview = z.infer<typeof ReportPreview>;

export const ReportJobState = z.enum(['running', 'completed', 'failed', 'cancelled']);
export const ReportProgress = z.object({
  jobId: z.string(),
  reviewId: Id,
  state: ReportJobState,
  /** What it is doing now, in words ("Printing the PDF"). */
  step: z.string(),
  /** 0..1. */
  progress: z.number().min(0).max(1),
  /** Why it failed or was cancelled, for the reviewer. */
  message: z.string().nullable(),
  /** The files (or folders) written, once completed. */
  files: z.array(z.string()),
});
export type ReportProgress = z.infer<typeof ReportProgress>;

// --- The JSON report document ----------------------------------------------------------------------------

const hidden = (s: z.ZodString) => s.nullable().describe('null when the field was not included (de-identified).');

/** [x, y, width, height] in pixels of the stored frame, top-left origin (as COCO writes boxes). */
const PixelBox = z.tuple([z.number(), z.number(), z.number(), z.number()]);

const annotationMeta = {
  id: Id,
  frameId: Id,
  reviewId: Id.nullable(),
  label: z.string().nullable(),
  color: HexColor,
  author: hidden(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The shape's bounding box in pixels of the frame. */
  pixelBox: PixelBox.describe('[x, y, width, height] in pixels of the stored frame, from its top-left corner.'),
  /** The label as the report prints it (the taxonomy's name for a taxonomy id). */
  displayLabel: z.string().nullable(),
};
export const ReportAnnotation = z.discriminatedUnion('kind', [
  z.object({ ...annotationMeta, kind: z.literal('box'), geometry: RectGeometry }),
  z.object({ ...annotationMeta, kind: z.literal('ellipse'), geometry: RectGeometry }),
  z.object({ ...annotationMeta, kind: z.literal('arrow'), geometry: ArrowGeometry }),
  z.object({ ...annotationMeta, kind: z.literal('freehand'), geometry: FreehandGeometry }),
  z.object({ ...annotationMeta, kind: z.literal('text'), geometry: TextGeometry }),
]);
export type ReportAnnotation = z.infer<typeof ReportAnnotation>;

export const ReportTag = Tag.extend({ author: hidden(z.string()) });
export type ReportTag = z.infer<typeof ReportTag>;
export const ReportNote = Note.extend({ author: hidden(z.string()) });
export type ReportNote = z.infer<typeof ReportNote>;
export const ReportSegment = Segment.extend({
  author: hidden(z.string()),
  /** The phase's label and colour from the taxonomy (or the segment's own label). */
  displayLabel: z.string(),
  displayColor: HexColor.nullable(),
  /** The phase's name from the taxonomy (the id itself when the taxonomy does not know it); null without a phase. */
  phaseLabel: z.string().nullable(),
  /** Tags on this segment. */
  tags: z.array(ReportTag),
});
export type ReportSegment = z.infer<typeof ReportSegment>;

export const ReportAnalysis = Analysis.extend({
  /** The whole model text; null when the Thinking Process was left out (it holds the thinking). */
  rawText: z.string().nullable(),
  thinking: z.string().nullable(),
  /** The first 12 hex digits of provenance.modelSha256, as the documents print it. */
  modelShortHash: z.string().describe('The first 12 hex digits of provenance.modelSha256.'),
  /** Follow-up questions about the frame after this analysis, in order (each AI-generated answer with its provenance). */
  turns: z.array(AnalysisTurn).describe('Follow-up questions and the model answers, in order; every status.'),
});
export type ReportAnalysis = z.infer<typeof ReportAnalysis>;

export const ReportFrame = z.object({
  id: Id,
  /** The frame's index in the video (null for a still image). */
  frameIndex: z.number().int().nonnegative().nullable(),
  /** Its presentation time in seconds, and the same as HH:MM:SS.mmm. */
  mediaTime: z.number().nonnegative().nullable(),
  timecode: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  mime: z.enum(['image/png', 'image/jpeg']),
  /** sha256 of the stored image (the frame store's content address). */
  sha256: z.string(),
  bytes: z.number().int().nonnegative(),
  sourceName: hidden(z.string()),
  createdAt: z.string(),
  /** The phase timeline sampled this frame (Analyse video) rather than the reviewer capturing it. */
  timelineSample: z.boolean(),
  /** still: added to the case; capture: the reviewer captured it; sample: the phase timeline took it. */
  kind: z.enum(['still', 'capture', 'sample']),
  annotations: z.array(ReportAnnotation),
  tags: z.array(ReportTag),
  notes: z.array(ReportNote),
  /** Newest first, every status (completed, cancelled, failed). */
  analyses: z.array(ReportAnalysis),
});
export type ReportFrame = z.infer<typeof ReportFrame>;

/** The video's technical facts; its file name only when included, its path never. */
export const ReportVideo = Video.pick({
  id: true,
  container: true,
  codec: true,
  codecString: true,
  width: true,
  height: true,
  rotation: true,
  durationSeconds: true,
  frameCount: true,
  fps: true,
  variableFrameRate: true,
  sizeBytes: true,
  sha256: true,
}).extend({
  fileName: hidden(z.string()),
  /** The first frame's media time: timecodes count from it, mediaTime fields are exact media times. */
  startSeconds: z.number().optional(),
  /** The stream's colour tags, and the matrix and range the stored frames were converted with. */
  colour: z.object({ matrix: z.string(), fullRange: z.boolean(), tagged: z.boolean(), described: z.string() }).optional(),
  /** A recording joined from the recorder's files: each part, in order, with its frames and its start (from the first frame). */
  parts: z
    .array(
      z.object({
        index: z.number().int().nonnegative(),
        fileName: hidden(z.string()),
        firstFrame: z.number().int().nonnegative(),
        frameCount: z.number().int().nonnegative(),
        startSeconds: z.number(),
        durationSeconds: z.number(),
      }),
    )
    .optional(),
});
export type ReportVideo = z.infer<typeof ReportVideo>;

export const ReportTagSummary = z.object({
  kind: TagKind,
  value: z.string(),
  label: z.string(),
  /** Frames carrying it (frame indices, or frame ids for stills), and whether the whole review does. */
  frames: z.array(z.number().int()),
  review: z.boolean(),
  count: z.number().int().nonnegative(),
});
export type ReportTagSummary = z.infer<typeof ReportTagSummary>;

/** The model's phase timeline ("Analyse video"): one sample every N seconds or at scene changes. AI-generated. */
export const ReportPhaseTimeline = z.object({
  sampling: TimelineSampling,
  /** The sampling interval (for scene sampling: the shortest gap between samples). */
  intervalSeconds: z.number().positive(),
  method: PhaseMethod,
  /** The job's state when exported: anything but "done" means the timeline covers only part of the video. */
  state: TimelineJobState,
  samples: z.array(
    z.object({
      time: z.number().nonnegative(),
      timecode: z.string(),
      frameIndex: z.number().int().nonnegative(),
      /** The sample's stored frame (one of `frames`) and its analysis there; null if deleted since. */
      frameId: Id.nullable(),
      analysisId: Id.nullable(),
      /** A Cataract-1K phase id, or null when the model's text named none. */
      phase: z.string().nullable(),
      /** The phase's name from the taxonomy ("No phase named" for null). */
      label: z.string(),
      color: HexColor.nullable(),
      /** Which method gave the phase, and how sure it was (0..1). */
      method: z.enum(['matcher', 'followup']),
      confidence: z.number().min(0).max(1).nullable(),
    }),
  ),
});
export type ReportPhaseTimeline = z.infer<typeof ReportPhaseTimeline>;

/** One assessment of the review (the resident's self-assessment, or the assessor's), every step of its template in order. */
export const ReportAssessment = z.object({
  kind: AssessmentKind.describe('self: the resident scoring themselves; assessor: an attending or educator.'),
  rubric: z.object({ id: z.string(), version: z.number().int(), name: z.string() }),
  scale: z.array(RubricScalePoint),
  author: hidden(z.string()),
  authorRole: ReviewerRole,
  /** "Areas of focus". */
  focus: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  steps: z.array(
    z.object({
      stepId: z.string(),
      name: z.string(),
      group: z.string().nullable(),
      /** A score of the scale, "na" (not applicable), "preceptor" (done by the preceptor), or null (not scored). */
      value: ScoreValue,
      /** The score's or mark's label ("Competent"); null when not scored. */
      label: z.string().nullable(),
      comment: z.string(),
      /** The video moment the step judges (frame index and timecode from the first frame), or null. */
      frameIndex: z.number().int().nonnegative().nullable(),
      timecode: z.string().nullable(),
      /** The phase segment it judges, with the segment's label, or null. */
      segmentId: Id.nullable(),
      segmentLabel: z.string().nullable(),
    }),
  ),
});
export type ReportAssessment = z.infer<typeof ReportAssessment>;

/** Teaching mode: each resident response on a frame or segment, beside the model's analysis and the notes there. */
export const ReportTeaching = z.object({
  mode: z
    .object({ setBy: hidden(z.string()), setRole: z.enum(['attending', 'educator']), setAt: z.string() })
    .nullable()
    .describe('Who put the review in teaching mode, and when; null when it is not in teaching mode now.'),
  items: z.array(
    z.object({
      frameId: Id.nullable(),
      segmentId: Id.nullable(),
      /** The frame's index, or the segment's first frame. */
      frameIndex: z.number().int().nonnegative().nullable(),
      timecode: z.string().nullable(),
      /** "Frame 40" or the segment's label. */
      target: z.string(),
      responses: z.array(
        z.object({ author: hidden(z.string()), authorRole: ReviewerRole, seen: z.string(), nextStep: z.string(), createdAt: z.string(), updatedAt: z.string() }),
      ),
      /** The model's latest completed analysis there (AI-generated, research use only); null when none. */
      analysis: z.object({ analysisId: Id, frameIndex: z.number().int().nonnegative().nullable(), answer: z.string(), model: z.string(), completedAt: z.string() }).nullable(),
      /** The notes there (the segment's own note for a segment); empty when notes were left out. */
      notes: z.array(z.object({ author: hidden(z.string()), text: z.string(), updatedAt: z.string() })),
    }),
  ),
});
export type ReportTeaching = z.infer<typeof ReportTeaching>;

export const ReviewReportV1 = z
  .object({
    format: z.literal(REPORT_FORMAT_ID).describe('Always "cataract-review-report".'),
    version: z.literal(REPORT_SCHEMA_VERSION).describe('The format version; a reader checks it (resources/report-schema/README.md).'),
    generatedAt: z.string().describe('When the report was exported (ISO 8601).'),
    generator: z.object({ name: z.string(), version: z.string() }),
    disclaimer: z.literal(AI_DISCLAIMER).describe('Applies to every analysis in the report.'),
    /** What was included: the de-identification choices made at export. */
    fields: ReportFields.describe('What was included: the de-identification choices made at export.'),
    case: z.object({
      id: Id,
      code: z.string(),
      surgeryDate: z.string().nullable(),
      eye: Eye.nullable(),
      surgeon: hidden(z.string()),
      notes: hidden(z.string()),
    }),
    review: z.object({
      id: Id,
      status: z.enum(['draft', 'final']),
      reviewer: hidden(z.string()),
      lastFrameIndex: z.number().int().nonnegative(),
      createdAt: z.string(),
      updatedAt: z.string(),
      finalisedAt: z.string().nullable(),
      /** Who signed it off (hidden with the reviewer) and their role then. */
      finalisedBy: hidden(z.string()),
      finalisedRole: ReviewerRole.nullable(),
    }),
    video: ReportVideo
      .nullable(),
    segments: z.array(ReportSegment).describe('Phase segments, in time order.'),
    phaseTimeline: ReportPhaseTimeline.nullable().describe("The model's phase samples (Analyse video); null when the video was never analysed."),
    /** Ordered by media time (stills last). */
    frames: z.array(ReportFrame).describe('The captured frames in time order, each with its annotations, tags, notes and analyses.'),
    /** Tags and notes on the whole review (not on one frame). */
    reviewTags: z.array(ReportTag),
    reviewNotes: z.array(ReportNote),
    summary: z.object({
      tags: z.array(ReportTagSummary),
      frames: z.number().int().nonnegative(),
      annotations: z.number().int().nonnegative(),
      analyses: z.number().int().nonnegative(),
      notes: z.number().int().nonnegative(),
    }),
    signOff: z
      .object({
        reviewer: hidden(z.string()),
        /** resident, attending or educator, as Settings said when the review was finalised. */
        role: ReviewerRole.nullable(),
        finalisedAt: z.string(),
      })
      .nullable()
      .describe('Set for a finalised review.'),
    assessments: z
      .array(ReportAssessment)
      .optional()
      .describe('Structured skill assessment: the self-assessment and the assessor\'s, each step scored on the template\'s scale (absent in reports made before assessments existed).'),
    teaching: ReportTeaching.optional().describe("Teaching mode: the residents' responses, each beside the model's analysis and the notes on the same frame or segment (absent in reports made before teaching mode existed)."),
    /** Newest first; null when left out. Authors inside before/after are hidden like everywhere else. */
    audit: z.array(AuditEntry.extend({ actor: hidden(z.string()) })).nullable(),
  })
  .describe('A cataract surgery video review exported by the Cataract Review Workstation (format version 1).');
export type ReviewReportV1 = z.infer<typeof ReviewReportV1>;
