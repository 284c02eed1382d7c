// The scrub bar: click or drag to seek (the newest position wins; stale seeks are dropped), markers for captured,
// analysed and annotated frames and for where playback failed; a marker click jumps to its exact frame.
// `children` are drawn in a strip above the track (the phase timeline goes there).
import { useRef, type KeyboardEvent, type PointerEvent as ReactPointerEvent, type ReactNode } from 'react';
import { usePlayer, usePlayerState } from './player/player-context';
import { formatTimecode, fromStart, indexFromStart } from './player/timeline';

export interface ScrubMarker {
  index: number;
  kind: 'captured' | 'analysed' | 'annotated' | 'error';
  label: string;
}

interface Props {
  pts: number[];
  durationSeconds: number;
  markers: ScrubMarker[];
  children?: ReactNode;
}

export function ScrubBar({ pts, durationSeconds, markers, children }: Props) {
  const player = usePlayer();
  const index = usePlayerState((s) => s.index, 0);
  const track = useRef<HTMLDivElement | null>(null);
  const dragging = useRef<number | null>(null);
  // From the first frame to the end (a recording's timestamps may start late): t is a media time.
  const span = durationSeconds || 1;
  const pct = (t: number) => `${Math.min(100, Math.max(0, (fromStart(pts, t) / span) * 100))}%`;

  const seekTo = (clientX: number) => {
    const el = track.current;
    if (!el || !player) return;
    const r = el.getBoundingClientRect();
    const t = ((clientX - r.left) / Math.max(1, r.width)) * span;
    player.goTo(indexFromStart(pts, t), 'seek');
  };
  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    dragging.current = e.pointerId;
    e.currentTarget.setPointerCapture(e.pointerId);
    seekTo(e.clientX);
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (dragging.current === e.pointerId) seekTo(e.clientX);
  };
  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (dragging.current === e.pointerId) dragging.current = null;
  };
  // Arrow keys are the review's global frame keys; the slider itself takes PageUp/PageDown (10 s).
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'PageUp' || e.key === 'PageDown') {
      e.preventDefault();
      player?.stepSeconds(e.key === 'PageUp' ? 10 : -10);
    }
  };

  const playhead = pts[index] ?? 0;
  return (
    <div className="scrub">
      {children && <div className="scrub-strip">{children}</div>}
      <div
        ref={track}
        className="scrub-track"
        role="slider"
        tabIndex={0}
        aria-label="Position in the video"
        aria-valuemin={0}
        aria-valuemax={Math.max(0, pts.length - 1)}
        aria-valuenow={index}
        aria-valuetext={`Frame ${index}, ${formatTimecode(fromStart(pts, playhead))}`}
        data-testid="scrub-bar"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onKeyDown={onKeyDown}
      >
        <div className="scrub-fill" style={{ width: pct(playhead) }} />
        {markers.map((m) => (
          <button
            key={`${m.kind}-${m.index}`}
            type="button"
            className={`scrub-marker marker-${m.kind}`}
            style={{ left: pct(pts[m.index] ?? 0) }}
            title={`${m.label} — frame ${m.index}, ${formatTimecode(fromStart(pts, pts[m.index] ?? 0))}`}
            aria-label={`${m.label}: frame ${m.index}`}
            data-testid="scrub-marker"
            data-kind={m.kind}
            data-frame-index={m.index}
            onPointerDown={(e) => e.stopPropagation()}
            onClick={() => player?.goTo(m.index, 'seek')}
          />
        ))}
        <div className="scrub-playhead" style={{ left: pct(playhead) }} aria-hidden="true" />
      </div>
      <div className="scrub-times muted" aria-hidden="true">
        <span>{formatTimecode(0)}</span>
        <span>{formatTimecode(span)}</span>
      </div>
    </div>
  );
}
