import type { Migration } from './types';

export const migration: Migration = {
  version: 2,
  name: '0002-frames-analyses',
  up(db) {
    db.exec(`
      CREATE TABLE frames (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        source_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        mime TEXT NOT NULL CHECK (mime IN ('image/png', 'image/jpeg')),
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX frames_case ON frames (case_id, created_at);
      CREATE INDEX frames_sha ON frames (sha256);

      CREATE TABLE analyses (
        id INTEGER PRIMARY KEY,
        frame_id INTEGER NOT NULL REFERENCES frames(id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('completed', 'cancelled', 'failed')),
        prompt TEXT NOT NULL,
        params_json TEXT NOT NULL,
        provenance_json TEXT NOT NULL,
        model_sha256 TEXT NOT NULL,
        raw_text TEXT NOT NULL,
        thinking TEXT,
        answer TEXT NOT NULL,
        structured INTEGER NOT NULL,
        suggested_tags_json TEXT NOT NULL,
        timings_json TEXT NOT NULL,
        error TEXT,
        created_at TEXT NOT NULL,
        completed_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX analyses_frame ON analyses (frame_id, created_at);

      -- sha256 of model files, keyed by path + size + mtime, so a 3 GB file is hashed once.
      CREATE TABLE file_hashes (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        sha256 TEXT NOT NULL
      ) STRICT;
    `);
  },
};
