// The contract handlers for skill assessment (contract-assessment.ts): rubric templates, a review's assessments and
// the trainee page. The assessor is the reviewer in Settings (name and role); every write tells open windows.
import type { Database } from 'better-sqlite3';
import type { Handlers } from '../../api/dispatch';
import type { EventName, EventPayload } from '../../api/contract';
import type { AuditLog } from '../audit/audit-log';
import type { ReviewGuard } from '../reviews/review-guard';
import { createAssessmentsRepo, type Assessor } from './assessments-repo';
import { createRubricLibrary } from './rubric-library';
import { createTrainees } from './trainees';

type AssessmentChannel =
  | 'rubrics.list'
  | 'rubrics.import'
  | 'assessments.get'
  | 'assessments.setRubric'
  | 'assessments.score'
  | 'assessments.setFocus'
  | 'trainees.list'
  | 'trainees.get';

export interface AssessmentServicesDeps {
  db: Database;
  audit: AuditLog;
  guard: ReviewGuard;
  /** The reviewer as Settings name them. */
  identity: () => Assessor;
  emit?: <E extends EventName>(name: E, payload: EventPayload<E>) => void;
  now?: () => string;
}

export function createAssessmentServices(d: AssessmentServicesDeps) {
  const now = d.now ? { now: d.now } : {};
  const rubrics = createRubricLibrary(d.db, { audit: d.audit, ...now });
  const assessments = createAssessmentsRepo(d.db, { audit: d.audit, guard: d.guard, rubrics, ...now });
  const trainees = createTrainees(d.db, { rubrics });
  const changed = (reviewId: number, id: number | null) => d.emit?.('library.changed', { entity: 'assessment', action: 'update', reviewId, frameId: null, id });
  const mineId = (r: { self: { id: number } | null; assessor: { id: number } | null; myKind: 'self' | 'assessor' | null }) => (r.myKind ? (r[r.myKind]?.id ?? null) : null);

  const handlers: Pick<Handlers, AssessmentChannel> = {
    'rubrics.list': () => rubrics.list(),
    'rubrics.import': ({ text, fileName }) => rubrics.importText(text, fileName, d.identity().name.trim() || 'Reviewer'),
    'assessments.get': ({ reviewId }) => assessments.forReview(reviewId, d.identity()),
    'assessments.setRubric': ({ reviewId, rubricId, rubricVersion }) => {
      const r = assessments.setRubric(reviewId, rubricId, rubricVersion, d.identity());
      changed(reviewId, mineId(r));
      return r;
    },
    'assessments.score': (input) => {
      const r = assessments.score(input, d.identity());
      changed(input.reviewId, mineId(r));
      return r;
    },
    'assessments.setFocus': ({ reviewId, focus }) => {
      const r = assessments.setFocus(reviewId, focus, d.identity());
      changed(reviewId, mineId(r));
      return r;
    },
    'trainees.list': () => trainees.list(),
    'trainees.get': ({ surgeon }) => trainees.get(surgeon),
  };
  return { handlers, rubrics, assessments, trainees };
}
export type AssessmentServices = ReturnType<typeof createAssessmentServices>;
