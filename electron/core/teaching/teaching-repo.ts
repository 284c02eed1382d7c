// Teaching mode's rows: whether a review is in teaching mode, and the residents' responses on frames and segments.
// Who may do what is decided by the reviewer's role in Settings: an attending or educator turns teaching mode on and
// off and reads every response; anyone else is "gated": they read only their own responses, and the model's analysis
// and the notes of a frame or segment are given to them (reveal) only after they answered on it. Every write is one
// transaction with its audit row and is refused on a finalised review (review-guard.ts).
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import type { ReviewerRole } from '../../api/schemas';
import type { TeachingMode, TeachingResponse, TeachingReveal, TeachingState, TeachingTarget } from '../../api/schemas-teaching';
import type { AuditLog } from '../audit/audit-log';
import type { ReviewGuard } from '../reviews/review-guard';

export interface TeachingViewer {
  name: string;
  role: ReviewerRole | null;
}

interface ModeRow {
  review_id: number;
  set_by: string;
  set_role: 'attending' | 'educator';
  set_at: string;
}
interface ResponseRow {
  id: number;
  review_id: number;
  frame_id: number | null;
  segment_id: number | null;
  seen: string;
  next_step: string;
  author: string;
  author_role: ReviewerRole;
  created_at: string;
  updated_at: string;
}

