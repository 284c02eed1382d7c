// Schemas for what a reviewer adds to a review: annotations on frames, tags, phase segments, notes, the
// audit log, library search, and the recovery screen's view of the library file.
import { z } from 'zod';
import { Id } from './schemas';

/** A colour as the colour picker writes it. */
export const HexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'A colour is written #rrggbb.');

/** A coordinate in normalised frame space: 0 is the left/top edge of the frame, 1 the right/bottom edge. */
const unit = z.number().min(0, 'Coordinates are fractions of the frame, from 0 to 1.').max(1, 'Coordinates are fractions of the frame, from 0 to 1.');
/** A width or height, as a fraction of the frame's width or height. */
const extent = z.number().min(0).max(1, 'A size is a fraction of the frame, at most 1.');

export const RectGeometry = z.object({ x: unit, y: unit, w: extent, h: extent }).strict();
export const ArrowGeometry = z.object({ x1: unit, y1: unit, x2: unit, y2: unit }).strict();
export const FreehandGeometry = z
  .object({
    /** x0, y0, x1, y1, …: at least two points, at most 10,000. */
    points: z.array(unit).min(4, 'A freehand stroke has at least two points.').max(20_000, 'A freehand stroke has at most 10,000 points.'),
  })
  .strict()
  .refine((g) => g.points.length % 2 === 0, { message: 'Freehand points come in x, y pairs.', path: ['points'] });
export const TextGeometry = z
  .object({ x: unit, y: unit, text: z.string().trim().min(1, 'Enter the text.').max(500, 'A text annotation has at most 500 characters.') })
  .strict();

export const AnnotationKind = z.enum(['box', 'arrow', 'ellipse', 'freehand', 'text']);
export type AnnotationKind = z.infer<typeof AnnotationKind>;

/** The geometry schema for each kind (box and ellipse share the rectangle: an ellipse is drawn in its box). */
export const GEOMETRY_BY_KIND = {
  box: RectGeometry,
  ellipse: RectGeometry,
  arrow: ArrowGeometry,
  freehand: FreehandGeometry,
  text: TextGeometry,
} as const;

export const AnyGeometry = z.union([RectGeometry, ArrowGeometry, FreehandGeometry, TextGeometry]);
export type RectGeometry = z.infer<typeof RectGeometry>;
export type ArrowGeometry = z.infer<typeof ArrowGeometry>;
export type FreehandGeometry = z.infer<typeof FreehandGeometry>;
export type TextGeometry = z.infer<typeof TextGeometry>;

/** A taxonomy id (e.g. 'capsulorhexis') or a free label; null for none. */
export const AnnotationLabel = z.string().trim().min(1).max(120, 'A label has at most 120 characters.').nullable();

/** The shape of an annotation: its kind and the geometry that kind uses. */
export const AnnotationShape = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('box'), geometry: RectGeometry }),
  z.object({ kind: z.literal('ellipse'), geometry: RectGeometry }),
  z.object({ kind: z.literal('arrow'), geometry: ArrowGeometry }),
  z.object({ kind: z.literal('freehand'), geometry: FreehandGeometry }),
  z.object({ kind: z.literal('text'), geometry: TextGeometry }),
]);
export type AnnotationShape = z.infer<typeof AnnotationShape>;

const annotationMeta = {
  id: Id,
  frameId: Id,
  /** The review the frame was captured in; null for a still image added to a case. */
  reviewId: Id.nullable(),
  label: z.string().nullable(),
  color: HexColor,
  author: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
};
export const Annotation = z.discriminatedUnion('kind', [
  z.object({ ...annotationMeta, kind: z.literal('box'), geometry: RectGeometry }),
  z.object({ ...annotationMeta, kind: z.literal('ellipse'), geometry: RectGeometry }),
  z.object({ ...annotationMeta, kind: z.literal('arrow'), geometry: ArrowGeometry }),
  z.object({ ...annotationMeta, kind: z.literal('freehand'), geometry: FreehandGeometry }),
  z.object({ ...annotationMeta, kind: z.literal('text'), geometry: TextGeometry }),
]);
export type Annotation = z.infer<typeof Annotation>;

const createMeta = { frameId: Id, label: AnnotationLabel.optional(), color: HexColor.optional() };
/** annotations.create: the frame, the kind with its geometry, and optionally a label and colour. */
export const AnnotationCreate = z.discriminatedUnion('kind', [
  z.object({ ...createMeta, kind: z.literal('box'), geometry: RectGeometry }).strict(),
  z.object({ ...createMeta, kind: z.literal('ellipse'), geometry: RectGeometry }).strict(),
  z.object({ ...createMeta, kind: z.literal('arrow'), geometry: ArrowGeometry }).strict(),
  z.object({ ...createMeta, kind: z.literal('freehand'), geometry: FreehandGeometry }).strict(),
  z.object({ ...createMeta, kind: z.literal('text'), geometry: TextGeometry }).strict(),
]);
export type AnnotationCreate = z.infer<typeof AnnotationCreate>;

