import type { Migration } from './types';

// The phase timeline: one job per review (its plan, state and where it continues) and one sample per analysed
// frame (its frame, analysis and derived phase). Samples are written one transaction each, with the job's progress.
export const migration: Migration = {
  version: 6,
  name: '0006-timeline',
  up(db) {
    db.exec(`
      CREATE TABLE timeline_jobs (
        review_id INTEGER PRIMARY KEY REFERENCES reviews(id) ON DELETE CASCADE,
        state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'cancelled', 'done', 'failed')),
        sampling TEXT NOT NULL CHECK (sampling IN ('interval', 'scene')),
        every_seconds REAL NOT NULL CHECK (every_seconds > 0),
        method TEXT NOT NULL CHECK (method IN ('matcher', 'followup', 'auto')),
        -- JSON [[time, frameIndex], ...]: the sample times and the frame shown at each, by the video's frame table.
        -- NULL until planned (scene sampling plans after a pass over the video).
        plan_json TEXT,
        next_sample INTEGER NOT NULL DEFAULT 0,
        message TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finished_at TEXT
      ) STRICT;

      CREATE TABLE timeline_samples (
        id INTEGER PRIMARY KEY,
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        sample_index INTEGER NOT NULL,
        time REAL NOT NULL,
        frame_index INTEGER NOT NULL,
        frame_id INTEGER REFERENCES frames(id) ON DELETE SET NULL,
        analysis_id INTEGER REFERENCES analyses(id) ON DELETE SET NULL,
        phase TEXT,
        method TEXT NOT NULL CHECK (method IN ('matcher', 'followup')),
        confidence REAL,
        matched_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX timeline_samples_frame ON timeline_samples (review_id, frame_index);
      CREATE INDEX timeline_samples_time ON timeline_samples (review_id, time);
      CREATE INDEX timeline_samples_frame_id ON timeline_samples (frame_id);
      CREATE INDEX timeline_samples_analysis ON timeline_samples (analysis_id);
    `);
  },
};
