// A published review's captured frames: the selected frame large with its annotations drawn over it (an SVG in the
// frame's own proportions; geometry is normalised 0..1 as in electron/api/schemas-review.ts), and a strip of all the
// frames (index, time in the video, how many annotations) to choose from. The images come from this origin
// (/api/media/:sha256/content, with the session cookie): the page's CSP needs nothing more.
import type { ReactNode } from 'react';
import { formatMediaTime, mediaUrl, type Annotation, type PublishedFrame } from './api';

/** The overlay's width in its own units; its height keeps the frame's proportions. */
const W = 1000;
const FONT = 24;
const ARROW_HEAD = 26;

function Label({ x, y, color, children, anchor = 'start' }: { x: number; y: number; color: string; children: ReactNode; anchor?: 'start' | 'middle' }) {
  return (
    <text x={x} y={y} fill={color} fontSize={FONT} textAnchor={anchor} className="dept-overlay-label">
      {children}
    </text>
  );
}

function Shape({ a, h }: { a: Annotation; h: number }) {
  const color = a.color;
  const stroke = { stroke: color, strokeWidth: 2.5, fill: 'none', vectorEffect: 'non-scaling-stroke' as const };
  const label = a.label;
  switch (a.kind) {
    case 'box':
    case 'ellipse': {
      const { x, y, w, h: gh } = a.geometry;
      const [px, py, pw, ph] = [x * W, y * h, w * W, gh * h];
      return (
        <g data-kind={a.kind}>
          {a.kind === 'box' ? <rect x={px} y={py} width={pw} height={ph} {...stroke} /> : <ellipse cx={px + pw / 2} cy={py + ph / 2} rx={pw / 2} ry={ph / 2} {...stroke} />}
          {label && (
            <Label x={px} y={py > FONT + 6 ? py - 8 : py + ph + FONT + 4} color={color}>
              {label}
            </Label>
          )}
        </g>
      );
    }
    case 'arrow': {
      const { x1, y1, x2, y2 } = a.geometry;
      const [ax, ay, bx, by] = [x1 * W, y1 * h, x2 * W, y2 * h];
      const len = Math.hypot(bx - ax, by - ay) || 1;
      const [ux, uy] = [(bx - ax) / len, (by - ay) / len];
      const [baseX, baseY] = [bx - ux * ARROW_HEAD, by - uy * ARROW_HEAD];
      const head = `${bx},${by} ${baseX - uy * ARROW_HEAD * 0.45},${baseY + ux * ARROW_HEAD * 0.45} ${baseX + uy * ARROW_HEAD * 0.45},${baseY - ux * ARROW_HEAD * 0.45}`;
      return (
        <g data-kind="arrow">
          <line x1={ax} y1={ay} x2={baseX} y2={baseY} {...stroke} />
          <polygon points={head} fill={color} />
          {label && (
            <Label x={ax} y={ay + (uy > 0 ? -10 : FONT + 6)} color={color} anchor="middle">
              {label}
            </Label>
          )}
        </g>
      );
    }
    case 'freehand': {
      const p = a.geometry.points;
      const points: string[] = [];
      for (let i = 0; i + 1 < p.length; i += 2) points.push(`${p[i]! * W},${p[i + 1]! * h}`);
      return (
        <g data-kind="freehand">
          <polyline points={points.join(' ')} strokeLinejoin="round" strokeLinecap="round" {...stroke} />
          {label && (
            <Label x={p[0]! * W} y={p[1]! * h - 10} color={color}>
              {label}
            </Label>
          )}
        </g>
      );
    }
    case 'text': {
      const { x, y, text } = a.geometry;
      return (
        <g data-kind="text">
          <Label x={x * W} y={y * h} color={color} anchor="middle">
            {text.length > 60 ? `${text.slice(0, 59)}…` : text}
          </Label>
        </g>
      );
    }
  }
}

export function Overlay({ frame, annotations }: { frame: PublishedFrame; annotations: Annotation[] }) {
  const h = frame.width > 0 && frame.height > 0 ? (W * frame.height) / frame.width : (W * 9) / 16;
  return (
    <svg className="dept-overlay" viewBox={`0 0 ${W} ${h}`} aria-hidden="true" data-testid="overlay">
      {annotations.map((a) => (
        <Shape key={a.id} a={a} h={h} />
      ))}
    </svg>
  );
}

export interface FrameViewProps {
  frames: PublishedFrame[];
  selected: PublishedFrame;
  annotations: Annotation[];
  onSelect(frame: PublishedFrame): void;
}

const frameName = (f: PublishedFrame) => `Frame ${f.frameIndex}`;

export function FrameView({ frames, selected, annotations, onSelect }: FrameViewProps) {
  const at = frames.indexOf(selected);
  const drawn = annotations.filter((a) => a.frameIndex === selected.frameIndex);
  const time = formatMediaTime(selected.mediaTime);
  return (
    <div className="dept-viewer">
      <figure className="dept-stage">
        <div className="dept-stage-frame">
          <img src={mediaUrl(selected.sha256)} width={selected.width} height={selected.height} alt={`${frameName(selected)}${time ? ` at ${time}` : ''}`} data-testid="frame-image" />
          <Overlay frame={selected} annotations={drawn} />
        </div>
        <figcaption className="dept-stage-caption">
          <span>
            <strong>{frameName(selected)}</strong>
            {time && <span className="muted"> · {time}</span>}
            <span className="muted">
              {' '}
              · {drawn.length} {drawn.length === 1 ? 'annotation' : 'annotations'}
            </span>
          </span>
          <span className="dept-stage-nav">
            <button type="button" className="btn btn-sm btn-ghost" disabled={at <= 0} onClick={() => onSelect(frames[at - 1]!)}>
              ‹ Previous
            </button>
            <span className="muted">
              {at + 1} of {frames.length}
            </span>
            <button type="button" className="btn btn-sm btn-ghost" disabled={at >= frames.length - 1} onClick={() => onSelect(frames[at + 1]!)}>
              Next ›
            </button>
          </span>
        </figcaption>
      </figure>
      <ol className="dept-strip" aria-label="Captured frames">
        {frames.map((f) => {
          const n = annotations.filter((a) => a.frameIndex === f.frameIndex).length;
          const t = formatMediaTime(f.mediaTime);
          return (
            <li key={f.frameIndex}>
              <button type="button" className="dept-thumb" aria-pressed={f === selected} aria-label={`${frameName(f)}${t ? ` at ${t}` : ''}, ${n} annotations`} onClick={() => onSelect(f)}>
                <img src={mediaUrl(f.sha256)} alt="" width={f.width} height={f.height} loading="lazy" />
                <span className="dept-thumb-text">
                  <span>{f.frameIndex}</span>
                  {t && <span className="muted">{t}</span>}
                </span>
                {n > 0 && <span className="count dept-thumb-count">{n}</span>}
              </button>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
