// Which review the Review view shows, and the app's address for it. A review is opened by its id (`#/review/12`:
// a link a department can share, and what a reload or the next start reopens) or, from a case's video, by case and
// video (the reviewer's own review of it, started when there is none; the address then names the review).
export type ReviewTarget = { reviewId: number } | { caseId: number; videoId: number };

export type View = 'library' | 'review' | 'trainees' | 'models' | 'settings';

/** Two reviews side by side (`#/compare/12/34`, renderer/src/compare/); the same id twice: two moments of one video. */
export interface CompareTarget {
  a: number;
  b: number;
}

export interface Route {
  view: View | 'compare';
  /** The review the Review view shows (kept while the reviewer is elsewhere, so Review goes back to it). */
  review: ReviewTarget | null;
  /** The compared reviews, when the view is 'compare'. */
  compare?: CompareTarget;
}

const LAST_ROUTE = 'workstation.lastRoute';
const VIEWS: readonly View[] = ['library', 'review', 'trainees', 'models', 'settings'];

/** `#/review/12`, `#/library`, …; null for an address that names nothing the app knows. */
export function parseRoute(hash: string): Route | null {
  const c = /^#\/?compare\/(\d{1,12})\/(\d{1,12})\/?$/.exec(hash.trim());
  if (c) {
    const [a, b] = [Number(c[1]), Number(c[2])];
    return Number.isSafeInteger(a) && Number.isSafeInteger(b) && a > 0 && b > 0 ? { view: 'compare', review: null, compare: { a, b } } : null;
  }
  const m = /^#\/?([a-z]+)(?:\/(\d{1,12}))?\/?$/.exec(hash.trim());
  if (!m) return null;
  const view = m[1] as View;
  if (!VIEWS.includes(view)) return null;
  if (view === 'review' && m[2]) {
    const id = Number(m[2]);
    return Number.isSafeInteger(id) && id > 0 ? { view, review: { reviewId: id } } : null;
  }
  return { view, review: null };
}

export function routeHash(r: Route): string {
  if (r.view === 'compare') return r.compare ? `#/compare/${r.compare.a}/${r.compare.b}` : '#/review';
  if (r.view === 'review' && r.review && 'reviewId' in r.review) return `#/review/${r.review.reviewId}`;
  return `#/${r.view}`;
}

/** Where the app starts: the address it was opened with, else where the reviewer left off, else the Library. */
export function initialRoute(): Route {
  const fromHash = parseRoute(window.location.hash);
  if (fromHash) return fromHash;
  try {
    const saved = parseRoute(window.localStorage.getItem(LAST_ROUTE) ?? '');
    if (saved) return saved;
  } catch {
    /* no storage: start in the Library */
  }
  return { view: 'library', review: null };
}

/** Puts the route in the address bar (and keeps it for the next start). */
export function showRoute(r: Route, replace: boolean): void {
  const hash = routeHash(r);
  try {
    window.localStorage.setItem(LAST_ROUTE, hash);
  } catch {
    /* the next start opens the Library */
  }
  if (window.location.hash === hash) return;
  const url = `${window.location.pathname}${window.location.search}${hash}`;
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
}
