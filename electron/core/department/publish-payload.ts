// What a workstation sends to publish one review (POST /api/reviews/publish), after its video and frame images are
// on the server by sha256: the source key (which workstation library, which local review), the review's case and
// reviewer, the video, its frames, annotations, analyses, notes and tags, each with its local id (so publishing again
// updates rather than duplicates), and what the department sends back. `notes` and `tags` may be left out (a workstation
// of an earlier build): the department's published notes and tags are then left as they are, not deleted.
import { z } from 'zod';
import { AnnotationKind, TagKind } from '../../api/schemas-review';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'A sha256 is 64 lowercase hexadecimal characters.');
const LocalId = z.number().int().positive();
const Text = (max: number) => z.string().max(max);

export const PublishPayload = z
  .object({
    source: z.object({ library: z.string().regex(/^[A-Za-z0-9_-]{8,100}$/, 'A library id is 8 to 100 letters, digits, - or _.'), reviewId: LocalId }).strict(),
    title: z.string().trim().min(1, 'Enter a title for the review.').max(200, 'A review title has at most 200 characters.'),
    review: z
      .object({
        caseCode: Text(200),
        reviewer: Text(200),
        status: z.enum(['draft', 'final']),
        finalisedBy: Text(200).nullable(),
      })
      .strict(),
    video: z
      .object({
        sha256: Sha256,
        fileName: Text(500),
        bytes: z.number().int().positive(),
        mime: Text(100),
        durationSeconds: z.number().nonnegative().nullable(),
        fps: z.number().positive().nullable(),
        width: z.number().int().positive().nullable(),
        height: z.number().int().positive().nullable(),
      })
      .strict(),
    frames: z
      .array(
        z
          .object({
            sourceId: LocalId,
            frameIndex: z.number().int().min(0),
            mediaTime: z.number().nullable(),
            sha256: Sha256,
            mime: z.enum(['image/png', 'image/jpeg']),
            bytes: z.number().int().positive(),
            width: z.number().int().positive(),
            height: z.number().int().positive(),
          })
          .strict(),
      )
      .max(20_000),
    annotations: z
      .array(
        z
          .object({
            sourceId: LocalId,
            frameIndex: z.number().int().min(0),
            kind: AnnotationKind,
            geometry: z.unknown(),
            label: z.string().nullable(),
            color: z.string(),
            author: Text(200),
          })
          .strict(),
      )
      .max(50_000),
    analyses: z
      .array(
        z
          .object({
            sourceId: LocalId,
            frameIndex: z.number().int().min(0),
            status: z.enum(['completed', 'cancelled', 'failed']),
            prompt: Text(100_000),
            answer: Text(200_000),
            thinking: Text(200_000).nullable(),
            provenance: z.unknown(),
            modelSha256: Text(200),
            createdAt: Text(40),
            completedAt: Text(40),
          })
          .strict(),
      )
      .max(20_000),
    /** Notes on the review (frameIndex null) or on one of its frames; the text is checked as the app checks it. */
    notes: z
      .array(z.object({ sourceId: LocalId, frameIndex: z.number().int().min(0).nullable(), text: Text(20_000), author: Text(200) }).strict())
      .max(50_000)
      .optional(),
    /** Tags on the review or one of its frames: a vocabulary term (by id or label) or free text. */
    tags: z
      .array(z.object({ sourceId: LocalId, frameIndex: z.number().int().min(0).nullable(), kind: TagKind, value: Text(200), author: Text(200) }).strict())
      .max(50_000)
      .optional(),
  })
  .strict();
export type PublishPayload = z.infer<typeof PublishPayload>;

export interface ChangeCounts {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Sent again, but a department user deleted it after an earlier publish: left deleted (published_deletions). */
  keptDeleted: number;
}

/** What the department did with one publish. */
export interface PublishOutcome {
  /** The department review (new, or the one this local review was published to before). */
  reviewId: number;
  /** The review was new to the department. */
  created: boolean;
  /** Anything was written (false: it was already there exactly as sent). */
  changed: boolean;
  frames: ChangeCounts;
  annotations: ChangeCounts;
  analyses: ChangeCounts;
  /** All zero when the payload left notes or tags out. */
  notes: ChangeCounts;
  tags: ChangeCounts;
}

/** A published review as the department shows it (GET /api/reviews/:id/published). */
export interface PublishedReview {
  reviewId: number;
  source: { library: string; reviewId: number; caseCode: string; reviewer: string; status: string; finalisedBy: string | null };
  publishedBy: string;
  publishedAt: string;
  video: { sha256: string; fileName: string; bytes: number; mime: string; durationSeconds: number | null; fps: number | null; width: number | null; height: number | null };
  frames: Array<{ sourceId: number; frameIndex: number; mediaTime: number | null; sha256: string; mime: string; bytes: number; width: number; height: number }>;
  analyses: Array<{
    sourceId: number;
    frameIndex: number;
    status: string;
    prompt: string;
    answer: string;
    thinking: string | null;
    provenance: unknown;
    modelSha256: string;
    createdAt: string;
    completedAt: string;
  }>;
  /** Which department note and tag came from which local one, and who wrote it on the workstation. */
  notes: Array<{ sourceId: number; noteId: number; author: string }>;
  tags: Array<{ sourceId: number; tagId: number; author: string }>;
}
