// Top-level views. A tiny context instead of a router: the app has four places and no deep links yet.
import { createContext, useContext } from 'react';
import type { ReviewTarget } from '../review/review-target';

export type View = 'library' | 'review' | 'models' | 'settings';

export const VIEWS: { id: View; label: string; hint: string }[] = [
  { id: 'library', label: 'Library', hint: 'Cases, still images and analyses' },
  { id: 'review', label: 'Review', hint: 'Review a surgery video frame by frame' },
  { id: 'models', label: 'Models', hint: 'Load and inspect the local model' },
  { id: 'settings', label: 'Settings', hint: 'Theme, reviewer and engine' },
];

export const NavigationContext = createContext<(view: View) => void>(() => {});

export function useNavigate(): (view: View) => void {
  return useContext(NavigationContext);
}

/** Opens the review of a case's video in the Review view. */
export const OpenReviewContext = createContext<(target: ReviewTarget) => void>(() => {});

export function useOpenReview(): (target: ReviewTarget) => void {
  return useContext(OpenReviewContext);
}
