// A review's assessments: the resident's self-assessment and the assessor's (at most one of each), step by step.
// Who writes which is decided by the reviewer's role in Settings. Every write is one transaction with its audit row
// and is refused on a finalised review (review-guard.ts).
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import type { ReviewerRole } from '../../api/schemas';
import type { Assessment, AssessmentKind, AssessmentScoreInput, ReviewAssessments, RubricTemplate, ScoreValue, StepScore } from '../../api/schemas-assessment';
import type { AuditLog } from '../audit/audit-log';
import type { ReviewGuard } from '../reviews/review-guard';
import type { RubricLibrary } from './rubric-library';

export interface Assessor {
  name: string;
  role: ReviewerRole | null;
}

interface AssessmentRow {
  id: number;
  review_id: number;
  kind: AssessmentKind;
  rubric_id: string;
  rubric_version: number;
  author: string;
  author_role: ReviewerRole;
  focus: string;
  created_at: string;
  updated_at: string;
}

interface ScoreRow {
  assessment_id: number;
  step_id: string;
  score: number | null;
  mark: 'na' | 'preceptor' | null;
  comment: string;
  frame_index: number | null;
  media_time: number | null;
  segment_id: number | null;
  updated_at: string;
}

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

export function createAssessmentsRepo(db: Database, deps: { audit: AuditLog; guard: ReviewGuard; rubrics: RubricLibrary; now?: () => string }) {
  const { audit, guard, rubrics } = deps;
  const now = deps.now ?? (() => new Date().toISOString());

  const byReview = db.prepare<[number], AssessmentRow>('SELECT * FROM assessments WHERE review_id = ? ORDER BY kind');
  const byKind = db.prepare<[number, string], AssessmentRow>('SELECT * FROM assessments WHERE review_id = ? AND kind = ?');
  const scoresOf = db.prepare<[number], ScoreRow>('SELECT * FROM assessment_scores WHERE assessment_id = ?');
  const scoreOf = db.prepare<[number, string], ScoreRow>('SELECT * FROM assessment_scores WHERE assessment_id = ? AND step_id = ?');
  const insert = db.prepare<[number, string, string, number, string, string, string, string]>(
    'INSERT INTO assessments (review_id, kind, rubric_id, rubric_version, author, author_role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const setRubric = db.prepare<[string, number, string, string, string, number]>(
    'UPDATE assessments SET rubric_id = ?, rubric_version = ?, author = ?, author_role = ?, updated_at = ? WHERE id = ?',
  );
  const setFocus = db.prepare<[string, string, string, string, number]>('UPDATE assessments SET focus = ?, author = ?, author_role = ?, updated_at = ? WHERE id = ?');
  const touchAuthor = db.prepare<[string, string, string, number]>('UPDATE assessments SET author = ?, author_role = ?, updated_at = ? WHERE id = ?');
  const clearScores = db.prepare<[number]>('DELETE FROM assessment_scores WHERE assessment_id = ?');
  const upsertScore = db.prepare(
    `INSERT INTO assessment_scores (assessment_id, step_id, score, mark, comment, frame_index, media_time, segment_id, updated_at)
     VALUES (@assessmentId, @stepId, @score, @mark, @comment, @frameIndex, @mediaTime, @segmentId, @at)
     ON CONFLICT (assessment_id, step_id) DO UPDATE SET score = excluded.score, mark = excluded.mark, comment = excluded.comment,
       frame_index = excluded.frame_index, media_time = excluded.media_time, segment_id = excluded.segment_id, updated_at = excluded.updated_at`,
  );
  const segmentOf = db.prepare<[number], { review_id: number }>('SELECT review_id FROM segments WHERE id = ?');
  const videoFrames = db.prepare<[number], { frame_count: number | null }>('SELECT v.frame_count FROM reviews r JOIN videos v ON v.id = r.video_id WHERE r.id = ?');

  function toAssessment(r: AssessmentRow, template: RubricTemplate | null): Assessment {
    const order = new Map((template?.steps ?? []).map((s, i) => [s.id, i]));
    const scores = scoresOf.all(r.id).map(toScore).sort((a, b) => (order.get(a.stepId) ?? 999) - (order.get(b.stepId) ?? 999));
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

  function forReview(reviewId: number, me: Assessor): ReviewAssessments {
    guard.review(reviewId);
    const rows = byReview.all(reviewId);
    const templates = new Map<string, RubricTemplate>();
    for (const r of rows) templates.set(`${r.rubric_id}@${r.rubric_version}`, rubrics.get(r.rubric_id, r.rubric_version));
    const find = (kind: AssessmentKind) => {
      const r = rows.find((x) => x.kind === kind);
      return r ? toAssessment(r, templates.get(`${r.rubric_id}@${r.rubric_version}`) ?? null) : null;
    };
    return { reviewId, self: find('self'), assessor: find('assessor'), myKind: kindForRole(me.role), rubrics: [...templates.values()] };
  }

  /** The reviewer's kind, or why they cannot score. */
  function writer(me: Assessor): { kind: AssessmentKind; name: string; role: ReviewerRole } {
    const name = me.name.trim();
    const kind = kindForRole(me.role);
    if (!name || !kind || !me.role) throw new WorkstationError('conflict', 'Set your name and role (resident, attending or educator) in Settings → Reviewer first: an assessment records who scored it, and the role decides whether it is a self-assessment.');
    return { kind, name, role: me.role };
  }

  function mine(reviewId: number, kind: AssessmentKind): AssessmentRow {
    const row = byKind.get(reviewId, kind);
    if (!row) throw new WorkstationError('conflict', 'Choose a rubric template first: this review has no assessment of yours yet.');
    return row;
  }

  function checkValue(t: RubricTemplate, value: ScoreValue): void {
    if (value === null) return;
    if (typeof value === 'number') {
      if (!t.scale.some((s) => s.value === value)) throw new WorkstationError('invalid-argument', `${value} is not a score of "${t.name}" (${t.scale.map((s) => `${s.value} ${s.label}`).join(', ')}).`);
    } else if (!t.marks.some((m) => m.id === value)) {
      throw new WorkstationError('invalid-argument', `"${value}" is not an answer "${t.name}" allows.`);
    }
  }

  return {
    forReview,
    /** Starts the reviewer's assessment with a template, or changes its template (its scores are cleared). */
    setRubric(reviewId: number, rubricId: string, rubricVersion: number, me: Assessor): ReviewAssessments {
      const who = writer(me);
      db.transaction(() => {
        guard.draftReview(reviewId, 'change the assessment');
        const t = rubrics.ensureStored(rubricId, rubricVersion, who.name);
        const at = now();
        const existing = byKind.get(reviewId, who.kind);
        if (!existing) {
          const id = Number(insert.run(reviewId, who.kind, t.id, t.version, who.name, who.role, at, at).lastInsertRowid);
          audit.record({ entity: 'assessment', entityId: id, reviewId, action: 'create', before: null, after: { kind: who.kind, rubricId: t.id, rubricVersion: t.version, author: who.name, authorRole: who.role }, actor: who.name, at });
        } else if (existing.rubric_id !== t.id || existing.rubric_version !== t.version) {
          const before = toAssessment(existing, null);
          clearScores.run(existing.id);
          setRubric.run(t.id, t.version, who.name, who.role, at, existing.id);
          audit.record({ entity: 'assessment', entityId: existing.id, reviewId, action: 'update', before, after: { kind: who.kind, rubricId: t.id, rubricVersion: t.version, author: who.name, authorRole: who.role, scores: [] }, actor: who.name, at });
        } else return;
        guard.touch(reviewId, at);
      }).immediate();
      return forReview(reviewId, me);
    },
    /** Scores one step of the reviewer's assessment: what is given changes, the rest stays. */
    score(input: AssessmentScoreInput, me: Assessor): ReviewAssessments {
      const who = writer(me);
      db.transaction(() => {
        guard.draftReview(input.reviewId, 'change the assessment');
        const row = mine(input.reviewId, who.kind);
        const t = rubrics.get(row.rubric_id, row.rubric_version);
        const step = t.steps.find((s) => s.id === input.stepId);
        if (!step) throw new WorkstationError('invalid-argument', `"${t.name}" has no step "${input.stepId}".`);
        if (input.value !== undefined) checkValue(t, input.value);
        if (input.segmentId != null && segmentOf.get(input.segmentId)?.review_id !== input.reviewId) {
          throw new WorkstationError('invalid-argument', `Segment ${input.segmentId} is not one of this review's phase segments.`);
        }
        const frames = videoFrames.get(input.reviewId)?.frame_count ?? null;
        if (input.moment && frames !== null && input.moment.frameIndex >= frames) {
          throw new WorkstationError('invalid-argument', `Frame ${input.moment.frameIndex} is past the end of the video (${frames} frames).`);
        }
        const prev = scoreOf.get(row.id, step.id);
        const before = prev ? toScore(prev) : null;
        const value = input.value !== undefined ? input.value : (before?.value ?? null);
        const moment = input.moment !== undefined ? input.moment : before && before.frameIndex !== null ? { frameIndex: before.frameIndex, mediaTime: before.mediaTime ?? 0 } : null;
        const at = now();
        upsertScore.run({
          assessmentId: row.id,
          stepId: step.id,
          score: typeof value === 'number' ? value : null,
          mark: typeof value === 'string' ? value : null,
          comment: input.comment !== undefined ? input.comment : (before?.comment ?? ''),
          frameIndex: moment?.frameIndex ?? null,
          mediaTime: moment?.mediaTime ?? null,
          segmentId: input.segmentId !== undefined ? input.segmentId : (before?.segmentId ?? null),
          at,
        });
        touchAuthor.run(who.name, who.role, at, row.id);
        const after = toScore(scoreOf.get(row.id, step.id)!);
        audit.record({ entity: 'assessment', entityId: row.id, reviewId: input.reviewId, action: 'update', before: before && { kind: who.kind, step: before }, after: { kind: who.kind, step: after, author: who.name }, actor: who.name, at });
        guard.touch(input.reviewId, at);
      }).immediate();
      return forReview(input.reviewId, me);
    },
    /** The reviewer's "areas of focus". */
    setFocus(reviewId: number, focus: string, me: Assessor): ReviewAssessments {
      const who = writer(me);
      db.transaction(() => {
        guard.draftReview(reviewId, 'change the assessment');
        const row = mine(reviewId, who.kind);
        if (row.focus === focus) return;
        const at = now();
        setFocus.run(focus, who.name, who.role, at, row.id);
        audit.record({ entity: 'assessment', entityId: row.id, reviewId, action: 'update', before: { kind: who.kind, focus: row.focus }, after: { kind: who.kind, focus, author: who.name }, actor: who.name, at });
        guard.touch(reviewId, at);
      }).immediate();
      return forReview(reviewId, me);
    },
  };
}
export type AssessmentsRepo = ReturnType<typeof createAssessmentsRepo>;
