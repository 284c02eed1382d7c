import type { Migration } from './types';

// Structured skill assessment:
// - rubrics: the templates the library uses (a department's imports, and a copy of each shipped template once an
//   assessment uses it), so an assessment can always be read with the template it was scored on.
// - assessments: per review, at most one self-assessment (the resident) and one by an assessor (attending or
//   educator), each with its template, author, role and "areas of focus".
// - assessment_scores: one row per scored step: a score of the scale or a mark (not applicable, done by the
//   preceptor), a comment, and the video moment or phase segment it judges.
// - audit_log: assessments and rubric imports are audited too (SQLite cannot widen a CHECK in place: the table is
//   rebuilt with the same rows and ids, as 0010 did).
export const migration: Migration = {
  version: 12,
  name: '0012-assessments',
  up(db) {
    db.exec(`
      CREATE TABLE rubrics (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        rubric_id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        name TEXT NOT NULL,
        template_json TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('builtin', 'library')),
        imported_at TEXT NOT NULL,
        imported_by TEXT NOT NULL,
        UNIQUE (rubric_id, version)
      ) STRICT;

      CREATE TABLE assessments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('self', 'assessor')),
        rubric_id TEXT NOT NULL,
        rubric_version INTEGER NOT NULL,
        author TEXT NOT NULL,
        author_role TEXT NOT NULL CHECK (author_role IN ('resident', 'attending', 'educator')),
        focus TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (review_id, kind),
        FOREIGN KEY (rubric_id, rubric_version) REFERENCES rubrics (rubric_id, version)
      ) STRICT;

      CREATE TABLE assessment_scores (
        assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
        step_id TEXT NOT NULL,
        score INTEGER,
        mark TEXT CHECK (mark IN ('na', 'preceptor')),
        comment TEXT NOT NULL DEFAULT '',
        frame_index INTEGER CHECK (frame_index >= 0),
        media_time REAL CHECK (media_time >= 0),
        segment_id INTEGER REFERENCES segments(id) ON DELETE SET NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (assessment_id, step_id),
        CHECK (score IS NULL OR mark IS NULL)
      ) STRICT;
      CREATE INDEX assessment_scores_segment ON assessment_scores (segment_id) WHERE segment_id IS NOT NULL;

      CREATE TABLE audit_log_v12 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        entity TEXT NOT NULL CHECK (entity IN ('annotation', 'tag', 'segment', 'note', 'review', 'assessment', 'rubric')),
        entity_id INTEGER NOT NULL,
        review_id INTEGER,
        action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore', 'finalise', 'reopen')),
        before_json TEXT,
        after_json TEXT,
        actor TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;
      INSERT INTO audit_log_v12 (id, entity, entity_id, review_id, action, before_json, after_json, actor, at)
        SELECT id, entity, entity_id, review_id, action, before_json, after_json, actor, at FROM audit_log ORDER BY id;
      DELETE FROM sqlite_sequence WHERE name = 'audit_log_v12';
      INSERT INTO sqlite_sequence (name, seq) SELECT 'audit_log_v12', seq FROM sqlite_sequence WHERE name = 'audit_log';
      DROP TABLE audit_log;
      ALTER TABLE audit_log_v12 RENAME TO audit_log;
      CREATE INDEX audit_entity ON audit_log (entity, entity_id, id);
      CREATE INDEX audit_review ON audit_log (review_id, id);
    `);
  },
};
