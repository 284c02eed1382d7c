import type { Migration } from './types';

/** Where a search_docs row came from (the same codes as electron/core/search/sources.ts). */
const SOURCE = { case: 1, note: 2, analysis: 3, annotation: 4, tag: 5, segment: 6, frame: 7 } as const;

interface Indexed {
  table: string;
  source: number;
  /** SQL over new.* / old.* (the same names): the text, and the case, review and frame it belongs to. */
  body: string;
  caseId: string;
  reviewId: string;
  frameId: string;
  /** Only rows for which this holds are indexed (SQL over new.*). */
  when?: string;
  /** The columns whose change re-indexes the row; none: the row never changes its text. */
  updateOf?: string[];
}

/** The triggers that keep one source table in search_docs + search_fts. */
function indexTriggers(t: Indexed): string {
  const name = `search_${t.table}`;
  const cond = t.when ?? '1';
  const add = `
        INSERT INTO search_docs (source, ref_id, case_id, review_id, frame_id)
        SELECT ${t.source}, new.id, ${t.caseId}, ${t.reviewId}, ${t.frameId} WHERE ${cond};
        INSERT INTO search_fts (rowid, body) SELECT last_insert_rowid(), ${t.body} WHERE ${cond};`;
  const remove = (row: 'old') => `
        DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE source = ${t.source} AND ref_id = ${row}.id);
        DELETE FROM search_docs WHERE source = ${t.source} AND ref_id = ${row}.id;`;
  return `
      CREATE TRIGGER ${name}_ai AFTER INSERT ON ${t.table} BEGIN${add}
      END;
      CREATE TRIGGER ${name}_ad AFTER DELETE ON ${t.table} BEGIN${remove('old')}
      END;${
        t.updateOf
          ? `
      CREATE TRIGGER ${name}_au AFTER UPDATE OF ${t.updateOf.join(', ')} ON ${t.table} BEGIN${remove('old')}${add}
      END;`
          : ''
      }`;
}

const reviewCase = (reviewId: string) => `(SELECT case_id FROM reviews WHERE id = ${reviewId})`;

