// A review's assessments: the resident's self-assessment and the assessor's (at most one of each), step by step, on
// the workstation's library (SQLite or PostgreSQL). Who writes which is decided by the reviewer's role in Settings.
// Every write is one transaction with its audit row and is refused on a finalised review. An assessment and its
// scores go with their review (the schema's ON DELETE CASCADE); a score's segment, when deleted, leaves it (SET NULL).
import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import { WorkstationError } from '../../api/errors';
import type { ReviewerRole } from '../../api/schemas';
import type { Assessment, AssessmentKind, AssessmentScoreInput, ReviewAssessments, RubricTemplate, ScoreValue, StepScore } from '../../api/schemas-assessment';
import type { WorkstationDb } from '../db/workstation-db';
import { assertDraftReview, assertReview, recordChange } from '../reviews/review-guard-store';
import type { RubricsStore } from './rubrics-store';

export interface Assessor {
  name: string;
  role: ReviewerRole | null;
}

export interface AssessmentsTable {
  id: Generated<number>;
  review_id: number;
  kind: AssessmentKind;
  rubric_id: string;
  rubric_version: number;
  author: string;
  author_role: ReviewerRole;
  focus: Generated<string>;
  created_at: string;
  updated_at: string;
}

export interface AssessmentScoresTable {
  assessment_id: number;
  step_id: string;
  score: number | null;
  mark: 'na' | 'preceptor' | null;
  comment: Generated<string>;
  frame_index: number | null;
  media_time: number | null;
  segment_id: number | null;
  updated_at: string;
}

export interface AssessmentsDb {
  assessments: AssessmentsTable;
  assessment_scores: AssessmentScoresTable;
}

type AssessmentRow = Selectable<AssessmentsTable>;
type ScoreRow = Selectable<AssessmentScoresTable>;

const toScore = (r: ScoreRow): StepScore => ({
  stepId: r.step_id,
  value: r.mark ?? r.score,
  comment: r.comment,
  frameIndex: r.frame_index,
  mediaTime: r.media_time,
  segmentId: r.segment_id,
  updatedAt: r.updated_at,
});

/** resident → self-assessment; attending or educator → assessor; null before a role is set. */
export function kindForRole(role: ReviewerRole | null): AssessmentKind | null {
  if (role === null) return null;
  return role === 'resident' ? 'self' : 'assessor';
}

/** The reviewer's kind, or why they cannot score. */
function writer(me: Assessor): { kind: AssessmentKind; name: string; role: ReviewerRole } {
  const name = me.name.trim();
  const kind = kindForRole(me.role);
  if (!name || !kind || !me.role) throw new WorkstationError('conflict', 'Set your name and role (resident, attending or educator) in Settings → Reviewer first: an assessment records who scored it, and the role decides whether it is a self-assessment.');
  return { kind, name, role: me.role };
}

function checkValue(t: RubricTemplate, value: ScoreValue): void {
  if (value === null) return;
  if (typeof value === 'number') {
    if (!t.scale.some((s) => s.value === value)) throw new WorkstationError('invalid-argument', `${value} is not a score of "${t.name}" (${t.scale.map((s) => `${s.value} ${s.label}`).join(', ')}).`);
  } else if (!t.marks.some((m) => m.id === value)) {
    throw new WorkstationError('invalid-argument', `"${value}" is not an answer "${t.name}" allows.`);
  }
}

const WHAT = 'change the assessment';

export interface AssessmentsStore {
  /** The review's assessments (the reviewer's kind decided by their role) with the templates they use. */
  forReview(reviewId: number, me: Assessor): Promise<ReviewAssessments>;
  /** Starts the reviewer's assessment with a template, or changes its template (its scores are cleared). */
  setRubric(reviewId: number, rubricId: string, rubricVersion: number, me: Assessor): Promise<ReviewAssessments>;
  /** Scores one step of the reviewer's assessment: what is given changes, the rest stays. */
  score(input: AssessmentScoreInput, me: Assessor): Promise<ReviewAssessments>;
  /** The reviewer's "areas of focus". */
  setFocus(reviewId: number, focus: string, me: Assessor): Promise<ReviewAssessments>;
}

