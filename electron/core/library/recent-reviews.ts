// The library's "Recent" list: the reviews worked on last, with what they hold (frames: the reviewer's captures, not
// the phase timeline's samples).
import type { Database } from 'better-sqlite3';
import type { ReviewSummary } from '../../api/schemas-review';

export function createRecentReviews(db: Database) {
  const recent = db.prepare<[number], ReviewSummary>(
    `SELECT r.id, r.case_id AS caseId, c.code AS caseCode, c.surgery_date AS surgeryDate, c.eye, r.video_id AS videoId,
            v.file_name AS videoName, r.reviewer, r.status, r.last_frame_index AS lastFrameIndex,
            r.created_at AS createdAt, r.updated_at AS updatedAt, r.finalised_at AS finalisedAt,
            (SELECT count(*) FROM frames WHERE review_id = r.id AND origin = 'capture') AS frameCount,
            (SELECT count(*) FROM annotations WHERE review_id = r.id) AS annotationCount,
            (SELECT count(*) FROM notes WHERE review_id = r.id) AS noteCount
     FROM reviews r JOIN cases c ON c.id = r.case_id LEFT JOIN videos v ON v.id = r.video_id
     ORDER BY r.updated_at DESC, r.id DESC LIMIT ?`,
  );
  return {
    list(limit = 20): ReviewSummary[] {
      return recent.all(limit);
    },
  };
}
