// The open review's state, outside React: the review (and whether it is locked), the frames the reviewer captured,
// which of them have an analysis, the review's notes and tags, the frame the analysis panel shows, and the
// inspector's tab. Components read slices with useReviewStore(selector); writes go through the store's actions, each
// one call to the contract, and a 'library.changed' event from another window reloads what it names.
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { Frame } from '../../../../electron/api/schemas';
import type { Note, Tag, TagKind } from '../../../../electron/api/schemas-review';
import type { Review } from '../../../../electron/api/schemas-video';
import { isTerminal, jobsStore } from '../../analysis/jobs-store';
import { api } from '../../api';

export type InspectorTab = 'analysis' | 'annotations' | 'tags' | 'notes' | 'history' | 'assessment';
export const INSPECTOR_TABS: { id: InspectorTab; label: string; key: string }[] = [
  { id: 'analysis', label: 'Analysis', key: '1' },
  { id: 'annotations', label: 'Annotations', key: '2' },
  { id: 'tags', label: 'Tags', key: '3' },
  { id: 'notes', label: 'Notes', key: '4' },
  { id: 'history', label: 'History', key: '5' },
  { id: 'assessment', label: 'Assessment', key: '6' },
];

export interface ReviewState {
  review: Review;
  /** The reviewer's captures, by frame index (the phase timeline's samples are not among them). */
  frames: Frame[];
  /** The frames the phase timeline sampled (their own kind: a lane and a filter of their own). */
  samples: Frame[];
  /** Capture ids with a completed analysis. */
  analysed: ReadonlySet<number>;
  notes: Note[];
  tags: Tag[];
  /** The captured frame the analysis panel shows. */
  panelFrameId: number | null;
  tab: InspectorTab;
  /** Bumped when the audit log may have grown (the History tab reloads). */
  auditVersion: number;
}

type Listener = () => void;

export class ReviewStore {
  private state: ReviewState;
  private readonly listeners = new Set<Listener>();
  private readonly offs: Array<() => void> = [];
  /** Errors of background loads (the workspace shows them). */
  onError: (err: unknown, title: string) => void = () => {};

  constructor(review: Review, tab: InspectorTab = 'analysis') {
    this.state = { review, frames: [], samples: [], analysed: new Set(), notes: [], tags: [], panelFrameId: null, tab, auditVersion: 0 };
  }

  get reviewId(): number {
    return this.state.review.id;
  }
  get locked(): boolean {
    return this.state.review.status === 'final';
  }

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  getState = (): ReviewState => this.state;

  private set(patch: Partial<ReviewState>): void {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((l) => l());
  }

  /** Loads everything once and follows changes made elsewhere (another window, the CLI). */
  start(): () => void {
    void this.reloadFrames();
    void this.reloadNotes();
    void this.reloadTags();
    this.offs.push(
      api.on('library.changed', (c) => {
        if (c.reviewId !== this.reviewId && c.entity !== 'library') return;
        if (c.entity === 'note') void this.reloadNotes();
        if (c.entity === 'tag') void this.reloadTags();
        if (c.entity === 'review' || c.entity === 'library') void this.reloadReview();
        this.set({ auditVersion: this.state.auditVersion + 1 });
      }),
    );
    // An analysis of one of the review's frames that ends may mark it analysed.
    let finished = '';
    this.offs.push(
      jobsStore.subscribe(() => {
        const now = [...this.state.frames, ...this.state.samples]
          .map((f) => jobsStore.latest(f.id))
          .filter((j) => j && isTerminal(j.status))
          .map((j) => j!.jobId)
          .join(',');
        if (now === finished) return;
        finished = now;
        void this.reloadAnalysed().catch(() => {});
      }),
    );
    return () => this.offs.splice(0).forEach((off) => off());
  }

  async reloadReview(): Promise<void> {
    try {
      this.set({ review: await api.reviews.get({ id: this.reviewId }) });
    } catch (err) {
      this.onError(err, 'Could not read the review.');
    }
  }

