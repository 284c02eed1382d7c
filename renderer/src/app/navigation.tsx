// Top-level views and the app's addresses (review/review-target.ts): a tiny context instead of a router.
import { createContext, useContext } from 'react';
import type { ReviewTarget, View } from '../review/review-target';

export type { View };

export const VIEWS: { id: View; label: string; hint: string }[] = [
  { id: 'library', label: 'Library', hint: 'Cases, still images and analyses' },
  { id: 'review', label: 'Review', hint: 'Review a surgery video frame by frame' },
  { id: 'trainees', label: 'Trainees', hint: 'Each trainee\'s assessment scores over their cases' },
  { id: 'models', label: 'Models', hint: 'Load and inspect the local model' },
  { id: 'settings', label: 'Settings', hint: 'Theme, reviewer and engine' },
];

export const NavigationContext = createContext<(view: View) => void>(() => {});

export function useNavigate(): (view: View) => void {
  return useContext(NavigationContext);
}

/** Opens a review in the Review view (by its id, or a case's video). */
export const OpenReviewContext = createContext<(target: ReviewTarget) => void>(() => {});

export function useOpenReview(): (target: ReviewTarget) => void {
  return useContext(OpenReviewContext);
}