/** annotations.update: the kind never changes; a geometry must be the annotation's kind's (checked by the service). */
export const AnnotationPatch = z
  .object({ geometry: AnyGeometry.optional(), label: AnnotationLabel.optional(), color: HexColor.optional() })
  .strict()
  .refine((p) => p.geometry !== undefined || p.label !== undefined || p.color !== undefined, 'Change at least one of geometry, label or colour.');
export type AnnotationPatch = z.infer<typeof AnnotationPatch>;

export const TagKind = z.enum(['phase', 'instrument', 'anatomy', 'finding', 'severity', 'free']);
export type TagKind = z.infer<typeof TagKind>;
/** A taxonomy id for the vocabulary kinds (phase … severity), any short text for 'free'. */
export const TagValue = z.string().trim().min(1, 'Enter the tag.').max(80, 'A tag has at most 80 characters.');

export const Tag = z.object({
  id: Id,
  reviewId: Id,
  /** null: the tag is about the whole review (or a segment); else about this frame. */
  frameId: Id.nullable(),
  /** Set for a tag on one of the review's phase segments. */
  segmentId: Id.nullable(),
  kind: TagKind,
  value: z.string(),
  /** What the UI shows: the vocabulary's label, or the free text. */
  label: z.string(),
  author: z.string(),
  createdAt: z.string(),
});
export type Tag = z.infer<typeof Tag>;

export const SegmentInput = z.object({
  startFrame: z.number().int().nonnegative(),
  endFrame: z.number().int().nonnegative(),
  /** Seconds on the video's timeline (the pts of the start and end frames). */
  startTime: z.number().nonnegative(),
  endTime: z.number().nonnegative(),
  /** A phase id from the taxonomy, or null for a free label. */
  phase: z.string().trim().min(1).max(80).nullable(),
  label: z.string().trim().max(120, 'A label has at most 120 characters.'),
  note: z.string().max(5_000, 'A segment note has at most 5,000 characters.'),
});
const orderedRange = (s: { startFrame?: number | undefined; endFrame?: number | undefined; startTime?: number | undefined; endTime?: number | undefined }) =>
  (s.startFrame === undefined || s.endFrame === undefined || s.endFrame >= s.startFrame) &&
  (s.startTime === undefined || s.endTime === undefined || s.endTime >= s.startTime);
export const SegmentCreate = SegmentInput.extend({ reviewId: Id, label: SegmentInput.shape.label.optional(), note: SegmentInput.shape.note.optional() })
  .strict()
  .refine(orderedRange, { message: 'A segment ends at or after its start.', path: ['endFrame'] });
export const SegmentPatch = SegmentInput.partial()
  .strict()
  .refine(orderedRange, { message: 'A segment ends at or after its start.', path: ['endFrame'] })
  .refine((p) => Object.keys(p).length > 0, 'Change at least one field.');

