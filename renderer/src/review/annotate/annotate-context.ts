// What the annotation layer, its toolbar, the segment strip and the notes share in one open review: the tool,
// colour and label in hand, the selection, the captured frame on screen (captured on first stroke when it is
// not yet), the annotation session and the segments.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { Frame } from '../../../../electron/api/schemas';
import type { Taxonomy } from '../../../../electron/api/schemas-review';
import type { Review } from '../../../../electron/api/schemas-video';
import { api } from '../../api';
import type { FramePlayer } from '../player/frame-player';
import { useSegments, type SegmentsState } from '../segments/segments-state';
import { useAnnotationSession, type AnnotationSession } from './annotation-session';

export type Tool = 'select' | 'box' | 'arrow' | 'ellipse' | 'freehand' | 'text';

export interface Annotate {
  reviewId: number;
  /** A final review is read-only here (set it back to draft to change it). */
  readOnly: boolean;
  session: AnnotationSession;
  segments: SegmentsState;
  taxonomy: Taxonomy | null;
  tool: Tool;
  setTool(t: Tool): void;
  color: string;
  setColor(c: string): void;
  /** The label given to new annotations (a taxonomy id or free text; null for none). */
  label: string | null;
  setLabel(l: string | null): void;
  selectedId: number | null;
  select(id: number | null): void;
  /** The frame on screen, and the captured frame at it (null until captured). */
  frameIndex: number;
  frame: Frame | null;
  /** The captured frame on screen, capturing it first when needed. */
  ensureFrame(): Promise<Frame>;
  /** Shows a captured frame (after an undo elsewhere in the review). */
  showFrame(frameId: number): void;
  /** What the UI shows for a label: the taxonomy's words for an id, else the text. */
  labelText(label: string | null): string;
  reportError(err: unknown): void;
  /** The frame the reviewer is on now: the player's target (a move may still be settling). */
  targetIndex(): number;
  /** Says why a change was refused: the review is finalised and locked. */
  refuseLocked(): void;
}

export const AnnotateContext = createContext<Annotate | null>(null);

export function useAnnotate(): Annotate | null {
  return useContext(AnnotateContext);
}

let taxonomyCache: Promise<Taxonomy> | null = null;
function loadTaxonomy(): Promise<Taxonomy> {
  taxonomyCache ??= api.taxonomy.get({}).catch((err: unknown) => {
    taxonomyCache = null;
    throw err;
  });
  return taxonomyCache;
}

export function useTaxonomy(): Taxonomy | null {
  const [t, setT] = useState<Taxonomy | null>(null);
  useEffect(() => {
    let alive = true;
    loadTaxonomy()
      .then((x) => alive && setT(x))
      .catch(() => {});
    return () => {
      alive = false;
    };
  }, []);
  return t;
}

export function labelFor(taxonomy: Taxonomy | null, label: string | null): string {
  if (label === null) return '';
  if (!taxonomy) return label;
  for (const list of [taxonomy.phases, taxonomy.instruments, taxonomy.anatomy, taxonomy.findings, taxonomy.severity]) {
    const hit = list.find((t) => t.id === label);
    if (hit) return hit.label;
  }
  return label;
}

interface Options {
  review: Review;
  frames: Frame[];
  /** The frame on screen (the settled index). */
  frameIndex: number;
  pts: number[];
  player: FramePlayer | null;
  capture: (analyze: boolean) => Promise<Frame | null>;
  onError: (err: unknown) => void;
  /** The refusal to show for a change to a locked review. */
  onLocked?: () => void;
}

export function useAnnotateState(o: Options): Annotate {
  const taxonomy = useTaxonomy();
  const session = useAnnotationSession(o.review.id, o.onError);
  const segments = useSegments(o.review.id, o.pts, o.onError);
  const [tool, setTool] = useState<Tool>('select');
  const [color, setColor] = useState('#ffd400');
  const [label, setLabel] = useState<string | null>(null);
  const [selectedId, select] = useState<number | null>(null);

  const frame = useMemo(() => o.frames.filter((f) => f.frameIndex === o.frameIndex).sort((a, b) => b.id - a.id)[0] ?? null, [o.frames, o.frameIndex]);

  // Nothing stays selected on another frame.
  useEffect(() => {
    if (selectedId !== null && !session.forFrame(frame?.id ?? null).some((a) => a.id === selectedId)) select(null);
  }, [frame, selectedId, session]);

  const latest = useRef({ frame, capture: o.capture, frames: o.frames, player: o.player });
  latest.current = { frame, capture: o.capture, frames: o.frames, player: o.player };
  const pending = useRef<Promise<Frame> | null>(null);
  const ensureFrame = useCallback(async (): Promise<Frame> => {
    const { frame: here, capture } = latest.current;
    if (here) return here;
    // One capture for a burst of strokes on a new frame.
    pending.current ??= capture(false)
      .then((f) => {
        if (!f) throw new Error('The frame on screen could not be captured; wait until it is shown, then draw again.');
        return f;
      })
      .finally(() => {
        pending.current = null;
      });
    return pending.current;
  }, []);

  const showFrame = useCallback((frameId: number) => {
    const { frames, player } = latest.current;
    const f = frames.find((x) => x.id === frameId);
    if (f && f.frameIndex !== null && player && player.getState().index !== f.frameIndex) player.goTo(f.frameIndex, 'seek');
  }, []);

  return {
    reviewId: o.review.id,
    readOnly: o.review.status === 'final',
    session,
    segments,
    taxonomy,
    tool,
    setTool,
    color,
    setColor,
    label,
    setLabel,
    selectedId,
    select,
    frameIndex: o.frameIndex,
    frame,
    ensureFrame,
    showFrame,
    labelText: (l) => labelFor(taxonomy, l),
    reportError: o.onError,
    targetIndex: () => latest.current.player?.getState().index ?? o.frameIndex,
    refuseLocked: () => o.onLocked?.(),
  };
}
