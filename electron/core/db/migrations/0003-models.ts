import type { Migration } from './types';

// The model registry: every model the workstation knows, where its two files are and whose they are.
// Which model is active is not stored here: it is the one whose files the settings (modelPath, mmprojPath) name.
export const migration: Migration = {
  version: 3,
  name: '0003-models',
  up(db) {
    db.exec(`
      CREATE TABLE models (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('catalog', 'imported', 'converted')),
        catalog_id TEXT,
        storage TEXT NOT NULL CHECK (storage IN ('download', 'copy', 'hardlink', 'reference')),
        fine_tuned INTEGER CHECK (fine_tuned IN (0, 1)),
        name TEXT,
        quantization TEXT,
        parameter_count INTEGER NOT NULL,
        image_size INTEGER,
        embedding_length INTEGER,
        text_path TEXT NOT NULL,
        text_size INTEGER NOT NULL,
        text_sha256 TEXT NOT NULL,
        mmproj_path TEXT NOT NULL,
        mmproj_size INTEGER NOT NULL,
        mmproj_sha256 TEXT NOT NULL,
        added_at TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX models_files ON models (text_sha256, mmproj_sha256);
      CREATE INDEX models_text_path ON models (text_path);
    `);
  },
};
