// Timeline jobs and samples in the library (migration 0006). A sample and the job's progress are written in one
// transaction, so after a crash the job continues exactly after the last stored sample.
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import type { PhaseMethod, TimelineJob, TimelineJobState, TimelineSample, TimelineSampling } from '../../api/schemas-timeline';
import type { PlannedSample } from './sampling';

interface JobRow {
  review_id: number;
  state: TimelineJobState;
  sampling: TimelineSampling;
  every_seconds: number;
  method: PhaseMethod;
  plan_json: string | null;
  next_sample: number;
  message: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

interface SampleRow {
  id: number;
  review_id: number;
  sample_index: number;
  time: number;
  frame_index: number;
  frame_id: number | null;
  analysis_id: number | null;
  phase: string | null;
  method: 'matcher' | 'followup';
  confidence: number | null;
  matched_json: string;
  created_at: string;
}

const toSample = (r: SampleRow): TimelineSample => ({
  id: r.id,
  reviewId: r.review_id,
  sampleIndex: r.sample_index,
  time: r.time,
  frameIndex: r.frame_index,
  frameId: r.frame_id,
  analysisId: r.analysis_id,
  phase: r.phase,
  method: r.method,
  confidence: r.confidence,
  matched: JSON.parse(r.matched_json) as string[],
  createdAt: r.created_at,
});

const parsePlan = (json: string | null): PlannedSample[] | null =>
  json === null ? null : (JSON.parse(json) as Array<[number, number]>).map(([time, frameIndex]) => ({ time, frameIndex }));
const planJson = (plan: readonly PlannedSample[]) => JSON.stringify(plan.map((p) => [p.time, p.frameIndex]));

export type NewSample = Omit<TimelineSample, 'id' | 'createdAt'>;

/** Whether a stored sample can stand for a job with this method (else it is derived again). */
function sampleFits(s: { method: string; phase: string | null }, method: PhaseMethod): boolean {
  if (method === 'auto') return s.method === 'followup' || s.phase !== null;
  return s.method === method;
}

/** The stored samples of a review, by time: what the reports and exports read. */
export function listTimelineSamples(db: Database, reviewId: number): TimelineSample[] {
  return db.prepare<[number], SampleRow>('SELECT * FROM timeline_samples WHERE review_id = ? ORDER BY time, id').all(reviewId).map(toSample);
}

export function createTimelineRepo(db: Database) {
  const jobRow = db.prepare<[number], JobRow>('SELECT * FROM timeline_jobs WHERE review_id = ?');
  const countDone = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM timeline_samples WHERE review_id = ?');
  const now = () => new Date().toISOString();

  function toJob(r: JobRow): TimelineJob {
    const plan = parsePlan(r.plan_json);
    return {
      reviewId: r.review_id,
      state: r.state,
      sampling: r.sampling,
      everySeconds: r.every_seconds,
      method: r.method,
      total: plan?.length ?? 0,
      done: countDone.get(r.review_id)!.n,
      nextSample: r.next_sample,
      message: r.message,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      finishedAt: r.finished_at,
    };
  }

  /** Removes the samples that are not at a frame of `plan` (null: all) or do not fit `method`; renumbers the rest. */
  function keepFitting(reviewId: number, plan: readonly PlannedSample[] | null, method: PhaseMethod): void {
    const position = new Map((plan ?? []).map((p, i) => [p.frameIndex, { i, time: p.time }]));
    const rows = db.prepare<[number], SampleRow>('SELECT * FROM timeline_samples WHERE review_id = ?').all(reviewId);
    const del = db.prepare('DELETE FROM timeline_samples WHERE id = ?');
    const move = db.prepare('UPDATE timeline_samples SET sample_index = ?, time = ? WHERE id = ?');
    for (const r of rows) {
      const at = position.get(r.frame_index);
      if (!at || !sampleFits(r, method)) del.run(r.id);
      else if (at.i !== r.sample_index || at.time !== r.time) move.run(at.i, at.time, r.id);
    }
  }

  function requireJob(reviewId: number): TimelineJob {
    const j = job(reviewId);
    if (!j) throw new WorkstationError('not-found', 'This video has not been analysed yet. Press "Analyse video" first.');
    return j;
  }

  function job(reviewId: number): TimelineJob | null {
    const r = jobRow.get(reviewId);
    return r ? toJob(r) : null;
  }

  return {
    job,
    requireJob,
    plan(reviewId: number): PlannedSample[] | null {
      const r = jobRow.get(reviewId);
      return r ? parsePlan(r.plan_json) : null;
    },
    /**
     * A new job for the review (replacing a finished or stopped one). Stored samples at frames of the new plan that fit
     * its method are kept; the others are removed (their frames and analyses stay in the review).
     */
    create(o: { reviewId: number; sampling: TimelineSampling; everySeconds: number; method: PhaseMethod; plan: PlannedSample[] | null }): TimelineJob {
      db.transaction(() => {
        const t = now();
        db.prepare(
          `INSERT INTO timeline_jobs (review_id, state, sampling, every_seconds, method, plan_json, next_sample, message, created_at, updated_at, finished_at)
           VALUES (?, 'running', ?, ?, ?, ?, 0, NULL, ?, ?, NULL)
           ON CONFLICT (review_id) DO UPDATE SET state = 'running', sampling = excluded.sampling, every_seconds = excluded.every_seconds,
             method = excluded.method, plan_json = excluded.plan_json, next_sample = 0, message = NULL, created_at = excluded.created_at,
             updated_at = excluded.updated_at, finished_at = NULL`,
        ).run(o.reviewId, o.sampling, o.everySeconds, o.method, o.plan ? planJson(o.plan) : null, t, t);
        keepFitting(o.reviewId, o.plan, o.method);
      })();
      return job(o.reviewId)!;
    },
    /** Scene sampling: the plan, once the scene pass is done (samples that do not fit it go). */
    setPlan(reviewId: number, plan: PlannedSample[]): void {
      db.transaction(() => {
        const method = jobRow.get(reviewId)?.method ?? 'matcher';
        db.prepare('UPDATE timeline_jobs SET plan_json = ?, updated_at = ? WHERE review_id = ?').run(planJson(plan), now(), reviewId);
        keepFitting(reviewId, plan, method);
      })();
    },
    setState(reviewId: number, state: TimelineJobState, message: string | null): TimelineJob {
      const finished = state === 'done' || state === 'cancelled' || state === 'failed';
      db.prepare('UPDATE timeline_jobs SET state = ?, message = ?, updated_at = ?, finished_at = ? WHERE review_id = ?').run(
        state,
        message,
        now(),
        finished ? now() : null,
        reviewId,
      );
      return requireJob(reviewId);
    },
    setMessage(reviewId: number, message: string | null): void {
      db.prepare('UPDATE timeline_jobs SET message = ?, updated_at = ? WHERE review_id = ?').run(message, now(), reviewId);
    },
    /** Frame indices that already have a sample. */
    doneFrames(reviewId: number): Set<number> {
      return new Set(db.prepare<[number], { frame_index: number }>('SELECT frame_index FROM timeline_samples WHERE review_id = ?').all(reviewId).map((r) => r.frame_index));
    },
    /** One sample and where the job goes on from, in one transaction. */
    insertSample(s: NewSample, nextSample: number): TimelineSample {
      const id = db.transaction(() => {
        const res = db
          .prepare(
            `INSERT INTO timeline_samples (review_id, sample_index, time, frame_index, frame_id, analysis_id, phase, method, confidence, matched_json, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(s.reviewId, s.sampleIndex, s.time, s.frameIndex, s.frameId, s.analysisId, s.phase, s.method, s.confidence, JSON.stringify(s.matched), now());
        db.prepare('UPDATE timeline_jobs SET next_sample = max(next_sample, ?), updated_at = ? WHERE review_id = ?').run(nextSample, now(), s.reviewId);
        return Number(res.lastInsertRowid);
      })();
      return toSample(db.prepare<[number], SampleRow>('SELECT * FROM timeline_samples WHERE id = ?').get(id)!);
    },
    samples: (reviewId: number) => listTimelineSamples(db, reviewId),
    /** Reviews whose job was running when the app stopped (they continue when it starts again). */
    runningReviews(): number[] {
      return db.prepare<[], { review_id: number }>("SELECT review_id FROM timeline_jobs WHERE state = 'running' ORDER BY updated_at").all().map((r) => r.review_id);
    },
  };
}
export type TimelineRepo = ReturnType<typeof createTimelineRepo>;
