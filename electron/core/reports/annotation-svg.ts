// Annotations drawn as SVG in a frame's pixel space (viewBox 0 0 W H), numbered as the report lists them. One
// drawing for every place an annotation leaves the app: the report's frame overlays (HTML, PDF, preview) and the
// teaching clip's overlays (rasterised by resvg, ../clips/overlay-png.ts).
import type { ReportAnnotation } from '../../api/schemas-reports';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function esc(text: string | number | null | undefined): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ESC[c]!);
}

/** A number for SVG: at most two decimals. */
export const n = (v: number) => (Math.round(v * 100) / 100).toString();

/** One annotation as SVG in the frame's pixel space (viewBox 0 0 W H). */
function shapeSvg(a: ReportAnnotation, index: number, w: number, h: number): string {
  const sw = Math.max(2, Math.round(Math.max(w, h) / 300));
  const font = Math.max(12, Math.round(Math.max(w, h) / 45));
  const stroke = `stroke="${esc(a.color)}" stroke-width="${sw}" fill="none" stroke-linejoin="round" stroke-linecap="round"`;
  // A dark plate behind label text keeps it legible on any frame (its width estimated from the character count).
  const label = (x: number, y: number, text: string, weight = 700) => {
    const width = text.length * font * 0.62 + font * 0.5;
    const left = Math.max(0, Math.min(x, w - width));
    return (
      `<rect x="${n(left)}" y="${n(y - font * 0.95)}" width="${n(width)}" height="${n(font * 1.25)}" rx="${n(font * 0.2)}" fill="#000" fill-opacity="0.6"/>` +
      `<text x="${n(left + font * 0.25)}" y="${n(y)}" font-size="${font}" font-weight="${weight}" fill="${esc(a.color)}">${esc(text)}</text>`
    );
  };
  const badge = (x: number, y: number) => label(x, y, `${index}${a.displayLabel ? ` ${a.displayLabel}` : ''}`);
  const [bx, by] = a.pixelBox;
  const labelY = by > font * 1.3 ? by - font * 0.35 : by + font;
  switch (a.kind) {
    case 'box': {
      const g = a.geometry;
      return `<rect x="${n(g.x * w)}" y="${n(g.y * h)}" width="${n(g.w * w)}" height="${n(g.h * h)}" ${stroke}/>${badge(bx, labelY)}`;
    }
    case 'ellipse': {
      const g = a.geometry;
      return `<ellipse cx="${n((g.x + g.w / 2) * w)}" cy="${n((g.y + g.h / 2) * h)}" rx="${n((g.w / 2) * w)}" ry="${n((g.h / 2) * h)}" ${stroke}/>${badge(bx, labelY)}`;
    }
    case 'arrow': {
      const g = a.geometry;
      const x1 = g.x1 * w;
      const y1 = g.y1 * h;
      const x2 = g.x2 * w;
      const y2 = g.y2 * h;
      const angle = Math.atan2(y2 - y1, x2 - x1);
      const head = sw * 5;
      const p = (da: number) => `${n(x2 - head * Math.cos(angle + da))},${n(y2 - head * Math.sin(angle + da))}`;
      return (
        `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" ${stroke}/>` +
        `<polygon points="${n(x2)},${n(y2)} ${p(0.45)} ${p(-0.45)}" fill="${esc(a.color)}"/>${badge(x1, y1 > font * 1.3 ? y1 - font * 0.35 : y1 + font)}`
      );
    }
    case 'freehand': {
      const pts = a.geometry.points;
      const list: string[] = [];
      for (let i = 0; i + 1 < pts.length; i += 2) list.push(`${n(pts[i]! * w)},${n(pts[i + 1]! * h)}`);
      return `<polyline points="${list.join(' ')}" ${stroke}/>${badge(bx, labelY)}`;
    }
    case 'text': {
      const g = a.geometry;
      return label(g.x * w, Math.max(g.y * h, font), `${index}: ${g.text}`, 400);
    }
  }
}

/** Every annotation of a frame, numbered from 1, as SVG elements (no <svg> wrapper). */
export function annotationShapes(annotations: readonly ReportAnnotation[], w: number, h: number): string {
  return annotations.map((a, i) => shapeSvg(a, i + 1, w, h)).join('');
}

/** A standalone SVG document of a frame's annotations on a transparent background, W×H pixels. */
export function annotationOverlaySvg(annotations: readonly ReportAnnotation[], w: number, h: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif">` +
    `${annotationShapes(annotations, w, h)}</svg>`
  );
}
