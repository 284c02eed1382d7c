// Teaching mode's rows on the workstation's library (SQLite or PostgreSQL): whether a review is in teaching mode, and
// the residents' responses on frames and segments. Who may do what is decided by the reviewer's role in Settings: an
// attending or educator turns teaching mode on and off and reads every response; anyone else is "gated": they read
// only their own responses, and the model's analysis and the notes of a frame or segment are given to them (reveal)
// only after they answered on it. Every write is one transaction with its audit row and is refused on a finalised
// review. A review's mode and responses go with it, and a response with its frame or segment (ON DELETE CASCADE).
import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import { WorkstationError } from '../../api/errors';
import type { ReviewerRole } from '../../api/schemas';
import type { TeachingMode, TeachingResponse, TeachingReveal, TeachingState, TeachingTarget } from '../../api/schemas-teaching';
import type { WorkstationDb } from '../db/workstation-db';
import { assertDraftReview, assertFrameInReview, assertReview, recordChange } from '../reviews/review-guard-store';

export interface TeachingViewer {
  name: string;
  role: ReviewerRole | null;
}

export interface TeachingModesTable {
  review_id: number;
  set_by: string;
  set_role: 'attending' | 'educator';
  set_at: string;
}

export interface TeachingResponsesTable {
  id: Generated<number>;
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

export interface TeachingDb {
  teaching_modes: TeachingModesTable;
  teaching_responses: TeachingResponsesTable;
}

const toMode = (r: Selectable<TeachingModesTable>): TeachingMode => ({ reviewId: r.review_id, setBy: r.set_by, setRole: r.set_role, setAt: r.set_at });
const toResponse = (r: Selectable<TeachingResponsesTable>): TeachingResponse => ({
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

export interface TeachingStore {
  /** The review's teaching mode as this reviewer sees it. */
  state(reviewId: number, me: TeachingViewer): Promise<TeachingState>;
  /** The review's teaching mode, or null (reports, and anything that does not depend on the viewer). */
  mode(reviewId: number): Promise<TeachingMode | null>;
  /** Every response on the review, oldest first (reports). */
  allResponses(reviewId: number): Promise<TeachingResponse[]>;
  setMode(reviewId: number, on: boolean, me: TeachingViewer): Promise<TeachingState>;
  /** Writes this reviewer's response on the frame or segment, or updates the one they wrote. */
  respond(input: { reviewId: number; target: TeachingTarget; seen: string; nextStep: string }, me: TeachingViewer): Promise<{ state: TeachingState; response: TeachingResponse }>;
  /** The responses, the latest completed analysis and the notes on the frame or segment (a gated reviewer: after answering). */
  reveal(reviewId: number, target: TeachingTarget, me: TeachingViewer): Promise<TeachingReveal>;
}

type Db = Kysely<WorkstationDb>;

function named(me: TeachingViewer, what: string): string {
  const name = me.name.trim();
  if (!name || !me.role) throw new WorkstationError('conflict', `Set your name and role (resident, attending or educator) in Settings → Reviewer first: ${what}.`);
  return name;
}

const modeRow = (db: Db, reviewId: number) => db.selectFrom('teaching_modes').selectAll().where('review_id', '=', reviewId).executeTakeFirst();
const responsesOf = async (db: Db, reviewId: number) =>
  (await db.selectFrom('teaching_responses').selectAll().where('review_id', '=', reviewId).orderBy('created_at').orderBy('id').execute()).map(toResponse);
const segmentRow = (db: Db, id: number) =>
  db.selectFrom('segments').select(['id', 'review_id', 'start_frame', 'end_frame', 'note', 'author', 'updated_at']).where('id', '=', id).executeTakeFirst();

/** The target belongs to the review (a frame captured in it, or one of its segments). */
async function checkTarget(db: Db, reviewId: number, t: TeachingTarget): Promise<void> {
  if (t.frameId !== undefined) return assertFrameInReview(db, t.frameId, reviewId);
  const s = await segmentRow(db, t.segmentId!);
  if (!s) throw new WorkstationError('not-found', `Segment ${t.segmentId} does not exist (it may have been deleted).`);
  if (s.review_id !== reviewId) throw new WorkstationError('invalid-argument', `Segment ${t.segmentId} does not belong to review ${reviewId}.`);
}

/** This author's response on the target, if any. */
function mine(db: Db, t: TeachingTarget, name: string) {
  const q = db.selectFrom('teaching_responses').selectAll().where('author', '=', name);
  return (t.frameId !== undefined ? q.where('frame_id', '=', t.frameId) : q.where('segment_id', '=', t.segmentId!)).executeTakeFirst();
}

/** The latest completed analysis of a frame, or of a frame of the review captured in a range of frames. */
function latestAnalysis(db: Db, where: { frameId: number } | { reviewId: number; from: number; to: number }) {
  let q = db
    .selectFrom('analyses as a')
    .innerJoin('frames as f', 'f.id', 'a.frame_id')
    // frames.frame_index: the guard's view of frames (GuardDb) does not declare it.
    .select(['a.id', 'a.frame_id', 'a.thinking', 'a.answer', 'a.provenance_json', 'a.created_at', sql<number | null>`f.frame_index`.as('frame_index')])
    .where('a.status', '=', 'completed');
  q = 'frameId' in where ? q.where('a.frame_id', '=', where.frameId) : q.where('f.review_id', '=', where.reviewId).where(sql<boolean>`f.frame_index between ${where.from} and ${where.to}`);
  return q.orderBy('a.completed_at', 'desc').orderBy('a.id', 'desc').limit(1).executeTakeFirst();
}

export function createTeachingStore(db: Db, now: () => string = () => new Date().toISOString()): TeachingStore {
  async function state(reviewId: number, me: TeachingViewer, from: Db = db): Promise<TeachingState> {
    await assertReview(from, reviewId);
    const m = await modeRow(from, reviewId);
    const name = me.name.trim();
    const all = await responsesOf(from, reviewId);
    return {
      reviewId,
      mode: m ? toMode(m) : null,
      name,
      role: me.role,
      gated: m !== undefined && !teaches(me.role),
      responses: teaches(me.role) ? all : all.filter((r) => name !== '' && r.author === name),
    };
  }

  return {
    state: (reviewId, me) => state(reviewId, me),
    async mode(reviewId) {
      const m = await modeRow(db, reviewId);
      return m ? toMode(m) : null;
    },
    allResponses: (reviewId) => responsesOf(db, reviewId),

    async setMode(reviewId, on, me) {
      const name = named(me, 'teaching mode records who turned it on');
      if (!teaches(me.role)) throw new WorkstationError('conflict', 'Only an attending or an educator can turn teaching mode on or off (your role in Settings → Reviewer is resident).');
      const role = me.role;
      return db.transaction().execute(async (trx) => {
        await assertDraftReview(trx, reviewId, on ? 'turn teaching mode on' : 'turn teaching mode off');
        const before = await modeRow(trx, reviewId);
        if (on === (before !== undefined)) return state(reviewId, me, trx);
        const at = now();
        let after: TeachingMode | null = null;
        if (on) after = toMode(await trx.insertInto('teaching_modes').values({ review_id: reviewId, set_by: name, set_role: role, set_at: at }).returningAll().executeTakeFirstOrThrow());
        else await trx.deleteFrom('teaching_modes').where('review_id', '=', reviewId).execute();
        await recordChange(trx, { entity: 'teaching', entityId: reviewId, reviewId, action: on ? 'create' : 'delete', before: before ? toMode(before) : null, after, actor: name, at });
        return state(reviewId, me, trx);
      });
    },

    async respond(input, me) {
      const name = named(me, 'a response records who wrote it');
      const role = me.role!;
      return db.transaction().execute(async (trx) => {
        await assertDraftReview(trx, input.reviewId, 'write a response');
        if (!(await modeRow(trx, input.reviewId))) throw new WorkstationError('conflict', 'This review is not in teaching mode: an attending or educator turns it on in the Analysis tab.');
        await checkTarget(trx, input.reviewId, input.target);
        const at = now();
        const existing = await mine(trx, input.target, name);
        const row = existing
          ? await trx
              .updateTable('teaching_responses')
              .set({ seen: input.seen, next_step: input.nextStep, author_role: role, updated_at: at })
              .where('id', '=', existing.id)
              .returningAll()
              .executeTakeFirstOrThrow()
          : await trx
              .insertInto('teaching_responses')
              .values({
                review_id: input.reviewId,
                frame_id: input.target.frameId ?? null,
                segment_id: input.target.segmentId ?? null,
                seen: input.seen,
                next_step: input.nextStep,
                author: name,
                author_role: role,
                created_at: at,
                updated_at: at,
              })
              .returningAll()
              .executeTakeFirstOrThrow();
        const response = toResponse(row);
        await recordChange(trx, {
          entity: 'response',
          entityId: response.id,
          reviewId: input.reviewId,
          action: existing ? 'update' : 'create',
          before: existing ? toResponse(existing) : null,
          after: response,
          actor: name,
          at,
        });
        return { state: await state(input.reviewId, me, trx), response };
      });
    },

    async reveal(reviewId, target, me) {
      const st = await state(reviewId, me);
      await checkTarget(db, reviewId, target);
      const where = target.frameId !== undefined ? 'this frame' : 'this segment';
      if (st.gated && (!st.name || !(await mine(db, target, st.name)))) {
        throw new WorkstationError('conflict', `Teaching mode: write what you see and what you would do next on ${where} first; the model's analysis and the attending's notes are shown after you save.`);
      }
      const onTarget = (r: TeachingResponse) => (target.frameId !== undefined ? r.frameId === target.frameId : r.segmentId === target.segmentId);
      let analysis;
      let notes: TeachingReveal['notes'] = [];
      if (target.frameId !== undefined) {
        analysis = await latestAnalysis(db, { frameId: target.frameId });
        const rows = await db.selectFrom('notes').select(['id', 'text', 'author', 'updated_at']).where('frame_id', '=', target.frameId).orderBy('created_at').orderBy('id').execute();
        notes = rows.map((n) => ({ id: n.id, kind: 'note' as const, text: n.text, author: n.author, updatedAt: n.updated_at }));
      } else {
        const s = (await segmentRow(db, target.segmentId!))!;
        analysis = await latestAnalysis(db, { reviewId, from: s.start_frame, to: s.end_frame });
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
