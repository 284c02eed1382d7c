// Normalised frame coordinates (0..1 of the frame's width and height) and the layer's pixels (the frame's box at
// zoom 1; the box's CSS transform does the zoom and pan, so the layer never needs to know them).
import type { Annotation, AnnotationShape, ArrowGeometry, FreehandGeometry, RectGeometry } from '../../../../electron/api/schemas-review';

export const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** A rectangle kept inside the frame: its size at most the frame's, then moved in. */
export function fitRect(g: RectGeometry): RectGeometry {
  const w = clamp01(Math.abs(g.w));
  const h = clamp01(Math.abs(g.h));
  return { x: Math.min(Math.max(0, g.x), 1 - w), y: Math.min(Math.max(0, g.y), 1 - h), w, h };
}

/** The rectangle spanned by two corners (any order). */
export function rectFrom(x0: number, y0: number, x1: number, y1: number): RectGeometry {
  const a = { x: clamp01(x0), y: clamp01(y0) };
  const b = { x: clamp01(x1), y: clamp01(y1) };
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y) };
}

export function clampPoints(points: number[]): number[] {
  return points.map(clamp01);
}

/** Too small to be meant (a click, not a stroke), in normalised units. */
export function isTiny(shape: AnnotationShape): boolean {
  const g = shape.geometry;
  switch (shape.kind) {
    case 'box':
    case 'ellipse':
      return (g as RectGeometry).w < 0.004 || (g as RectGeometry).h < 0.004;
    case 'arrow': {
      const a = g as ArrowGeometry;
      return Math.hypot(a.x2 - a.x1, a.y2 - a.y1) < 0.006;
    }
    case 'freehand':
      return (g as FreehandGeometry).points.length < 4;
    case 'text':
      return false;
  }
}

/** Drops points closer than `min` to the previous kept one (a stroke sampled at every pointer move is dense). */
export function simplify(points: number[], min = 0.002): number[] {
  if (points.length <= 4) return points;
  const out = [points[0]!, points[1]!];
  for (let i = 2; i < points.length - 2; i += 2) {
    const dx = points[i]! - out[out.length - 2]!;
    const dy = points[i + 1]! - out[out.length - 1]!;
    if (Math.hypot(dx, dy) >= min) out.push(points[i]!, points[i + 1]!);
  }
  out.push(points[points.length - 2]!, points[points.length - 1]!);
  return out;
}

export function isRectKind(a: Annotation): a is Extract<Annotation, { kind: 'box' | 'ellipse' }> {
  return a.kind === 'box' || a.kind === 'ellipse';
}
