import type { Migration } from './types';

// Teaching mode:
// - teaching_modes: a review an attending or educator put in teaching mode (one row while it is on; who set it, when).
// - teaching_responses: what a resident saw and what they would do next, on one captured frame or one phase segment,
//   written before the model's analysis and the attending's notes are shown to them (at most one per author and
//   target; edits update it).
// - audit_log: teaching mode and responses are audited too (SQLite cannot widen a CHECK in place: the table is
//   rebuilt with the same rows and ids, as 0010 and 0012 did).
export const migration: Migration = {
  version: 13,
  name: '0013-teaching',
  up(db) {
    db.exec(`
      CREATE TABLE teaching_modes (
        review_id INTEGER PRIMARY KEY REFERENCES reviews(id) ON DELETE CASCADE,
        set_by TEXT NOT NULL,
        set_role TEXT NOT NULL CHECK (set_role IN ('attending', 'educator')),
        set_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE teaching_responses (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        frame_id INTEGER REFERENCES frames(id) ON DELETE CASCADE,
        segment_id INTEGER REFERENCES segments(id) ON DELETE CASCADE,
        seen TEXT NOT NULL,
        next_step TEXT NOT NULL,
        author TEXT NOT NULL,
        author_role TEXT NOT NULL CHECK (author_role IN ('resident', 'attending', 'educator')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK ((frame_id IS NULL) <> (segment_id IS NULL))
      ) STRICT;
      CREATE UNIQUE INDEX teaching_responses_frame ON teaching_responses (frame_id, author) WHERE frame_id IS NOT NULL;
      CREATE UNIQUE INDEX teaching_responses_segment ON teaching_responses (segment_id, author) WHERE segment_id IS NOT NULL;
      CREATE INDEX teaching_responses_review ON teaching_responses (review_id, id);

      CREATE TABLE audit_log_v13 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        entity TEXT NOT NULL CHECK (entity IN ('annotation', 'tag', 'segment', 'note', 'review', 'assessment', 'rubric', 'teaching', 'response')),
        entity_id INTEGER NOT NULL,
        review_id INTEGER,
        action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore', 'finalise', 'reopen')),
        before_json TEXT,
        after_json TEXT,
        actor TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;
      INSERT INTO audit_log_v13 (id, entity, entity_id, review_id, action, before_json, after_json, actor, at)
        SELECT id, entity, entity_id, review_id, action, before_json, after_json, actor, at FROM audit_log ORDER BY id;
      DELETE FROM sqlite_sequence WHERE name = 'audit_log_v13';
      INSERT INTO sqlite_sequence (name, seq) SELECT 'audit_log_v13', seq FROM sqlite_sequence WHERE name = 'audit_log';
      DROP TABLE audit_log;
      ALTER TABLE audit_log_v13 RENAME TO audit_log;
      CREATE INDEX audit_entity ON audit_log (entity, entity_id, id);
      CREATE INDEX audit_review ON audit_log (review_id, id);
    `);
  },
};
