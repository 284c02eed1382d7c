import type { Migration } from './types';

// Recordings as operating rooms write them: where a video's timestamps start (times are shown from the first frame;
// stored media times stay exact), the stream's colour tags (captures convert by them, or by the documented rule for
// untagged streams), and the scrub proxy made in the background after import.
// duration_seconds becomes the duration from the first frame (it was the end time: "0:15" for 5 s starting at 10 s).
export const migration: Migration = {
  version: 9,
  name: '0009-video-media',
  up(db) {
    db.exec(`
      ALTER TABLE videos ADD COLUMN start_seconds REAL NOT NULL DEFAULT 0;
      ALTER TABLE videos ADD COLUMN color_matrix TEXT;
      ALTER TABLE videos ADD COLUMN color_primaries TEXT;
      ALTER TABLE videos ADD COLUMN color_transfer TEXT;
      ALTER TABLE videos ADD COLUMN color_full_range INTEGER CHECK (color_full_range IN (0, 1));

      -- The scrub proxy: a short-GOP, reduced-size H.264 copy in the data folder, frame k = frame k of the video.
      CREATE TABLE video_proxies (
        video_id INTEGER PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
        state TEXT NOT NULL CHECK (state IN ('making', 'ready', 'failed', 'skipped')),
        -- relative to the data folder
        file TEXT,
        width INTEGER,
        height INTEGER,
        gop INTEGER,
        size_bytes INTEGER,
        -- seconds to add to a proxy timestamp to get the video's (the proxy starts at 0)
        time_offset REAL,
        message TEXT,
        updated_at TEXT NOT NULL
      ) STRICT;
    `);
    // Existing videos: the first frame's timestamp from the frame table; the duration from it.
    const rows = db.prepare<[], { id: number; pts: Buffer }>('SELECT video_id AS id, pts FROM video_timelines').all();
    const update = db.prepare('UPDATE videos SET start_seconds = ?, duration_seconds = max(0, duration_seconds - ?) WHERE id = ?');
    for (const r of rows) {
      const first = r.pts.length >= 8 ? r.pts.readDoubleLE(0) : 0;
      if (first > 0) update.run(first, first, r.id);
    }
  },
};
