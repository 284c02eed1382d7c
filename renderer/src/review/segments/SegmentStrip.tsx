// The coloured strip above the scrub bar: one block per phase segment (its phase's colour), the in/out marks being
// set with I and O, and a click on a block selects the segment for editing.
import { useAnnotate } from '../annotate/annotate-context';
import { fromStart } from '../player/timeline';

export function SegmentStrip({ pts, durationSeconds }: { pts: number[]; durationSeconds: number }) {
  const a = useAnnotate();
  if (!a) return null;
  const span = durationSeconds || 1;
  const at = (k: number) => Math.min(100, Math.max(0, (fromStart(pts, pts[Math.min(pts.length - 1, Math.max(0, k))] ?? 0) / span) * 100));
  // A segment reaches to the end of its last frame (the next frame's start).
  const end = (k: number) => Math.min(100, Math.max(0, ((pts[k + 1] !== undefined ? fromStart(pts, pts[k + 1]!) : span) / span) * 100));
  const colorOf = (phase: string | null) => a.taxonomy?.phases.find((p) => p.id === phase)?.color ?? '#8e8e93';
  const s = a.segments;
  return (
    <div className="segment-strip" data-testid="segment-strip">
      {s.list.map((seg) => (
        <button
          key={seg.id}
          type="button"
          className={`segment-block${s.selectedId === seg.id ? ' is-selected' : ''}`}
          style={{ left: `${at(seg.startFrame)}%`, width: `${Math.max(0.4, end(seg.endFrame) - at(seg.startFrame))}%`, background: colorOf(seg.phase) }}
          title={`${seg.label || a.labelText(seg.phase) || 'Segment'}: frames ${seg.startFrame}–${seg.endFrame}`}
          aria-label={`Segment ${seg.label || a.labelText(seg.phase) || ''}, frames ${seg.startFrame} to ${seg.endFrame}`}
          data-testid="segment-block"
          data-segment-id={seg.id}
          data-phase={seg.phase ?? ''}
          onPointerDown={(e) => e.stopPropagation()}
          onClick={() => s.select(seg.id)}
        />
      ))}
      {s.markIn !== null && <span className="segment-mark mark-in" style={{ left: `${at(s.markIn)}%` }} title={`In: frame ${s.markIn}`} data-testid="segment-mark-in" />}
      {s.markOut !== null && <span className="segment-mark mark-out" style={{ left: `${end(s.markOut)}%` }} title={`Out: frame ${s.markOut}`} data-testid="segment-mark-out" />}
    </div>
  );
}
