// Notes: free text on a review or on one of its frames. Each write has its audit row.
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import type { Note } from '../../api/schemas-review';
import { createAuditLog, type AuditLog } from '../audit/audit-log';
import { createReviewGuard, type ReviewGuard } from './review-guard';

interface NoteRow {
  id: number;
  review_id: number;
  frame_id: number | null;
  text: string;
  author: string;
  created_at: string;
  updated_at: string;
}

const toNote = (r: NoteRow): Note => ({
  id: r.id,
  reviewId: r.review_id,
  frameId: r.frame_id,
  text: r.text,
  author: r.author,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function createNotesRepo(db: Database, deps: { audit?: AuditLog; guard?: ReviewGuard; now?: () => string } = {}) {
  const audit = deps.audit ?? createAuditLog(db);
  const guard = deps.guard ?? createReviewGuard(db);
  const now = deps.now ?? (() => new Date().toISOString());

  const byId = db.prepare<[number], NoteRow>('SELECT * FROM notes WHERE id = ?');
  const forReview = db.prepare<[number], NoteRow>('SELECT * FROM notes WHERE review_id = ? ORDER BY frame_id, created_at, id');
  const forFrame = db.prepare<[number, number], NoteRow>('SELECT * FROM notes WHERE review_id = ? AND frame_id = ? ORDER BY created_at, id');
  const reviewLevel = db.prepare<[number], NoteRow>('SELECT * FROM notes WHERE review_id = ? AND frame_id IS NULL ORDER BY created_at, id');
  const insert = db.prepare(
    'INSERT INTO notes (review_id, frame_id, text, author, created_at, updated_at) VALUES (@reviewId, @frameId, @text, @author, @at, @at)',
  );
  const update = db.prepare<[string, string, number]>('UPDATE notes SET text = ?, updated_at = ? WHERE id = ?');
  const remove = db.prepare<[number]>('DELETE FROM notes WHERE id = ?');

  function get(id: number): Note {
    const row = byId.get(id);
    if (!row) throw new WorkstationError('not-found', `Note ${id} does not exist (it may have been deleted).`);
    return toNote(row);
  }

  return {
    get,
    list(reviewId: number, frameId?: number | null): Note[] {
      guard.review(reviewId);
      if (frameId === undefined) return forReview.all(reviewId).map(toNote);
      if (frameId === null) return reviewLevel.all(reviewId).map(toNote);
      return forFrame.all(reviewId, frameId).map(toNote);
    },
    create(input: { reviewId: number; frameId?: number | null | undefined; text: string }, actor: string): Note {
      const frameId = input.frameId ?? null;
      return db.transaction(() => {
        guard.draftReview(input.reviewId);
        if (frameId !== null) guard.frameInReview(frameId, input.reviewId);
        const at = now();
        const id = Number(insert.run({ reviewId: input.reviewId, frameId, text: input.text, author: actor, at }).lastInsertRowid);
        const after = get(id);
        audit.record({ entity: 'note', entityId: id, reviewId: input.reviewId, action: 'create', before: null, after, actor, at });
        guard.touch(input.reviewId, at);
        return after;
      })();
    },
    update(id: number, text: string, actor: string): Note {
      return db.transaction(() => {
        const before = get(id);
        guard.draftReview(before.reviewId);
        const at = now();
        update.run(text, at, id);
        const after = get(id);
        audit.record({ entity: 'note', entityId: id, reviewId: before.reviewId, action: 'update', before, after, actor, at });
        guard.touch(before.reviewId, at);
        return after;
      })();
    },
    delete(id: number, actor: string): Note {
      return db.transaction(() => {
        const before = get(id);
        guard.draftReview(before.reviewId);
        const at = now();
        remove.run(id);
        audit.record({ entity: 'note', entityId: id, reviewId: before.reviewId, action: 'delete', before, after: null, actor, at });
        guard.touch(before.reviewId, at);
        return before;
      })();
    },
  };
}
export type NotesRepo = ReturnType<typeof createNotesRepo>;