export function createAssessmentsStore(db: Kysely<WorkstationDb>, deps: { rubrics: RubricsStore; now?: () => string }): AssessmentsStore {
  const { rubrics } = deps;
  const now = deps.now ?? (() => new Date().toISOString());

  const byKind = (from: Kysely<WorkstationDb>, reviewId: number, kind: AssessmentKind) =>
    from.selectFrom('assessments').selectAll().where('review_id', '=', reviewId).where('kind', '=', kind).executeTakeFirst();
  const scoreOf = (from: Kysely<WorkstationDb>, assessmentId: number, stepId: string) =>
    from.selectFrom('assessment_scores').selectAll().where('assessment_id', '=', assessmentId).where('step_id', '=', stepId).executeTakeFirst();

  async function toAssessment(from: Kysely<WorkstationDb>, r: AssessmentRow, template: RubricTemplate | null): Promise<Assessment> {
    const order = new Map((template?.steps ?? []).map((s, i) => [s.id, i]));
    // In the template's order; the primary key's (step id) among steps it does not name, alike on both backends.
    const rows = await from.selectFrom('assessment_scores').selectAll().where('assessment_id', '=', r.id).execute();
    rows.sort((a, b) => (a.step_id < b.step_id ? -1 : a.step_id > b.step_id ? 1 : 0));
    const scores = rows.map(toScore).sort((a, b) => (order.get(a.stepId) ?? 999) - (order.get(b.stepId) ?? 999));
    return {
      id: r.id,
      reviewId: r.review_id,
      kind: r.kind,
      rubricId: r.rubric_id,
      rubricVersion: r.rubric_version,
      author: r.author,
      authorRole: r.author_role,
      focus: r.focus,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      scores,
    };
  }

  async function forReview(reviewId: number, me: Assessor): Promise<ReviewAssessments> {
    await assertReview(db, reviewId);
    const rows = await db.selectFrom('assessments').selectAll().where('review_id', '=', reviewId).orderBy('kind').execute();
    const templates = new Map<string, RubricTemplate>();
    for (const r of rows) templates.set(`${r.rubric_id}@${r.rubric_version}`, await rubrics.get(r.rubric_id, r.rubric_version));
    const find = async (kind: AssessmentKind) => {
      const r = rows.find((x) => x.kind === kind);
      return r ? toAssessment(db, r, templates.get(`${r.rubric_id}@${r.rubric_version}`) ?? null) : null;
    };
    return { reviewId, self: await find('self'), assessor: await find('assessor'), myKind: kindForRole(me.role), rubrics: [...templates.values()] };
  }

  async function mine(trx: Kysely<WorkstationDb>, reviewId: number, kind: AssessmentKind): Promise<AssessmentRow> {
    const row = await byKind(trx, reviewId, kind);
    if (!row) throw new WorkstationError('conflict', 'Choose a rubric template first: this review has no assessment of yours yet.');
    return row;
  }

  return {
    forReview,
    async setRubric(reviewId, rubricId, rubricVersion, me) {
      const who = writer(me);
      await db.transaction().execute(async (trx) => {
        await assertDraftReview(trx, reviewId, WHAT);
        const t = await rubrics.ensureStored(trx, rubricId, rubricVersion, who.name);
        const at = now();
        const existing = await byKind(trx, reviewId, who.kind);
        const after = { kind: who.kind, rubricId: t.id, rubricVersion: t.version, author: who.name, authorRole: who.role };
        if (!existing) {
          const row = await trx
            .insertInto('assessments')
            .values({ review_id: reviewId, kind: who.kind, rubric_id: t.id, rubric_version: t.version, author: who.name, author_role: who.role, created_at: at, updated_at: at })
            .returning('id')
            .executeTakeFirstOrThrow();
          await recordChange(trx, { entity: 'assessment', entityId: row.id, reviewId, action: 'create', before: null, after, actor: who.name, at });
        } else if (existing.rubric_id !== t.id || existing.rubric_version !== t.version) {
          const before = await toAssessment(trx, existing, null);
          await trx.deleteFrom('assessment_scores').where('assessment_id', '=', existing.id).execute();
          await trx.updateTable('assessments').set({ rubric_id: t.id, rubric_version: t.version, author: who.name, author_role: who.role, updated_at: at }).where('id', '=', existing.id).execute();
          await recordChange(trx, { entity: 'assessment', entityId: existing.id, reviewId, action: 'update', before, after: { ...after, scores: [] }, actor: who.name, at });
        }
      });
      return forReview(reviewId, me);
    },
    async score(input, me) {
      const who = writer(me);
      await db.transaction().execute(async (trx) => {
        await assertDraftReview(trx, input.reviewId, WHAT);
        const row = await mine(trx, input.reviewId, who.kind);
        const t = await rubrics.get(row.rubric_id, row.rubric_version, trx);
        const step = t.steps.find((s) => s.id === input.stepId);
        if (!step) throw new WorkstationError('invalid-argument', `"${t.name}" has no step "${input.stepId}".`);
        if (input.value !== undefined) checkValue(t, input.value);
        if (input.segmentId != null) {
          const segment = await trx.selectFrom('segments').select('review_id').where('id', '=', input.segmentId).executeTakeFirst();
          if (segment?.review_id !== input.reviewId) throw new WorkstationError('invalid-argument', `Segment ${input.segmentId} is not one of this review's phase segments.`);
        }
        const video = await sql<{ frame_count: number | null }>`select v.frame_count from reviews r join videos v on v.id = r.video_id where r.id = ${input.reviewId}`.execute(trx);
        const frames = video.rows[0]?.frame_count ?? null;
        if (input.moment && frames !== null && input.moment.frameIndex >= frames) {
          throw new WorkstationError('invalid-argument', `Frame ${input.moment.frameIndex} is past the end of the video (${frames} frames).`);
        }
        const prev = await scoreOf(trx, row.id, step.id);
        const before = prev ? toScore(prev) : null;
        const value = input.value !== undefined ? input.value : (before?.value ?? null);
        const moment = input.moment !== undefined ? input.moment : before && before.frameIndex !== null ? { frameIndex: before.frameIndex, mediaTime: before.mediaTime ?? 0 } : null;
        const at = now();
        const fields = {
          score: typeof value === 'number' ? value : null,
          mark: typeof value === 'string' ? value : null,
          comment: input.comment !== undefined ? input.comment : (before?.comment ?? ''),
          frame_index: moment?.frameIndex ?? null,
          media_time: moment?.mediaTime ?? null,
          segment_id: input.segmentId !== undefined ? input.segmentId : (before?.segmentId ?? null),
          updated_at: at,
        };
        const saved = await trx
          .insertInto('assessment_scores')
          .values({ assessment_id: row.id, step_id: step.id, ...fields })
          .onConflict((oc) => oc.columns(['assessment_id', 'step_id']).doUpdateSet(fields))
          .returningAll()
          .executeTakeFirstOrThrow();
        await trx.updateTable('assessments').set({ author: who.name, author_role: who.role, updated_at: at }).where('id', '=', row.id).execute();
        const after = toScore(saved);
        await recordChange(trx, { entity: 'assessment', entityId: row.id, reviewId: input.reviewId, action: 'update', before: before && { kind: who.kind, step: before }, after: { kind: who.kind, step: after, author: who.name }, actor: who.name, at });
      });
      return forReview(input.reviewId, me);
    },
    async setFocus(reviewId, focus, me) {
      const who = writer(me);
      await db.transaction().execute(async (trx) => {
        await assertDraftReview(trx, reviewId, WHAT);
        const row = await mine(trx, reviewId, who.kind);
        if (row.focus === focus) return;
        const at = now();
        await trx.updateTable('assessments').set({ focus, author: who.name, author_role: who.role, updated_at: at }).where('id', '=', row.id).execute();
        await recordChange(trx, { entity: 'assessment', entityId: row.id, reviewId, action: 'update', before: { kind: who.kind, focus: row.focus }, after: { kind: who.kind, focus, author: who.name }, actor: who.name, at });
      });
      return forReview(reviewId, me);
    },
  };
}
