import type { Migration } from './types';

// One surgery in several files: a video joined from the parts a recorder wrote (videos.importParts) keeps where each
// part lies in it, so the review and the report can name the part of any frame.
export const migration: Migration = {
  version: 11,
  name: '0011-video-parts',
  up(db) {
    db.exec(`
      CREATE TABLE video_parts (
        video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
        part_index INTEGER NOT NULL CHECK (part_index >= 0),
        file_name TEXT NOT NULL,
        path TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        quick_hash TEXT NOT NULL,
        first_frame INTEGER NOT NULL CHECK (first_frame >= 0),
        frame_count INTEGER NOT NULL CHECK (frame_count >= 0),
        start_seconds REAL NOT NULL,
        duration_seconds REAL NOT NULL,
        PRIMARY KEY (video_id, part_index)
      ) STRICT;
    `);
  },
};
