import type { Migration } from './types';

// Videos registered in place (never copied), their frame tables, the reviewers' reviews of them, and the link from
// a captured frame to its review, video, frame index and media time.
export const migration: Migration = {
  version: 4,
  name: '0004-videos-reviews',
  up(db) {
    db.exec(`
      CREATE TABLE videos (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        file_name TEXT NOT NULL,
        path TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        quick_hash TEXT NOT NULL,
        sha256 TEXT,
        container TEXT NOT NULL,
        mime TEXT NOT NULL,
        codec TEXT,
        codec_string TEXT,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        rotation INTEGER NOT NULL,
        duration_seconds REAL NOT NULL,
        frame_count INTEGER NOT NULL,
        fps REAL NOT NULL,
        variable_frame_rate INTEGER NOT NULL CHECK (variable_frame_rate IN (0, 1)),
        converted_from TEXT,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX videos_case ON videos (case_id, created_at);
      CREATE UNIQUE INDEX videos_case_file ON videos (case_id, size_bytes, quick_hash);

      -- Frame k is shown from pts[k] to pts[k+1]: little-endian float64 seconds; keyframes: little-endian uint32 indices.
      CREATE TABLE video_timelines (
        video_id INTEGER PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
        pts BLOB NOT NULL,
        keyframes BLOB NOT NULL
      ) STRICT;

      CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
        reviewer TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('draft', 'final')),
        last_frame_index INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finalised_at TEXT
      ) STRICT;
      CREATE UNIQUE INDEX reviews_video_reviewer ON reviews (case_id, video_id, reviewer);

      ALTER TABLE frames ADD COLUMN review_id INTEGER REFERENCES reviews(id) ON DELETE CASCADE;
      ALTER TABLE frames ADD COLUMN video_id INTEGER REFERENCES videos(id) ON DELETE CASCADE;
      ALTER TABLE frames ADD COLUMN frame_index INTEGER;
      ALTER TABLE frames ADD COLUMN media_time REAL;
      CREATE INDEX frames_review ON frames (review_id, frame_index);
      CREATE INDEX frames_video ON frames (video_id);
    `);
  },
};
