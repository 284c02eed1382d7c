// Contract channels and events for annotations, tags, segments, notes, the audit log, library search, the
// taxonomy and the recovery screen. Spread into contract.ts.
import { z } from 'zod';
import { Id } from './schemas';
import {
  Annotation,
  AnnotationCreate,
  AnnotationPatch,
  AuditEntity,
  AuditEntry,
  LibraryChanged,
  Note,
  NoteText,
  RecoveryStatus,
  ReviewSummary,
  SearchQuery,
  SearchResult,
  Segment,
  SegmentCreate,
  SegmentPatch,
  Tag,
  TagKind,
  TagValue,
  Taxonomy,
} from './schemas-review';

const ok = z.object({ ok: z.literal(true) });
const byId = z.object({ id: Id }).strict();
const byReview = z.object({ reviewId: Id }).strict();

export const reviewRequests = {
  // Annotations: every change is one transaction with its audit row; the author is the reviewer in settings.
  'annotations.create': { input: AnnotationCreate, output: Annotation },
  'annotations.update': { input: z.object({ id: Id, patch: AnnotationPatch }).strict(), output: Annotation },
  'annotations.delete': { input: byId, output: ok },
  /** Brings a deleted annotation back with the same id (undo of delete, redo of create) from the audit log. */
  'annotations.restore': { input: byId, output: Annotation },
  'annotations.listForFrame': { input: z.object({ frameId: Id }).strict(), output: z.array(Annotation) },
  'annotations.listForReview': { input: byReview, output: z.array(Annotation) },

  /**
   * Adds a tag to the review (frameId and segmentId absent), to one of its frames or to one of its phase segments;
   * adding it twice returns the first.
   */
  'tags.add': {
    input: z
      .object({ reviewId: Id, frameId: Id.nullable().optional(), segmentId: Id.nullable().optional(), kind: TagKind, value: TagValue })
      .strict()
      .refine((t) => t.frameId == null || t.segmentId == null, { message: 'A tag is on a frame or on a segment, not both.', path: ['segmentId'] }),
    output: Tag,
  },
  'tags.remove': { input: byId, output: ok },
  /** The review's tags (on the review, its frames and its segments); with frameId, only that frame's (null: only the review-level ones). */
  'tags.list': { input: z.object({ reviewId: Id, frameId: Id.nullable().optional() }).strict(), output: z.array(Tag) },

  'segments.create': { input: SegmentCreate, output: Segment },
  'segments.update': { input: z.object({ id: Id, patch: SegmentPatch }).strict(), output: Segment },
  'segments.delete': { input: byId, output: ok },
  'segments.list': { input: byReview, output: z.array(Segment) },

  'notes.create': { input: z.object({ reviewId: Id, frameId: Id.nullable().optional(), text: NoteText }).strict(), output: Note },
  'notes.update': { input: z.object({ id: Id, text: NoteText }).strict(), output: Note },
  'notes.delete': { input: byId, output: ok },
  /** The review's notes; with frameId, only that frame's (null: only the review-level ones). */
  'notes.list': { input: z.object({ reviewId: Id, frameId: Id.nullable().optional() }).strict(), output: z.array(Note) },

  /** Newest first. Filter by review, or by one entity; `beforeId` pages back. */
  'audit.list': {
    input: z
      .object({
        reviewId: Id.optional(),
        entity: AuditEntity.optional(),
        entityId: Id.optional(),
        beforeId: Id.optional(),
        limit: z.number().int().min(1).max(500).optional(),
      })
      .strict()
      .refine((q) => q.entityId === undefined || q.entity !== undefined, { message: 'Give the entity with its id.', path: ['entity'] }),
    output: z.array(AuditEntry),
  },

  /** Full-text search over case codes and notes, review notes, analysis answers, labels and tags, with filters. */
  'search.query': { input: SearchQuery, output: SearchResult },
  /** The most recently changed reviews, for the library's "Recent" list. */
  'reviews.recent': { input: z.object({ limit: z.number().int().min(1).max(100).optional() }).strict(), output: z.array(ReviewSummary) },
  /** Phases, instruments, anatomy, findings and severity, with colours (resources/taxonomy). */
  'taxonomy.get': { input: z.object({}).strict(), output: Taxonomy },

  // Recovery: the only channels (with app.info) that answer when the library could not be opened.
  'recovery.status': { input: z.object({}).strict(), output: RecoveryStatus },
  /** Sets the damaged file aside (library.damaged-<time>.sqlite), copies the backup in, and reopens the library. */
  'recovery.restore': { input: z.object({ backup: z.string().trim().min(1).max(255).regex(/^[^/\\]+\.sqlite$/, 'Choose a backup from the list.') }).strict(), output: RecoveryStatus },
  /** Opens another library file for this session (checked first; never modified before it passes). */
  'recovery.openOther': { input: z.object({ path: z.string().trim().min(1, 'Enter the path of a library file.').max(4096) }).strict(), output: RecoveryStatus },
} as const;

export const reviewEvents = {
  'library.changed': LibraryChanged,
} as const;