  async reloadFrames(openFrameId?: number): Promise<void> {
    try {
      const all = await api.frames.listForReview({ reviewId: this.reviewId });
      const frames = all.filter((f) => f.kind === 'capture');
      const samples = all.filter((f) => f.kind === 'sample');
      this.set({ frames, samples, ...(openFrameId !== undefined ? { panelFrameId: openFrameId } : {}) });
      await this.reloadAnalysed();
    } catch (err) {
      this.onError(err, 'Could not list the captured frames.');
    }
  }

  async reloadAnalysed(): Promise<void> {
    const done = await Promise.all(this.state.frames.map((f) => api.analysis.list({ frameId: f.id }).then((a) => (a.some((x) => x.status === 'completed') ? f.id : null))));
    this.set({ analysed: new Set(done.filter((id): id is number => id !== null)) });
  }

  async reloadNotes(): Promise<void> {
    try {
      this.set({ notes: await api.notes.list({ reviewId: this.reviewId }) });
    } catch (err) {
      this.onError(err, 'Could not list the notes.');
    }
  }

  async reloadTags(): Promise<void> {
    try {
      this.set({ tags: await api.tags.list({ reviewId: this.reviewId }) });
    } catch (err) {
      this.onError(err, 'Could not list the tags.');
    }
  }

  setTab(tab: InspectorTab): void {
    if (tab !== this.state.tab) this.set({ tab });
  }
  showFrameInPanel(frameId: number | null): void {
    if (frameId !== this.state.panelFrameId) this.set({ panelFrameId: frameId });
  }
  /** A capture was stored (the filmstrip and markers show it at once). */
  addFrame(frame: Frame): void {
    if (frame.kind !== 'capture') return;
    const frames = this.state.frames.some((f) => f.id === frame.id)
      ? this.state.frames.map((f) => (f.id === frame.id ? frame : f))
      : [...this.state.frames, frame].sort((a, b) => (a.frameIndex ?? 0) - (b.frameIndex ?? 0) || a.id - b.id);
    this.set({ frames, panelFrameId: frame.id });
  }

  async addNote(frameId: number | null, text: string): Promise<Note> {
    const note = await api.notes.create({ reviewId: this.reviewId, frameId, text });
    this.set({ notes: [...this.state.notes, note], auditVersion: this.state.auditVersion + 1 });
    return note;
  }
  async removeNote(id: number): Promise<void> {
    await api.notes.delete({ id });
    this.set({ notes: this.state.notes.filter((n) => n.id !== id), auditVersion: this.state.auditVersion + 1 });
  }

  async addTag(target: { frameId?: number | null; segmentId?: number | null }, kind: TagKind, value: string): Promise<Tag> {
    const tag = await api.tags.add({ reviewId: this.reviewId, frameId: target.frameId ?? null, segmentId: target.segmentId ?? null, kind, value });
    if (!this.state.tags.some((t) => t.id === tag.id)) this.set({ tags: [...this.state.tags, tag], auditVersion: this.state.auditVersion + 1 });
    return tag;
  }
  async removeTag(id: number): Promise<void> {
    await api.tags.remove({ id });
    this.set({ tags: this.state.tags.filter((t) => t.id !== id), auditVersion: this.state.auditVersion + 1 });
  }

  async finalise(): Promise<Review> {
    const review = await api.reviews.finalise({ id: this.reviewId });
    this.set({ review, auditVersion: this.state.auditVersion + 1 });
    return review;
  }
  async reopen(reason: string): Promise<Review> {
    const review = await api.reviews.reopen({ id: this.reviewId, reason });
    this.set({ review, auditVersion: this.state.auditVersion + 1 });
    return review;
  }
}

export const ReviewStoreContext = createContext<ReviewStore | null>(null);

export function useStore(): ReviewStore {
  const s = useContext(ReviewStoreContext);
  if (!s) throw new Error('useStore outside a review workspace');
  return s;
}

/** A slice of the review's state; the component re-renders only when the slice changes (by Object.is). */
export function useReviewStore<T>(select: (s: ReviewState) => T): T {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}