const toMode = (r: ModeRow): TeachingMode => ({ reviewId: r.review_id, setBy: r.set_by, setRole: r.set_role, setAt: r.set_at });
const toResponse = (r: ResponseRow): TeachingResponse => ({
  id: r.id,
  reviewId: r.review_id,
  frameId: r.frame_id,
  segmentId: r.segment_id,
  seen: r.seen,
  nextStep: r.next_step,
  author: r.author,
  authorRole: r.author_role,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Attendings and educators teach; everyone else (a resident, or a reviewer without a role) answers first. */
export const teaches = (role: ReviewerRole | null): role is 'attending' | 'educator' => role === 'attending' || role === 'educator';

export function createTeachingRepo(db: Database, deps: { audit: AuditLog; guard: ReviewGuard; now?: () => string }) {
  const { audit, guard } = deps;
  const now = deps.now ?? (() => new Date().toISOString());

  const modeOf = db.prepare<[number], ModeRow>('SELECT * FROM teaching_modes WHERE review_id = ?');
  const setModeRow = db.prepare<[number, string, string, string]>('INSERT OR REPLACE INTO teaching_modes (review_id, set_by, set_role, set_at) VALUES (?, ?, ?, ?)');
  const clearMode = db.prepare<[number]>('DELETE FROM teaching_modes WHERE review_id = ?');
  const responsesOf = db.prepare<[number], ResponseRow>('SELECT * FROM teaching_responses WHERE review_id = ? ORDER BY created_at, id');
  const responseById = db.prepare<[number], ResponseRow>('SELECT * FROM teaching_responses WHERE id = ?');
  const mineOnFrame = db.prepare<[number, string], ResponseRow>('SELECT * FROM teaching_responses WHERE frame_id = ? AND author = ?');
  const mineOnSegment = db.prepare<[number, string], ResponseRow>('SELECT * FROM teaching_responses WHERE segment_id = ? AND author = ?');
  const insert = db.prepare(
    `INSERT INTO teaching_responses (review_id, frame_id, segment_id, seen, next_step, author, author_role, created_at, updated_at)
     VALUES (@reviewId, @frameId, @segmentId, @seen, @nextStep, @author, @role, @at, @at)`,
  );
  const update = db.prepare<[string, string, string, string, number]>('UPDATE teaching_responses SET seen = ?, next_step = ?, author_role = ?, updated_at = ? WHERE id = ?');
  const segmentRow = db.prepare<[number], { id: number; review_id: number; start_frame: number; end_frame: number; note: string; author: string; updated_at: string }>(
    'SELECT id, review_id, start_frame, end_frame, note, author, updated_at FROM segments WHERE id = ?',
  );
  const frameRow = db.prepare<[number], { id: number; review_id: number | null; frame_index: number | null }>('SELECT id, review_id, frame_index FROM frames WHERE id = ?');
  const analysisOfFrame = db.prepare<[number], { id: number; frame_id: number; thinking: string | null; answer: string; provenance_json: string; created_at: string; frame_index: number | null }>(
    `SELECT a.id, a.frame_id, a.thinking, a.answer, a.provenance_json, a.created_at, f.frame_index FROM analyses a JOIN frames f ON f.id = a.frame_id
     WHERE a.frame_id = ? AND a.status = 'completed' ORDER BY a.completed_at DESC, a.id DESC LIMIT 1`,
  );
  const analysisInRange = db.prepare<[number, number, number], { id: number; frame_id: number; thinking: string | null; answer: string; provenance_json: string; created_at: string; frame_index: number | null }>(
    `SELECT a.id, a.frame_id, a.thinking, a.answer, a.provenance_json, a.created_at, f.frame_index FROM analyses a JOIN frames f ON f.id = a.frame_id
     WHERE f.review_id = ? AND f.frame_index BETWEEN ? AND ? AND a.status = 'completed' ORDER BY a.completed_at DESC, a.id DESC LIMIT 1`,
  );
  const notesOfFrame = db.prepare<[number], { id: number; text: string; author: string; updated_at: string }>('SELECT id, text, author, updated_at FROM notes WHERE frame_id = ? ORDER BY created_at, id');

  /** The target belongs to the review (a frame captured in it, or one of its segments). */
  function checkTarget(reviewId: number, t: TeachingTarget): void {
    if (t.frameId !== undefined) {
      const f = frameRow.get(t.frameId);
      if (!f) throw new WorkstationError('not-found', `Frame ${t.frameId} does not exist (it may have been deleted).`);
      if (f.review_id !== reviewId) throw new WorkstationError('invalid-argument', `Frame ${t.frameId} does not belong to review ${reviewId}.`);
    } else {
      const s = segmentRow.get(t.segmentId!);
      if (!s) throw new WorkstationError('not-found', `Segment ${t.segmentId} does not exist (it may have been deleted).`);
      if (s.review_id !== reviewId) throw new WorkstationError('invalid-argument', `Segment ${t.segmentId} does not belong to review ${reviewId}.`);
    }
  }
  const mine = (t: TeachingTarget, name: string) => (t.frameId !== undefined ? mineOnFrame.get(t.frameId, name) : mineOnSegment.get(t.segmentId!, name));

  function state(reviewId: number, me: TeachingViewer): TeachingState {
    guard.review(reviewId);
    const m = modeOf.get(reviewId);
    const name = me.name.trim();
    const all = responsesOf.all(reviewId).map(toResponse);
    return {
      reviewId,
      mode: m ? toMode(m) : null,
      name,
      role: me.role,
      gated: m !== undefined && !teaches(me.role),
      responses: teaches(me.role) ? all : all.filter((r) => name !== '' && r.author === name),
    };
  }

  function named(me: TeachingViewer, what: string): string {
    const name = me.name.trim();
    if (!name || !me.role) throw new WorkstationError('conflict', `Set your name and role (resident, attending or educator) in Settings → Reviewer first: ${what}.`);
    return name;
  }

  return {
    state,
    /** The review's teaching mode, or null (reports, and anything that does not depend on the viewer). */
    mode: (reviewId: number): TeachingMode | null => {
      const m = modeOf.get(reviewId);
      return m ? toMode(m) : null;
    },
    /** Every response on the review, oldest first (reports). */
    allResponses: (reviewId: number): TeachingResponse[] => responsesOf.all(reviewId).map(toResponse),

    setMode(reviewId: number, on: boolean, me: TeachingViewer): TeachingState {
      const name = named(me, 'teaching mode records who turned it on');
      if (!teaches(me.role)) throw new WorkstationError('conflict', 'Only an attending or an educator can turn teaching mode on or off (your role in Settings → Reviewer is resident).');
      const role = me.role;
      return db.transaction(() => {
        guard.draftReview(reviewId, on ? 'turn teaching mode on' : 'turn teaching mode off');
        const before = modeOf.get(reviewId);
        if (on === (before !== undefined)) return state(reviewId, me);
        const at = now();
        if (on) setModeRow.run(reviewId, name, role, at);
        else clearMode.run(reviewId);
        const after = modeOf.get(reviewId);
        audit.record({ entity: 'teaching', entityId: reviewId, reviewId, action: on ? 'create' : 'delete', before: before ? toMode(before) : null, after: after ? toMode(after) : null, actor: name, at });
        guard.touch(reviewId, at);
        return state(reviewId, me);
      })();
    },

    respond(input: { reviewId: number; target: TeachingTarget; seen: string; nextStep: string }, me: TeachingViewer): { state: TeachingState; response: TeachingResponse } {
      const name = named(me, 'a response records who wrote it');
      const role = me.role!;
      return db.transaction(() => {
        guard.draftReview(input.reviewId, 'write a response');
        if (!modeOf.get(input.reviewId)) throw new WorkstationError('conflict', 'This review is not in teaching mode: an attending or educator turns it on in the Analysis tab.');
        checkTarget(input.reviewId, input.target);
        const at = now();
        const existing = mine(input.target, name);
        let id: number;
        if (existing) {
          update.run(input.seen, input.nextStep, role, at, existing.id);
          id = existing.id;
        } else {
          const frameId = input.target.frameId ?? null;
          const segmentId = input.target.segmentId ?? null;
          id = Number(insert.run({ reviewId: input.reviewId, frameId, segmentId, seen: input.seen, nextStep: input.nextStep, author: name, role, at }).lastInsertRowid);
        }
        const response = toResponse(responseById.get(id)!);
        audit.record({ entity: 'response', entityId: id, reviewId: input.reviewId, action: existing ? 'update' : 'create', before: existing ? toResponse(existing) : null, after: response, actor: name, at });
        guard.touch(input.reviewId, at);
        return { state: state(input.reviewId, me), response };
      })();
    },

    reveal(reviewId: number, target: TeachingTarget, me: TeachingViewer): TeachingReveal {
      const st = state(reviewId, me);
      checkTarget(reviewId, target);
      const where = target.frameId !== undefined ? 'this frame' : 'this segment';
      if (st.gated && (!st.name || !mine(target, st.name))) {
        throw new WorkstationError('conflict', `Teaching mode: write what you see and what you would do next on ${where} first; the model's analysis and the attending's notes are shown after you save.`);
      }
      const onTarget = (r: TeachingResponse) => (target.frameId !== undefined ? r.frameId === target.frameId : r.segmentId === target.segmentId);
      let analysis = null;
      let notes: TeachingReveal['notes'] = [];
      if (target.frameId !== undefined) {
        const a = analysisOfFrame.get(target.frameId);
        analysis = a ?? null;
        notes = notesOfFrame.all(target.frameId).map((n) => ({ id: n.id, kind: 'note' as const, text: n.text, author: n.author, updatedAt: n.updated_at }));
      } else {
        const s = segmentRow.get(target.segmentId!)!;
        analysis = analysisInRange.get(reviewId, s.start_frame, s.end_frame) ?? null;
        if (s.note.trim()) notes = [{ id: s.id, kind: 'segment', text: s.note, author: s.author, updatedAt: s.updated_at }];
      }
      return {
        reviewId,
        frameId: target.frameId ?? null,
        segmentId: target.segmentId ?? null,
        responses: st.responses.filter(onTarget),
        analysis: analysis
          ? {
              id: analysis.id,
              frameId: analysis.frame_id,
              frameIndex: analysis.frame_index,
              thinking: analysis.thinking,
              answer: analysis.answer,
              model: (JSON.parse(analysis.provenance_json) as { modelName?: string }).modelName ?? '',
              createdAt: analysis.created_at,
            }
          : null,
        notes,
      };
    },
  };
}
export type TeachingRepo = ReturnType<typeof createTeachingRepo>;
