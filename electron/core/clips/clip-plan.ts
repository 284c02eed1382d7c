// What a teaching clip shows, frame by frame, before any pixel is touched: the frames of the range, which of them a
// freeze keeps on screen longer, and on which frames each annotation and each phase caption is drawn.
// Pure arithmetic over frame numbers, so the rules are tested without ffmpeg (tests/unit/clip-plan.test.ts).

export interface AnnotatedFrame {
  /** The frame's index in the video. */
  frameIndex: number;
  /** Any payload the renderer needs (the frame's annotations); carried through untouched. */
  key: string;
}

export interface CaptionSegment {
  startFrame: number;
  /** Included. */
  endFrame: number;
  label: string;
}

export interface ClipPlanInput {
  fromFrame: number;
  /** Included. */
  toFrame: number;
  /** The video's frame rate (frames per second), for seconds → frames. */
  fps: number;
  holdSeconds: number;
  freezeSeconds: number;
  annotated: readonly AnnotatedFrame[];
  segments?: readonly CaptionSegment[];
}

/** Clip frames [first, last] (both included), counted from the range's first frame. */
export interface OutputSpan {
  first: number;
  last: number;
}

export interface ClipPlan {
  /** Frames the clip has: the range's, every one (a freeze shows its frame longer; it adds no frames). */
  frames: number;
  /** Frames shown still for the freeze, as positions in the range (0 = fromFrame), ascending. */
  freezes: number[];
  /** Each annotated frame in the range, with the clip frames its drawing is on. */
  overlays: Array<{ key: string; frameIndex: number; span: OutputSpan }>;
  /** Each phase segment overlapping the range, with the clip frames its caption is on. */
  captions: Array<{ label: string; span: OutputSpan }>;
}

/**
 * The plan. Holds count in frames of the video: an annotation on frame k with a 1-s hold at 30 fps is on frames
 * k…k+29, cut at the end of the range. A freeze keeps its annotated frame (with its drawing) on screen that much
 * longer; the frames after it follow later, none is added or dropped.
 */
export function planClip(p: ClipPlanInput): ClipPlan {
  if (!(p.fps > 0)) throw new Error('The video has no frame rate.');
  if (p.toFrame < p.fromFrame) throw new Error('The range ends before it starts.');
  const frames = p.toFrame - p.fromFrame + 1;
  const holdFrames = Math.max(1, Math.round(p.holdSeconds * p.fps));
  const inRange = [...p.annotated].filter((a) => a.frameIndex >= p.fromFrame && a.frameIndex <= p.toFrame).sort((a, b) => a.frameIndex - b.frameIndex);
  const freezes = p.freezeSeconds > 0 ? [...new Set(inRange.map((a) => a.frameIndex - p.fromFrame))] : [];
  const overlays = inRange.map((a) => {
    const j = a.frameIndex - p.fromFrame;
    return { key: a.key, frameIndex: a.frameIndex, span: { first: j, last: Math.min(frames - 1, j + holdFrames - 1) } };
  });
  const captions = (p.segments ?? [])
    .filter((s) => s.endFrame >= p.fromFrame && s.startFrame <= p.toFrame && s.label.trim() !== '')
    .map((s) => ({ label: s.label, span: { first: Math.max(0, s.startFrame - p.fromFrame), last: Math.min(frames - 1, s.endFrame - p.fromFrame) } }));
  return { frames, freezes, overlays, captions };
}
