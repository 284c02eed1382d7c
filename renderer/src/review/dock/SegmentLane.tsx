// The reviewer's phase segments as blocks in their phase's colour. A click selects one (the Annotations tab edits
// it) and moves to its first frame; dragging a block's left or right edge moves its start or end, frame by frame,
// saved when the edge is let go. The marks being set with I and O show as a dashed range.
import { useState, type PointerEvent as ReactPointerEvent } from 'react';
import type { Segment } from '../../../../electron/api/schemas-review';
import { useAnnotate } from '../annotate/annotate-context';
import { usePlayer } from '../player/player-context';
import { formatTimecode } from '../player/timeline';
import { useStore } from '../workspace/review-store';
import { frameAt, frameEnd, xOf, type TimelineWindow } from './timeline-view';

interface Drag {
  id: number;
  edge: 'start' | 'end';
  pointer: number;
  frame: number;
}

export function SegmentLane({ win, pts, track }: { win: TimelineWindow; pts: readonly number[]; track: HTMLDivElement | null }) {
  const a = useAnnotate();
  const player = usePlayer();
  const store = useStore();
  const [drag, setDrag] = useState<Drag | null>(null);
  if (!a) return null;
  const s = a.segments;
  const colorOf = (phase: string | null) => a.taxonomy?.phases.find((p) => p.id === phase)?.color ?? '#8e8e93';
  const name = (seg: Segment) => [seg.phase ? a.labelText(seg.phase) : null, seg.label || null].filter(Boolean).join(' · ') || 'Segment';

  const frameUnder = (clientX: number) => {
    const r = track?.getBoundingClientRect();
    return r ? frameAt(win, clientX - r.left, pts) : 0;
  };
  const startDrag = (e: ReactPointerEvent<HTMLSpanElement>, seg: Segment, edge: Drag['edge']) => {
    e.stopPropagation();
    if (e.button !== 0 || a.readOnly) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    setDrag({ id: seg.id, edge, pointer: e.pointerId, frame: edge === 'start' ? seg.startFrame : seg.endFrame });
  };
  const moveDrag = (e: ReactPointerEvent<HTMLSpanElement>, seg: Segment) => {
    if (drag?.pointer !== e.pointerId) return;
    const k = frameUnder(e.clientX);
    const frame = drag.edge === 'start' ? Math.min(k, seg.endFrame) : Math.max(k, seg.startFrame);
    if (frame !== drag.frame) {
      setDrag({ ...drag, frame });
      player?.goTo(frame, 'seek');
    }
  };
  const endDrag = (e: ReactPointerEvent<HTMLSpanElement>, seg: Segment) => {
    if (drag?.pointer !== e.pointerId) return;
    const d = drag;
    setDrag(null);
    const same = d.edge === 'start' ? d.frame === seg.startFrame : d.frame === seg.endFrame;
    if (!same) void s.update(seg.id, d.edge === 'start' ? { startFrame: d.frame } : { endFrame: d.frame }).catch((err: unknown) => a.reportError(err));
  };

  return (
    <div className="lane-body segment-lane" data-testid="segment-strip">
      {s.list.map((seg) => {
        const startFrame = drag?.id === seg.id && drag.edge === 'start' ? drag.frame : seg.startFrame;
        const endFrame = drag?.id === seg.id && drag.edge === 'end' ? drag.frame : seg.endFrame;
        const left = xOf(win, pts[startFrame] ?? 0);
        const right = xOf(win, frameEnd(pts, endFrame));
        const width = Math.max(3, right - left);
        const label = name(seg);
        return (
          <div
            key={seg.id}
            className={`segment-block${s.selectedId === seg.id ? ' is-selected' : ''}`}
            style={{ transform: `translateX(${left.toFixed(2)}px)`, width, background: colorOf(seg.phase), color: textOn(colorOf(seg.phase)) }}
            data-testid="segment-block"
            data-segment-id={seg.id}
            data-phase={seg.phase ?? ''}
            data-start-frame={startFrame}
            data-end-frame={endFrame}
          >
            <button
              type="button"
              className="segment-body"
              title={`${label}: frames ${startFrame}–${endFrame} (${formatTimecode(pts[startFrame] ?? 0)}–${formatTimecode(frameEnd(pts, endFrame))}). Drag an edge to move it.`}
              aria-label={`Segment ${label}, frames ${startFrame} to ${endFrame}`}
              onPointerDown={(e) => e.stopPropagation()}
              onClick={() => {
                s.select(seg.id);
                store.setTab('annotations');
                player?.goTo(seg.startFrame, 'seek');
              }}
            >
              {width > 40 && <span className="segment-text">{label}</span>}
            </button>
            {!a.readOnly && (
              <>
                <span
                  className="segment-edge edge-start"
                  role="presentation"
                  data-testid="segment-edge"
                  data-edge="start"
                  onPointerDown={(e) => startDrag(e, seg, 'start')}
                  onPointerMove={(e) => moveDrag(e, seg)}
                  onPointerUp={(e) => endDrag(e, seg)}
                  onPointerCancel={() => setDrag(null)}
                />
                <span
                  className="segment-edge edge-end"
                  role="presentation"
                  data-testid="segment-edge"
                  data-edge="end"
                  onPointerDown={(e) => startDrag(e, seg, 'end')}
                  onPointerMove={(e) => moveDrag(e, seg)}
                  onPointerUp={(e) => endDrag(e, seg)}
                  onPointerCancel={() => setDrag(null)}
                />
              </>
            )}
          </div>
        );
      })}
      {(s.markIn !== null || s.markOut !== null) && (
        <span
          className="segment-marks"
          style={{
            transform: `translateX(${xOf(win, pts[s.markIn ?? s.markOut!] ?? 0).toFixed(2)}px)`,
            width: s.markIn !== null && s.markOut !== null ? Math.max(2, xOf(win, frameEnd(pts, s.markOut)) - xOf(win, pts[s.markIn] ?? 0)) : 2,
          }}
          title={`${s.markIn !== null ? `In: frame ${s.markIn}` : ''}${s.markOut !== null ? ` Out: frame ${s.markOut}` : ''}`}
          data-testid={s.markIn !== null ? 'segment-mark-in' : 'segment-mark-out'}
        />
      )}
    </div>
  );
}

/** Dark or light text, whichever reads on a #rrggbb block. */
function textOn(hex: string): string {
  const v = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!v) return '#fff';
  const [r, g, b] = [v[1], v[2], v[3]].map((x) => parseInt(x!, 16) / 255);
  return 0.299 * r! + 0.587 * g! + 0.114 * b! > 0.6 ? '#111' : '#fff';
}
