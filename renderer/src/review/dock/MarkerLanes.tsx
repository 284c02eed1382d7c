// Lanes of point markers: the reviewer's captured frames (analysed, annotated or just captured, and where playback
// failed), the notes written on frames, and the phase timeline's samples (a kind of their own: they are not
// captures). A click goes to the marker's exact frame and shows what it holds in the inspector.
import { memo } from 'react';
import { formatTimecode } from '../player/timeline';
import { xOf, type TimelineWindow } from './timeline-view';

export interface Marker {
  index: number;
  kind: string;
  label: string;
  /** A stable key within the lane. */
  id: string | number;
}

interface Props {
  win: TimelineWindow;
  pts: readonly number[];
  markers: readonly Marker[];
  /** data-testid of each marker (the lane's kind of thing). */
  testId: string;
  lane: string;
  onOpen(m: Marker): void;
}

export const MarkerLane = memo(function MarkerLane({ win, pts, markers, testId, lane, onOpen }: Props) {
  return (
    <div className={`lane-body marker-lane lane-${lane}`}>
      {markers.map((m) => {
        const t = pts[m.index] ?? 0;
        return (
          <button
            key={`${m.kind}-${m.id}`}
            type="button"
            className={`dock-marker marker-${m.kind}`}
            style={{ transform: `translateX(${xOf(win, t).toFixed(2)}px)` }}
            title={`${m.label} — frame ${m.index}, ${formatTimecode(t)}`}
            aria-label={`${m.label}: frame ${m.index}`}
            data-testid={testId}
            data-kind={m.kind}
            data-frame-index={m.index}
            onPointerDown={(e) => e.stopPropagation()}
            onClick={() => onOpen(m)}
          />
        );
      })}
    </div>
  );
});
