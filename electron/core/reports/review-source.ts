// The ReviewSource a report reads, over the repositories and services that own each kind of row (wired by the
// composition root, app-services.ts). Each method answers as the matching contract call does.
import type { Database } from 'better-sqlite3';
import { createAnalysesStore } from '../analysis/analyses-store';
import { createTurnsStore } from '../analysis/turns-store';
import type { CasesStore } from '../cases/cases-store';
import { workstationKysely } from '../db/workstation-db';
import type { FramesRepo } from '../frames/frames-repo';
import type { AssessmentsStore } from '../assessment/assessments-store';
import type { TeachingStore } from '../teaching/teaching-store';
import type { ReviewServices } from '../reviews/review-services';
import { createReviewsStore } from '../reviews/reviews-store';
import { TAXONOMY } from '../taxonomy/taxonomy';
import type { TimelineService } from '../timeline/timeline-service';
import { createVideosRepo } from '../videos/videos-repo';
import type { ReviewSource } from './report-service';

export interface ReviewSourceDeps {
  db: Database;
  cases: Pick<CasesStore, 'get'>;
  frames: Pick<FramesRepo, 'listForReview'>;
  reviews: Pick<ReviewServices, 'annotations' | 'tags' | 'segments' | 'notes' | 'audit'>;
  timeline: Pick<TimelineService, 'view'>;
  /** The review's assessments (skill assessment); none when not given. */
  assessments?: Pick<AssessmentsStore, 'forReview'>;
  /** Teaching mode and the residents' responses; none when not given. */
  teaching?: Pick<TeachingStore, 'mode' | 'allResponses'>;
}

export function createReviewSource(d: ReviewSourceDeps): ReviewSource {
  const kdb = workstationKysely(d.db);
  const reviews = createReviewsStore(kdb);
  const videos = createVideosRepo(d.db);
  const analyses = createAnalysesStore(kdb);
  const turns = createTurnsStore(kdb);
  return {
    review: (id) => reviews.get(id),
    case: (id) => d.cases.get(id),
    video: (id) => videos.get(id),
    frames: (reviewId) => d.frames.listForReview(reviewId),
    analyses: (frameId) => analyses.listForFrame(frameId),
    turns: (analysisId) => turns.listForAnalysis(analysisId),
    annotations: (reviewId) => d.reviews.annotations.listForReview(reviewId),
    tags: (reviewId) => d.reviews.tags.list(reviewId),
    segments: (reviewId) => d.reviews.segments.list(reviewId),
    notes: (reviewId) => d.reviews.notes.list(reviewId),
    audit: (q) => d.reviews.audit.list(q),
    taxonomy: () => TAXONOMY,
    timeline: (reviewId) => d.timeline.view(reviewId),
    assessments: (reviewId) => d.assessments?.forReview(reviewId, { name: '', role: null }) ?? null,
    teaching: async (reviewId) => (d.teaching ? { mode: await d.teaching.mode(reviewId), responses: await d.teaching.allResponses(reviewId) } : null),
  };
}
