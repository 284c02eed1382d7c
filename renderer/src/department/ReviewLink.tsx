// A link to a review in the department library's web page (https://DEPT/#/reviews/N), opened in the system browser:
// the desktop app lets a new window go only to the department the reviewer is signed in to (electron/main
// window-security.ts); the browser host opens a tab.
import type { ReactNode } from 'react';

export function departmentReviewUrl(base: string, reviewId: number): string {
  return `${base.replace(/\/+$/, '')}/#/reviews/${reviewId}`;
}

export function DepartmentReviewLink({ base, reviewId, children, testId }: { base: string; reviewId: number; children: ReactNode; testId?: string }) {
  return (
    <a className="link department-review-open" href={departmentReviewUrl(base, reviewId)} target="_blank" rel="noopener noreferrer" data-testid={testId} title="Opens in your web browser">
      {children}
    </a>
  );
}
