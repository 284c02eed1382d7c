// The trainee page's data: every operating surgeon the cases name, and one surgeon's reviews with their scores
// (oldest first), read straight from the SQLite library (the templates through the rubrics store).
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import type { AssessmentKind, RubricTemplate, ScoreValue, TraineeReview, TraineeSummary, TraineeView } from '../../api/schemas-assessment';
import type { RubricsStore } from './rubrics-store';

interface ReviewRow {
  review_id: number;
  case_id: number;
  code: string;
  surgery_date: string | null;
  created_at: string;
  status: 'draft' | 'final';
}
interface AssessmentRow {
  id: number;
  review_id: number;
  kind: AssessmentKind;
  rubric_id: string;
  rubric_version: number;
  focus: string;
  author: string;
}
interface ScoreRow {
  assessment_id: number;
  step_id: string;
  score: number | null;
  mark: 'na' | 'preceptor' | null;
}

export function createTrainees(db: Database, deps: { rubrics: Pick<RubricsStore, 'get'> }) {
  const summaries = db.prepare<[], TraineeSummary>(
    `SELECT min(trim(c.surgeon)) AS surgeon,
            count(DISTINCT c.id) AS cases,
            count(DISTINCT r.id) AS reviews,
            count(DISTINCT a.review_id) AS assessed
     FROM cases c LEFT JOIN reviews r ON r.case_id = c.id LEFT JOIN assessments a ON a.review_id = r.id
     WHERE trim(c.surgeon) <> ''
     GROUP BY trim(c.surgeon) COLLATE NOCASE
     ORDER BY surgeon COLLATE NOCASE`,
  );
  const reviewsOf = db.prepare<[string], ReviewRow>(
    `SELECT r.id AS review_id, c.id AS case_id, c.code, c.surgery_date, r.created_at, r.status
     FROM cases c JOIN reviews r ON r.case_id = c.id
     WHERE trim(c.surgeon) = trim(?) COLLATE NOCASE
     ORDER BY coalesce(c.surgery_date, substr(r.created_at, 1, 10)), r.created_at, r.id`,
  );
  const assessmentsOf = db.prepare<[string], AssessmentRow>(
    `SELECT a.id, a.review_id, a.kind, a.rubric_id, a.rubric_version, a.focus, a.author
     FROM assessments a JOIN reviews r ON r.id = a.review_id JOIN cases c ON c.id = r.case_id
     WHERE trim(c.surgeon) = trim(?) COLLATE NOCASE`,
  );
  const scoresOf = db.prepare<[string], ScoreRow>(
    `SELECT s.assessment_id, s.step_id, s.score, s.mark
     FROM assessment_scores s JOIN assessments a ON a.id = s.assessment_id JOIN reviews r ON r.id = a.review_id JOIN cases c ON c.id = r.case_id
     WHERE trim(c.surgeon) = trim(?) COLLATE NOCASE`,
  );

  return {
    list: (): TraineeSummary[] => summaries.all(),
    async get(surgeon: string): Promise<TraineeView> {
      const reviews = reviewsOf.all(surgeon);
      if (reviews.length === 0 && !summaries.all().some((s) => s.surgeon.toLowerCase() === surgeon.trim().toLowerCase())) {
        throw new WorkstationError('not-found', `No case names "${surgeon}" as its surgeon.`);
      }
      const assessments = assessmentsOf.all(surgeon);
      const scores = new Map<number, { stepId: string; value: ScoreValue }[]>();
      for (const s of scoresOf.all(surgeon)) {
        const list = scores.get(s.assessment_id) ?? [];
        list.push({ stepId: s.step_id, value: s.mark ?? s.score });
        scores.set(s.assessment_id, list);
      }
      const templates = new Map<string, RubricTemplate>();
      const chart = async (reviewId: number, kind: AssessmentKind): Promise<TraineeReview['self']> => {
        const a = assessments.find((x) => x.review_id === reviewId && x.kind === kind);
        if (!a) return null;
        const key = `${a.rubric_id}@${a.rubric_version}`;
        if (!templates.has(key)) templates.set(key, await deps.rubrics.get(a.rubric_id, a.rubric_version));
        return { rubricId: a.rubric_id, rubricVersion: a.rubric_version, scores: scores.get(a.id) ?? [], focus: a.focus, author: a.author };
      };
      const out: TraineeReview[] = [];
      for (const r of reviews) {
        const self = await chart(r.review_id, 'self');
        const assessor = await chart(r.review_id, 'assessor');
        out.push({ reviewId: r.review_id, caseId: r.case_id, caseCode: r.code, date: r.surgery_date ?? r.created_at.slice(0, 10), status: r.status, self, assessor });
      }
      const name = summaries.all().find((s) => s.surgeon.toLowerCase() === surgeon.trim().toLowerCase())?.surgeon ?? surgeon.trim();
      return { surgeon: name, reviews: out, rubrics: [...templates.values()] };
    },
  };
}
export type Trainees = ReturnType<typeof createTrainees>;
