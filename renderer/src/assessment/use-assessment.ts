// A review's assessments for the Assessment tab: loaded when the tab opens, followed through 'library.changed' (the
// resident's self-assessment written in another window shows up beside), and written one call per change.
import { useCallback, useEffect, useState } from 'react';
import type { AssessmentScoreInput, ReviewAssessments, RubricEntry } from '../../../electron/api/schemas-assessment';
import { api } from '../api';

export interface AssessmentState {
  data: ReviewAssessments | null;
  rubrics: RubricEntry[];
  reloadRubrics(): Promise<void>;
  setRubric(rubricId: string, rubricVersion: number): Promise<void>;
  score(patch: Omit<AssessmentScoreInput, 'reviewId'>): Promise<void>;
  setFocus(focus: string): Promise<void>;
}

export function useAssessment(reviewId: number, active: boolean, onError: (err: unknown) => void): AssessmentState {
  const [data, setData] = useState<ReviewAssessments | null>(null);
  const [rubrics, setRubrics] = useState<RubricEntry[]>([]);

  const reload = useCallback(() => {
    api.assessments.get({ reviewId }).then(setData, onError);
  }, [reviewId, onError]);
  const reloadRubrics = useCallback(async () => {
    setRubrics(await api.rubrics.list({}));
  }, []);

  useEffect(() => {
    if (!active) return;
    reload();
    reloadRubrics().catch(onError);
    return api.on('library.changed', (c) => {
      if ((c.entity === 'assessment' || c.entity === 'review') && c.reviewId === reviewId) reload();
    });
  }, [active, reviewId, reload, reloadRubrics, onError]);
  // Settings (the reviewer's role) may change while the review is open: read again on every opening of the tab.

  const write = useCallback(
    async (call: () => Promise<ReviewAssessments>) => {
      try {
        setData(await call());
      } catch (err) {
        onError(err);
        reload();
      }
    },
    [onError, reload],
  );

  return {
    data,
    rubrics,
    reloadRubrics,
    setRubric: (rubricId, rubricVersion) => write(() => api.assessments.setRubric({ reviewId, rubricId, rubricVersion })),
    score: (patch) => write(() => api.assessments.score({ reviewId, ...patch })),
    setFocus: (focus) => write(() => api.assessments.setFocus({ reviewId, focus })),
  };
}
