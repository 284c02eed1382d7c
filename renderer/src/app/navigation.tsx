// Top-level views. A tiny context instead of a router: the app has four places and no deep links yet.
import { createContext, useContext } from 'react';

export type View = 'library' | 'review' | 'models' | 'settings';

export const VIEWS: { id: View; label: string; hint: string }[] = [
  { id: 'library', label: 'Library', hint: 'Cases, still images and analyses' },
  { id: 'review', label: 'Review', hint: 'Video review (coming later)' },
  { id: 'models', label: 'Models', hint: 'Load and inspect the local model' },
  { id: 'settings', label: 'Settings', hint: 'Theme and reviewer' },
];

export const NavigationContext = createContext<(view: View) => void>(() => {});

export function useNavigate(): (view: View) => void {
  return useContext(NavigationContext);
}
