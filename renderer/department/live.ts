// One review as this page holds it, kept current by the server's event stream (GET /api/reviews/:id/events, an
// EventSource: same origin, so the session cookie goes with it). Protocol (electron/host/department/README.md):
// `ready` → load the review now (also after every reconnect); each change carries the version it made and is applied
// only if newer than the version held; `resync` or a change too large to carry (`reload: true`) → load again.
// `analysis.created` (another reviewer's analysis, or this page's own) goes to the analyses the page holds
// (published.ts) through `analyses`: added, or read again when it came as a reference.
import { useCallback, useEffect, useRef, useState } from 'react';
import { call, errorText, EVENT_TYPES, type Annotation, type Note, type Review, type ReviewEvent, type StoredAnalysis } from './api';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface HeldReview {
  review: Review | null;
  annotations: Annotation[];
  /** The review's notes (note-routes.ts): the review's own, then by frame. */
  notes: Note[];
  loadError: string | null;
  live: LiveState;
  /** Reads the review, its annotations and notes again (the Reload button, `resync`). */
  reload(): Promise<void>;
  /** Puts what a write of this page returned in place (if newer than what is held). */
  applyReview(review: Review): void;
  applyAnnotation(annotation: Annotation): void;
  removeAnnotation(id: number): void;
  applyNote(note: Note): void;
  removeNote(id: number): void;
}

const byFrame = (a: Annotation, b: Annotation) => a.frameIndex - b.frameIndex || a.id - b.id;

const noteOrder = (a: Note, b: Note) => (a.frameIndex ?? -1) - (b.frameIndex ?? -1) || a.id - b.id;

function upsert<T extends { id: number; version: number }>(list: T[], next: T, order: (a: T, b: T) => number): T[] {
  const held = list.find((a) => a.id === next.id);
  if (held && held.version >= next.version) return list;
  return [...list.filter((a) => a.id !== next.id), next].sort(order);
}

/** Where the stream's analyses go (usePublished holds them). */
export interface LiveAnalyses {
  addAnalysis(a: StoredAnalysis): void;
  reloadAnalyses(): Promise<void>;
}

export function useLiveReview(reviewId: number, analyses?: LiveAnalyses): HeldReview {
  const [review, setReview] = useState<Review | null>(null);
  const [annotations, setAnnotations] = useState<Annotation[]>([]);
  const [notes, setNotes] = useState<Note[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [live, setLive] = useState<LiveState>('connecting');
  const loads = useRef(0);
  const analysesRef = useRef(analyses);
  analysesRef.current = analyses;

  const reload = useCallback(async () => {
    const mine = ++loads.current;
    try {
      const [r, list, noteList] = await Promise.all([
        call<Review>('GET', `/api/reviews/${reviewId}`),
        call<Annotation[]>('GET', `/api/reviews/${reviewId}/annotations`),
        call<Note[]>('GET', `/api/reviews/${reviewId}/notes`),
      ]);
      if (mine !== loads.current) return; // a later load is on its way
      setReview(r);
      setAnnotations([...list].sort(byFrame));
      setNotes([...noteList].sort(noteOrder));
      setLoadError(null);
    } catch (err) {
      if (mine === loads.current) setLoadError(errorText(err));
    }
  }, [reviewId]);

  const applyReview = useCallback((next: Review) => setReview((held) => (held && held.version >= next.version ? held : next)), []);
  const applyAnnotation = useCallback((next: Annotation) => setAnnotations((list) => upsert(list, next, byFrame)), []);
  const removeAnnotation = useCallback((id: number) => setAnnotations((list) => list.filter((a) => a.id !== id)), []);
  const applyNote = useCallback((next: Note) => setNotes((list) => upsert(list, next, noteOrder)), []);
  const removeNote = useCallback((id: number) => setNotes((list) => list.filter((n) => n.id !== id)), []);

  useEffect(() => {
    void reload();
    const source = new EventSource(`/api/reviews/${reviewId}/events`, { withCredentials: true });
    const onEvent = (message: MessageEvent<string>) => {
      let event: ReviewEvent;
      try {
        event = JSON.parse(message.data) as ReviewEvent;
      } catch {
        return;
      }
      if (event.reviewId !== reviewId) return;
      if (event.type === 'analysis.created') {
        if ('analysis' in event) analysesRef.current?.addAnalysis(event.analysis);
        else void analysesRef.current?.reloadAnalyses();
      } else if (event.type === 'resync') {
        void reload();
        void analysesRef.current?.reloadAnalyses();
      } else if ('reload' in event && event.reload) void reload();
      else if (event.type === 'review.created' || event.type === 'review.updated') applyReview(event.review);
      else if (event.type === 'annotation.deleted') {
        const { annotationId, version } = event;
        setAnnotations((list) => list.filter((a) => a.id !== annotationId || a.version > version));
      } else if (event.type === 'note.deleted') {
        const { noteId, version } = event;
        setNotes((list) => list.filter((n) => n.id !== noteId || n.version > version));
      } else if ('annotation' in event) applyAnnotation(event.annotation);
      else if ('note' in event) applyNote(event.note);
    };
    let readies = 0;
    source.addEventListener('ready', () => {
      setLive('live');
      void reload(); // what changed before the stream (or while it was reconnecting)
      if (readies++ > 0) void analysesRef.current?.reloadAnalyses(); // the first: usePublished reads them
    });
    for (const type of EVENT_TYPES) source.addEventListener(type, onEvent as EventListener);
    // The browser reconnects by itself (retry: 2000) unless the server refused the stream (signed out: CLOSED).
    source.onerror = () => setLive(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
    return () => source.close();
  }, [reviewId, reload, applyReview, applyAnnotation, applyNote]);

  return { review, annotations, notes, loadError, live, reload, applyReview, applyAnnotation, removeAnnotation, applyNote, removeNote };
}
