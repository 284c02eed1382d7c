// Teaching mode's state for the open review, shared by the Analysis tab (the gate), the Notes tab, the timeline's
// Notes lane and the History tab: whether the review is in teaching mode, and the responses this reviewer may read.
// One load per review and reviewer (Settings' name and role), followed through 'library.changed'.
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { Note } from '../../../electron/api/schemas-review';
import type { TeachingState, TeachingTarget } from '../../../electron/api/schemas-teaching';
import { api } from '../api';
import { useSettings } from '../app/settings-context';

type Listener = () => void;

class TeachingStore {
  state: TeachingState | null = null;
  error: unknown = null;
  private readonly listeners = new Set<Listener>();
  private users = 0;
  private off: (() => void) | null = null;
  private who = '';

  constructor(readonly reviewId: number) {}

  subscribe = (l: Listener) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  private set(state: TeachingState | null, error: unknown = null) {
    this.state = state;
    this.error = error;
    this.listeners.forEach((l) => l());
  }

  private loading: Promise<void> | null = null;
  private again = false;

  /** Reads the state again (one request at a time; a call during one asks once more after it). */
  reload(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.again = false;
        const asked = this.who;
        try {
          const state = await api.teaching.get({ reviewId: this.reviewId });
          // Settings changed the reviewer meanwhile: that answer was for someone else.
          if (asked === this.who) this.set(state);
          else this.again = true;
        } catch (err) {
          this.set(this.state, err);
        }
      } while (this.again);
      this.loading = null;
    })();
    return this.loading;
  }

  /** Starts following the review for one more component; the Settings identity reloads it when it changes. */
  use(who: string): () => void {
    this.users++;
    if (!this.off) {
      this.off = api.on('library.changed', (c) => {
        if ((c.entity === 'teaching' || c.entity === 'review' || c.entity === 'library') && (c.reviewId === this.reviewId || c.entity === 'library')) void this.reload();
      });
    }
    if (who !== this.who || !this.state) {
      // Until it answers, a new reviewer is treated as gated (nothing is shown that teaching mode might hide).
      if (who !== this.who && this.state) this.set(null);
      this.who = who;
      void this.reload();
    }
    return () => {
      if (--this.users === 0) {
        this.off?.();
        this.off = null;
      }
    };
  }

  async respond(target: TeachingTarget, seen: string, nextStep: string): Promise<void> {
    this.set(await api.teaching.respond({ reviewId: this.reviewId, target, seen, nextStep }));
  }
  async setMode(on: boolean): Promise<void> {
    this.set(await api.teaching.setMode({ reviewId: this.reviewId, on }));
  }
}

const stores = new Map<number, TeachingStore>();
export function teachingStore(reviewId: number): TeachingStore {
  let s = stores.get(reviewId);
  if (!s) stores.set(reviewId, (s = new TeachingStore(reviewId)));
  return s;
}

export interface Teaching {
  store: TeachingStore;
  /** null while loading (treated as gated: nothing teaching mode might hide is shown). */
  state: TeachingState | null;
  /** True when the reviewer must answer on this frame or segment before seeing the analysis and others' notes. */
  mustAnswer(target: TeachingTarget): boolean;
  /** A note teaching mode hides from this reviewer (another's note on a frame they have not answered on yet). */
  hidesNote(n: Pick<Note, 'frameId' | 'author'>): boolean;
}

export function answered(state: TeachingState, target: TeachingTarget): boolean {
  return state.responses.some((r) => r.author === state.name && (target.frameId !== undefined ? r.frameId === target.frameId : r.segmentId === target.segmentId));
}

export function useTeaching(reviewId: number): Teaching {
  const store = teachingStore(reviewId);
  const { settings } = useSettings();
  const who = `${settings.reviewerName.trim()}\u0000${settings.reviewerRole ?? ''}`;
  useEffect(() => store.use(who), [store, who]);
  const state = useSyncExternalStore(store.subscribe, () => store.state);
  return useMemo(
    () => ({
      store,
      state,
      mustAnswer: (target) => state === null || (state.gated && !answered(state, target)),
      hidesNote: (n) => n.frameId !== null && (state === null || (state.gated && n.author !== state.name && !answered(state, { frameId: n.frameId }))),
    }),
    [store, state],
  );
}