export const Segment = SegmentInput.extend({
  id: Id,
  reviewId: Id,
  author: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Segment = z.infer<typeof Segment>;

export const NoteText = z.string().trim().min(1, 'Write the note.').max(20_000, 'A note has at most 20,000 characters.');
export const Note = z.object({
  id: Id,
  reviewId: Id,
  /** null: a note on the whole review; else on this frame. */
  frameId: Id.nullable(),
  text: z.string(),
  author: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Note = z.infer<typeof Note>;

export const AuditEntity = z.enum(['annotation', 'tag', 'segment', 'note', 'review', 'assessment', 'rubric', 'teaching', 'response']);
export type AuditEntity = z.infer<typeof AuditEntity>;
export const AuditAction = z.enum(['create', 'update', 'delete', 'restore', 'finalise', 'reopen']);
export type AuditAction = z.infer<typeof AuditAction>;
export const AuditEntry = z.object({
  id: Id,
  entity: AuditEntity,
  entityId: Id,
  reviewId: Id.nullable(),
  action: AuditAction,
  /** The entity as it was before the change (null for create), and after it (null for delete). */
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  actor: z.string(),
  at: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Use the date format YYYY-MM-DD.');
export const ReviewStatus = z.enum(['draft', 'final']);
export const SearchSort = z.enum(['relevance', 'newest', 'oldest', 'case']);
export const SearchFilters = z
  .object({
    /** Reviews tagged with, or holding a segment of, this phase id. */
    phase: z.string().trim().min(1).max(80).optional(),
    /** Reviews tagged with this instrument id. */
    instrument: z.string().trim().min(1).max(80).optional(),
    status: ReviewStatus.optional(),
    /** The case's surgery date (or, without one, the day the case was entered), inclusive. */
    dateFrom: isoDate.optional(),
    dateTo: isoDate.optional(),
    caseId: Id.optional(),
  })
  .strict()
  .refine((f) => !f.dateFrom || !f.dateTo || f.dateFrom <= f.dateTo, { message: 'The start date is after the end date.', path: ['dateTo'] });
export type SearchFilters = z.infer<typeof SearchFilters>;

export const SearchQuery = z
  .object({
    /** Words to find (all of them, prefix match on the last); empty lists the reviews the filters select. */
    text: z.string().max(200, 'A search has at most 200 characters.'),
    filters: SearchFilters.optional(),
    sort: SearchSort.optional(),
    limit: z.number().int().min(1).max(200).optional(),
    offset: z.number().int().min(0).max(10_000).optional(),
  })
  .strict();
export type SearchQuery = z.infer<typeof SearchQuery>;

export const SearchHitKind = z.enum(['case', 'review', 'frame', 'note', 'analysis', 'annotation', 'tag', 'segment']);
export type SearchHitKind = z.infer<typeof SearchHitKind>;
export const SearchHit = z.object({
  kind: SearchHitKind,
  /** The id of the thing found (a note's id for kind 'note', a case's id for kind 'case', …). */
  id: Id,
  caseId: Id,
  caseCode: z.string(),
  reviewId: Id.nullable(),
  frameId: Id.nullable(),
  frameIndex: z.number().int().nullable(),
  mediaTime: z.number().nullable(),
  status: ReviewStatus.nullable(),
  /** A short heading ("Note", "Final Answer", "Label: capsulorhexis"). */
  title: z.string(),
  /** The text around the match; highlights are [start, end) character ranges of the matched words in it. */
  snippet: z.string(),
  highlights: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])),
  /** The surgery date or the review's last change, for sorting and display. */
  date: z.string().nullable(),
});
export type SearchHit = z.infer<typeof SearchHit>;
export const SearchResult = z.object({ hits: z.array(SearchHit), total: z.number().int().nonnegative(), tookMs: z.number().nonnegative() });
export type SearchResult = z.infer<typeof SearchResult>;

/** A review as the library lists it: where it stands and what it holds. */
export const ReviewSummary = z.object({
  id: Id,
  caseId: Id,
  caseCode: z.string(),
  surgeryDate: z.string().nullable(),
  eye: z.string().nullable(),
  videoId: Id,
  videoName: z.string().nullable(),
  reviewer: z.string(),
  status: ReviewStatus,
  lastFrameIndex: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finalisedAt: z.string().nullable(),
  /** The frames the reviewer captured (not the phase timeline's samples). */
  frameCount: z.number().int().nonnegative(),
  annotationCount: z.number().int().nonnegative(),
  noteCount: z.number().int().nonnegative(),
});
export type ReviewSummary = z.infer<typeof ReviewSummary>;

export const TaxonomyTerm = z.object({ id: z.string(), label: z.string(), color: HexColor.nullable() });
export type TaxonomyTerm = z.infer<typeof TaxonomyTerm>;
export const Taxonomy = z.object({
  phases: z.array(TaxonomyTerm),
  instruments: z.array(TaxonomyTerm),
  anatomy: z.array(TaxonomyTerm),
  findings: z.array(TaxonomyTerm),
  severity: z.array(TaxonomyTerm),
  /** The colours offered by the annotation toolbar, the first is the default. */
  annotationColors: z.array(HexColor),
});
export type Taxonomy = z.infer<typeof Taxonomy>;

export const BackupInfo = z.object({
  /** The file name inside the backups folder (what recovery.restore takes). */
  name: z.string(),
  path: z.string(),
  /** 'daily', 'pre-migration-v3', 'pre-restore', … */
  label: z.string(),
  createdAt: z.string(),
  sizeBytes: z.number().int().nonnegative(),
});
export type BackupInfo = z.infer<typeof BackupInfo>;

export const RecoveryProblem = z.object({
  kind: z.enum(['corrupt', 'unreadable', 'newer-version', 'other']),
  message: z.string(),
});
export const RecoveryStatus = z.object({
  /** 'normal': the library is open; 'recovery': it could not be opened and only the recovery channels answer. */
  mode: z.enum(['normal', 'recovery']),
  problem: RecoveryProblem.nullable(),
  /** The library file in use (or that failed). */
  file: z.string(),
  /** Files set aside by earlier restores (library.damaged-<time>.sqlite), never deleted by the app. */
  damagedFiles: z.array(z.string()),
  backups: z.array(BackupInfo),
});
export type RecoveryStatus = z.infer<typeof RecoveryStatus>;

/** Something in the library changed (another window or a restore): lists showing it should reload. */
export const LibraryChanged = z.object({
  entity: z.enum(['annotation', 'tag', 'segment', 'note', 'review', 'library', 'assessment', 'teaching']),
  action: z.enum(['create', 'update', 'delete', 'restore', 'reopen', 'finalise']),
  reviewId: Id.nullable(),
  frameId: Id.nullable(),
  id: Id.nullable(),
});
export type LibraryChanged = z.infer<typeof LibraryChanged>;
