import type { Migration } from './types';

/** search_docs source code of a follow-up turn (electron/core/search/sources.ts has the same). */
const TURN_SOURCE = 8;

// Follow-up questions about an analysed frame: each turn of the conversation after the first analysis, with its
// own provenance and timings. Turns are searchable (question and answer) like analyses.
export const migration: Migration = {
  version: 7,
  name: '0007-analysis-turns',
  up(db) {
    db.exec(`
      CREATE TABLE analysis_turns (
        id INTEGER PRIMARY KEY,
        analysis_id INTEGER NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
        position INTEGER NOT NULL CHECK (position >= 1),
        question TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('completed', 'cancelled', 'failed')),
        answer TEXT NOT NULL,
        params_json TEXT NOT NULL,
        provenance_json TEXT NOT NULL,
        timings_json TEXT NOT NULL,
        error TEXT,
        created_at TEXT NOT NULL,
        completed_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX analysis_turns_analysis ON analysis_turns (analysis_id, position, id);

      CREATE TRIGGER search_analysis_turns_ai AFTER INSERT ON analysis_turns BEGIN
        INSERT INTO search_docs (source, ref_id, case_id, review_id, frame_id)
        SELECT ${TURN_SOURCE}, new.id, f.case_id, f.review_id, f.id FROM analyses a JOIN frames f ON f.id = a.frame_id WHERE a.id = new.analysis_id;
        INSERT INTO search_fts (rowid, body) SELECT last_insert_rowid(), new.question || char(10) || new.answer;
      END;
      CREATE TRIGGER search_analysis_turns_ad AFTER DELETE ON analysis_turns BEGIN
        DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = ${TURN_SOURCE} AND ref_id = old.id);
        DELETE FROM search_docs WHERE source = ${TURN_SOURCE} AND ref_id = old.id;
      END;
    `);
  },
};
