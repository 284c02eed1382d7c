// The contract handlers for skill assessment (contract-assessment.ts): rubric templates, a review's assessments and
// the trainee page. The assessor is the reviewer in Settings (name and role); every write tells open windows.
// Templates and assessments live in the async stores over the library's one Kysely (workstation-db.ts).
import type { Database } from 'better-sqlite3';
import type { Handlers } from '../../api/dispatch';
import type { EventName, EventPayload } from '../../api/contract';
import type { ReviewAssessments } from '../../api/schemas-assessment';
import { workstationKysely } from '../db/workstation-db';
import { createAssessmentsStore, type Assessor } from './assessments-store';
import { createRubricsStore } from './rubrics-store';
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
  /** The reviewer as Settings name them. */
  identity: () => Assessor;
  emit?: <E extends EventName>(name: E, payload: EventPayload<E>) => void;
  now?: () => string;
}

export function createAssessmentServices(d: AssessmentServicesDeps) {
  const kdb = workstationKysely(d.db);
  const rubrics = createRubricsStore(kdb, d.now);
  const assessments = createAssessmentsStore(kdb, { rubrics, ...(d.now ? { now: d.now } : {}) });
  const trainees = createTrainees(d.db, { rubrics });
  const changed = (reviewId: number, r: ReviewAssessments) => {
    const id = r.myKind ? (r[r.myKind]?.id ?? null) : null;
    d.emit?.('library.changed', { entity: 'assessment', action: 'update', reviewId, frameId: null, id });
    return r;
  };

  const handlers: Pick<Handlers, AssessmentChannel> = {
    'rubrics.list': () => rubrics.list(),
    'rubrics.import': ({ text, fileName }) => rubrics.importText(text, fileName, d.identity().name.trim() || 'Reviewer'),
    'assessments.get': ({ reviewId }) => assessments.forReview(reviewId, d.identity()),
    'assessments.setRubric': async ({ reviewId, rubricId, rubricVersion }) => changed(reviewId, await assessments.setRubric(reviewId, rubricId, rubricVersion, d.identity())),
    'assessments.score': async (input) => changed(input.reviewId, await assessments.score(input, d.identity())),
    'assessments.setFocus': async ({ reviewId, focus }) => changed(reviewId, await assessments.setFocus(reviewId, focus, d.identity())),
    'trainees.list': () => trainees.list(),
    'trainees.get': ({ surgeon }) => trainees.get(surgeon),
  };
  return { handlers, rubrics, assessments, trainees };
}
export type AssessmentServices = ReturnType<typeof createAssessmentServices>;
