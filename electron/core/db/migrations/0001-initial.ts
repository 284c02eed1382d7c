import type { Migration } from './types';

export const migration: Migration = {
  version: 1,
  name: '0001-initial',
  up(db) {
    db.exec(`
      CREATE TABLE cases (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL COLLATE NOCASE UNIQUE,
        surgery_date TEXT,
        eye TEXT CHECK (eye IN ('OD', 'OS', 'OU')),
        surgeon TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX cases_updated_at ON cases (updated_at DESC);

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `);
  },
};
