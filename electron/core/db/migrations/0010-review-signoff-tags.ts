import type { Migration } from './types';

// Finishing a review, and what it holds told apart:
// - reviews.finalised_by / finalised_role: who signed the review off (the reviewer's name and role in Settings).
// - audit_log: the review itself is audited too (entity 'review', actions 'finalise' and 'reopen' with the
//   reviewer's reason). SQLite cannot widen a CHECK in place, so the table is rebuilt with the same rows and ids.
// - tags.segment_id: a tag on one of the review's phase segments (frame_id and segment_id are never both set).
// - frames.origin: 'still' (added to a case), 'capture' (the reviewer captured it) or 'sample' (the phase
//   timeline took it). Existing frames: no review = still; referenced by a timeline sample = sample (a frame the
//   reviewer had captured at exactly a sampled frame before the timeline ran counts as a sample; it is rare and
//   capturing it again makes it a capture); anything else = capture.
export const migration: Migration = {
  version: 10,
  name: '0010-review-signoff-tags',
  up(db) {
    db.exec(`
      ALTER TABLE reviews ADD COLUMN finalised_by TEXT;
      ALTER TABLE reviews ADD COLUMN finalised_role TEXT CHECK (finalised_role IN ('resident', 'attending', 'educator'));

      ALTER TABLE frames ADD COLUMN origin TEXT NOT NULL DEFAULT 'capture' CHECK (origin IN ('still', 'capture', 'sample'));
      UPDATE frames SET origin = 'still' WHERE review_id IS NULL;
      UPDATE frames SET origin = 'sample' WHERE review_id IS NOT NULL AND EXISTS (SELECT 1 FROM timeline_samples s WHERE s.frame_id = frames.id);
      CREATE INDEX frames_review_origin ON frames (review_id, origin, frame_index);

      ALTER TABLE tags ADD COLUMN segment_id INTEGER REFERENCES segments(id) ON DELETE CASCADE;
      DROP INDEX tags_unique;
      CREATE UNIQUE INDEX tags_unique ON tags (review_id, ifnull(frame_id, 0), ifnull(segment_id, 0), kind, value COLLATE NOCASE);
      CREATE INDEX tags_segment ON tags (segment_id) WHERE segment_id IS NOT NULL;

      CREATE TABLE audit_log_v10 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        entity TEXT NOT NULL CHECK (entity IN ('annotation', 'tag', 'segment', 'note', 'review')),
        entity_id INTEGER NOT NULL,
        review_id INTEGER,
        action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore', 'finalise', 'reopen')),
        before_json TEXT,
        after_json TEXT,
        actor TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;
      INSERT INTO audit_log_v10 (id, entity, entity_id, review_id, action, before_json, after_json, actor, at)
        SELECT id, entity, entity_id, review_id, action, before_json, after_json, actor, at FROM audit_log ORDER BY id;
      -- AUTOINCREMENT never hands out an id again, not even a deleted row's: carry the counter over.
      DELETE FROM sqlite_sequence WHERE name = 'audit_log_v10';
      INSERT INTO sqlite_sequence (name, seq) SELECT 'audit_log_v10', seq FROM sqlite_sequence WHERE name = 'audit_log';
      DROP TABLE audit_log;
      ALTER TABLE audit_log_v10 RENAME TO audit_log;
      CREATE INDEX audit_entity ON audit_log (entity, entity_id, id);
      CREATE INDEX audit_review ON audit_log (review_id, id);
    `);
  },
};
