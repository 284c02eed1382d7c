// Which review the Review view shows: a case and one of its videos. Kept for the browser tab's session so a
// reload (or a return to the Review view) opens it again.
export interface ReviewTarget {
  caseId: number;
  videoId: number;
}

const KEY = 'workstation.reviewTarget';

export function readReviewTarget(): ReviewTarget | null {
  try {
    const v = JSON.parse(window.sessionStorage.getItem(KEY) ?? 'null') as Partial<ReviewTarget> | null;
    return v && Number.isSafeInteger(v.caseId) && Number.isSafeInteger(v.videoId) ? { caseId: v.caseId!, videoId: v.videoId! } : null;
  } catch {
    return null;
  }
}

export function saveReviewTarget(t: ReviewTarget | null): void {
  try {
    if (t) window.sessionStorage.setItem(KEY, JSON.stringify(t));
    else window.sessionStorage.removeItem(KEY);
  } catch {
    /* private mode: the target just is not remembered */
  }
}