// What a reviewer adds to a review (annotations, tags, phase segments, notes), the audit log of every change
// to them, and one full-text index over everything a reviewer searches for.
//
// - Ids are AUTOINCREMENT so a deleted annotation's id is never handed to a new one: undo of a delete
//   restores it under the same id (from the audit log's `before`).
// - search_fts is a regular (content-storing) FTS5 table kept by triggers (its text is read back for the
//   snippets; a delete by rowid is always safe). Its rowid is a search_docs id: one sequence over every source,
//   so a higher rowid is a more recently written text and a search can take the newest matches without sorting
//   them all. search_docs says where the text came from and which case, review and frame it belongs to.
export const migration: Migration = {
  version: 5,
  name: '0005-annotations-notes-search',
  up(db) {
    db.exec(`
      CREATE TABLE annotations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        frame_id INTEGER NOT NULL REFERENCES frames(id) ON DELETE CASCADE,
        review_id INTEGER REFERENCES reviews(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('box', 'arrow', 'ellipse', 'freehand', 'text')),
        geometry_json TEXT NOT NULL CHECK (json_valid(geometry_json)),
        label TEXT,
        color TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX annotations_frame ON annotations (frame_id, id);
      CREATE INDEX annotations_review ON annotations (review_id, frame_id, id);

      CREATE TABLE tags (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        frame_id INTEGER REFERENCES frames(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('phase', 'instrument', 'anatomy', 'finding', 'severity', 'free')),
        value TEXT NOT NULL,
        label TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX tags_unique ON tags (review_id, ifnull(frame_id, 0), kind, value COLLATE NOCASE);
      CREATE INDEX tags_review_frame ON tags (review_id, frame_id, id);
      CREATE INDEX tags_kind_value ON tags (kind, value, review_id);
      CREATE INDEX tags_frame ON tags (frame_id) WHERE frame_id IS NOT NULL;

      CREATE TABLE segments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        start_frame INTEGER NOT NULL CHECK (start_frame >= 0),
        end_frame INTEGER NOT NULL CHECK (end_frame >= start_frame),
        start_time REAL NOT NULL CHECK (start_time >= 0),
        end_time REAL NOT NULL CHECK (end_time >= start_time),
        phase TEXT,
        label TEXT NOT NULL,
        note TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX segments_review ON segments (review_id, start_frame);
      CREATE INDEX segments_phase ON segments (phase, review_id) WHERE phase IS NOT NULL;

      CREATE TABLE notes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        frame_id INTEGER REFERENCES frames(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX notes_review ON notes (review_id, frame_id, created_at);
      CREATE INDEX notes_frame ON notes (frame_id) WHERE frame_id IS NOT NULL;

      -- Never cascaded: the log outlives what it describes.
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        entity TEXT NOT NULL CHECK (entity IN ('annotation', 'tag', 'segment', 'note')),
        entity_id INTEGER NOT NULL,
        review_id INTEGER,
        action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore')),
        before_json TEXT,
        after_json TEXT,
        actor TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_entity ON audit_log (entity, entity_id, id);
      CREATE INDEX audit_review ON audit_log (review_id, id);

      -- The library's lists: recent reviews, filters by status, the frames of a review.
      CREATE INDEX IF NOT EXISTS reviews_recent ON reviews (updated_at, id);
      CREATE INDEX IF NOT EXISTS reviews_status_recent ON reviews (status, updated_at, id);
      CREATE INDEX IF NOT EXISTS reviews_case_updated ON reviews (case_id, updated_at);
      CREATE INDEX IF NOT EXISTS cases_code ON cases (code);
      -- The library's date filter: the surgery date, or the day the case was entered when it has none.
      CREATE INDEX IF NOT EXISTS cases_day ON cases (coalesce(surgery_date, substr(created_at, 1, 10)));

      -- One row per indexed text: where it came from and what it belongs to (small rows: the filters read them
      -- for every match, which would cost a read of the whole text if they lived in the FTS table).
      CREATE TABLE search_docs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source INTEGER NOT NULL,
        ref_id INTEGER NOT NULL,
        case_id INTEGER,
        review_id INTEGER,
        frame_id INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX search_docs_source ON search_docs (source, ref_id);

      CREATE VIRTUAL TABLE search_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
    `);

    const sources: Indexed[] = [
      {
        table: 'cases',
        source: SOURCE.case,
        body: "new.code || ' ' || new.surgeon || ' ' || new.notes",
        caseId: 'new.id',
        reviewId: 'NULL',
        frameId: 'NULL',
        updateOf: ['code', 'surgeon', 'notes'],
      },
      { table: 'notes', source: SOURCE.note, body: 'new.text', caseId: reviewCase('new.review_id'), reviewId: 'new.review_id', frameId: 'new.frame_id', updateOf: ['text'] },
      {
        table: 'analyses',
        source: SOURCE.analysis,
        body: "new.answer || char(10) || ifnull(new.thinking, '')",
        caseId: '(SELECT case_id FROM frames WHERE id = new.frame_id)',
        reviewId: '(SELECT review_id FROM frames WHERE id = new.frame_id)',
        frameId: 'new.frame_id',
        when: "new.answer <> '' OR ifnull(new.thinking, '') <> ''",
      },
      {
        table: 'annotations',
        source: SOURCE.annotation,
        body: "trim(ifnull(new.label, '') || ' ' || ifnull(json_extract(new.geometry_json, '$.text'), ''))",
        caseId: '(SELECT case_id FROM frames WHERE id = new.frame_id)',
        reviewId: 'new.review_id',
        frameId: 'new.frame_id',
        when: "new.label IS NOT NULL OR new.kind = 'text'",
        updateOf: ['label', 'geometry_json'],
      },
      {
        table: 'tags',
        source: SOURCE.tag,
        body: "new.label || CASE WHEN new.label = new.value THEN '' ELSE ' ' || new.value END",
        caseId: reviewCase('new.review_id'),
        reviewId: 'new.review_id',
        frameId: 'new.frame_id',
      },
      {
        table: 'segments',
        source: SOURCE.segment,
        body: "trim(new.label || ' ' || ifnull(new.phase, '') || ' ' || new.note)",
        caseId: reviewCase('new.review_id'),
        reviewId: 'new.review_id',
        frameId: 'NULL',
        updateOf: ['label', 'phase', 'note'],
      },
      // Still images added to a case (not captured in a review) are found by their file name.
      { table: 'frames', source: SOURCE.frame, body: 'new.source_name', caseId: 'new.case_id', reviewId: 'NULL', frameId: 'new.id', when: 'new.review_id IS NULL' },
    ];
    db.exec(sources.map(indexTriggers).join('\n'));

    // What the library already holds, oldest first (the triggers index everything written from now on).
    const backfill = db.prepare('INSERT INTO search_docs (source, ref_id, case_id, review_id, frame_id) VALUES (?, ?, ?, ?, ?)');
    const backfillText = db.prepare('INSERT INTO search_fts (rowid, body) VALUES (?, ?)');
    const add = (source: number, rows: Array<{ id: number; body: string; caseId: number | null; reviewId: number | null; frameId: number | null }>) => {
      for (const r of rows) backfillText.run(backfill.run(source, r.id, r.caseId, r.reviewId, r.frameId).lastInsertRowid, r.body);
    };
    type Row = { id: number; body: string; caseId: number | null; reviewId: number | null; frameId: number | null };
    add(SOURCE.case, db.prepare("SELECT id, code || ' ' || surgeon || ' ' || notes AS body, id AS caseId, NULL AS reviewId, NULL AS frameId FROM cases ORDER BY id").all() as Row[]);
    add(
      SOURCE.analysis,
      db
        .prepare(
          `SELECT a.id, a.answer || char(10) || ifnull(a.thinking, '') AS body, f.case_id AS caseId, f.review_id AS reviewId, f.id AS frameId
           FROM analyses a JOIN frames f ON f.id = a.frame_id WHERE a.answer <> '' OR ifnull(a.thinking, '') <> '' ORDER BY a.id`,
        )
        .all() as Row[],
    );
    add(
      SOURCE.frame,
      db.prepare('SELECT id, source_name AS body, case_id AS caseId, NULL AS reviewId, id AS frameId FROM frames WHERE review_id IS NULL ORDER BY id').all() as Row[],
    );
  },
};
