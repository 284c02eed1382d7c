// The timeline dock under the viewer: a time ruler (frame-accurate ticks and timecodes), a thumbnail track, and
// lanes for the reviewer's phase segments (drag an edge to move it), the model's phase strip, captured frames,
// notes on frames and the phase timeline's samples. Click or drag anywhere on it to scrub: the player shows that
// exact frame and the playhead says which. Wheel or pinch zooms around the pointer (Shift+wheel scrolls), and with
// the timeline focused + and − zoom, 0 shows the whole video; zoom goes down to single frames.
import { useEffect, useMemo, useRef, type KeyboardEvent, type PointerEvent as ReactPointerEvent } from 'react';
import { Button } from '../../ui/Button';
import { useAnnotate } from '../annotate/annotate-context';
import { usePlayer, usePlayerState } from '../player/player-context';
import { formatTimecode, tableFromStart } from '../player/timeline';
import { usePhaseTimeline } from '../timeline/timeline-context';
import { useReviewStore, useStore } from '../workspace/review-store';
import { useTeaching } from '../../teaching/teaching-store';
import { MarkerLane, type Marker } from './MarkerLanes';
import { PhaseLane } from './PhaseLane';
import { Ruler } from './Ruler';
import { SegmentLane } from './SegmentLane';
import { ThumbnailTrack } from './ThumbnailTrack';
import type { ThumbnailSource } from './thumbnails';
import { frameAt, xOf } from './timeline-view';
import { useTimelineWindow } from './use-timeline-window';
import './dock.css';

interface Props {
  pts: number[];
  durationSeconds: number;
  aspect: number;
  thumbnails: ThumbnailSource | null;
  /** A recording joined from several files: where each part after the first starts (frame index) and its name. */
  joins?: ReadonlyArray<{ frame: number; label: string }>;
}

const THUMB_H = 34;

export function TimelineDock({ pts: mediaPts, durationSeconds, aspect, thumbnails, joins = [] }: Props) {
  // The dock counts from the first frame (a recording's timestamps may start late): positions, ticks and
  // timecodes use the table from the first frame; indices are the same.
  const pts = useMemo(() => tableFromStart(mediaPts) as number[], [mediaPts]);
  const origin = mediaPts[0] ?? 0;
  const player = usePlayer();
  const store = useStore();
  const a = useAnnotate();
  const timeline = usePhaseTimeline();
  const index = usePlayerState((s) => s.index, 0);
  const settled = usePlayerState((s) => s.settled, false);
  const problem = usePlayerState((s) => s.problem, null);
  const frames = useReviewStore((s) => s.frames);
  const analysed = useReviewStore((s) => s.analysed);
  const notes = useReviewStore((s) => s.notes);
  const { hidesNote } = useTeaching(store.reviewId);
  const samplesFrames = useReviewStore((s) => s.samples);
  const view = useTimelineWindow(pts, durationSeconds, pts[index] ?? 0);
  const { win, width, total, frame } = view;

  // --- markers ------------------------------------------------------------------------------------------
  const annotated = a?.session.annotatedFrameIds;
  const captures = useMemo<Marker[]>(() => {
    const out = new Map<number, Marker>();
    for (const f of frames) {
      if (f.frameIndex === null) continue;
      const kind = analysed.has(f.id) ? 'analysed' : annotated?.has(f.id) ? 'annotated' : 'captured';
      if (out.get(f.frameIndex)?.kind === 'analysed') continue;
      out.set(f.frameIndex, { id: f.id, index: f.frameIndex, kind, label: kind === 'analysed' ? 'Analysed frame' : kind === 'annotated' ? 'Annotated frame' : 'Captured frame' });
    }
    const list = [...out.values()];
    if (problem) list.push({ id: 'error', index: problem.atIndex, kind: 'error', label: 'Playback error' });
    return list;
  }, [frames, analysed, annotated, problem]);
  const frameIndexOf = useMemo(() => new Map([...frames, ...samplesFrames].map((f) => [f.id, f.frameIndex])), [frames, samplesFrames]);
  const noteMarkers = useMemo<Marker[]>(
    () =>
      notes
        .filter((n) => n.frameId !== null && frameIndexOf.get(n.frameId) != null)
        .map((n) => ({ id: n.id, index: frameIndexOf.get(n.frameId!)!, kind: 'note', label: hidesNote(n) ? 'Note (hidden in teaching mode until you answer)' : `Note: ${n.text.length > 60 ? `${n.text.slice(0, 59)}…` : n.text}` })),
    [notes, frameIndexOf, hidesNote],
  );
  const sampleMarkers = useMemo<Marker[]>(
    () => (timeline?.view?.samples ?? []).map((s) => ({ id: s.id, index: s.frameIndex, kind: 'sample', label: `Timeline sample ${s.sampleIndex + 1}${s.frameId === null ? ' (frame deleted)' : ''}` })),
    [timeline?.view?.samples],
  );

  const openCapture = (m: Marker) => {
    player?.goTo(m.index, 'seek');
    if (typeof m.id === 'number') store.showFrameInPanel(m.id);
  };
  const openNote = (m: Marker) => {
    player?.goTo(m.index, 'seek');
    store.setTab('notes');
  };
  const openSample = (frameIndex: number, frameId: number | null) => {
    player?.goTo(frameIndex, 'seek');
    if (frameId !== null) {
      store.showFrameInPanel(frameId);
      store.setTab('analysis');
    }
  };
  const sampleById = useMemo(() => new Map((timeline?.view?.samples ?? []).map((s) => [s.id, s])), [timeline?.view?.samples]);

  // --- scrubbing ----------------------------------------------------------------------------------------
  const dragging = useRef<number | null>(null);
  const seekTo = (clientX: number) => {
    const el = view.track;
    if (!el || !player) return;
    const x = clientX - el.getBoundingClientRect().left;
    const k = frameAt(win, Math.max(0, Math.min(width, x)), pts);
    // For the benchmark: when the click asked for which frame (performance.getEntriesByName('dock:seek')).
    performance.mark('dock:seek', { detail: { frame: k } });
    player.goTo(k, 'seek');
  };
  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    dragging.current = e.pointerId;
    e.currentTarget.setPointerCapture(e.pointerId);
    e.currentTarget.focus({ preventScroll: true });
    seekTo(e.clientX);
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (dragging.current === e.pointerId) seekTo(e.clientX);
  };
  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (dragging.current === e.pointerId) dragging.current = null;
  };

  // Wheel: zoom around the pointer (a trackpad pinch arrives as Ctrl+wheel); Shift or a sideways wheel scrolls.
  const { zoomBy, panBy } = view;
  useEffect(() => {
    const el = view.track;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const x = e.clientX - el.getBoundingClientRect().left;
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) panBy(e.shiftKey ? e.deltaY || e.deltaX : e.deltaX);
      else zoomBy(Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.002)), x);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [view.track, zoomBy, panBy]);

  // With the timeline focused, + − 0 zoom the timeline (not the frame); PageUp / PageDown move 10 s.
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const act = (fn: () => void) => {
      e.preventDefault();
      e.stopPropagation();
      fn();
    };
    const playheadX = xOf(win, pts[index] ?? 0);
    const anchor = playheadX >= 0 && playheadX <= width ? playheadX : width / 2;
    if (e.key === '+' || e.key === '=') act(() => zoomBy(1.5, anchor));
    else if (e.key === '-' || e.key === '_') act(() => zoomBy(1 / 1.5, anchor));
    else if (e.key === '0') act(view.fit);
    else if (e.key === 'PageUp' || e.key === 'PageDown') act(() => player?.stepSeconds(e.key === 'PageUp' ? 10 : -10));
  };

  const playheadX = xOf(win, pts[index] ?? 0);
  const visible = playheadX >= -1 && playheadX <= width + 1;
  const lanes: Array<[string, number | null, string]> = [
    ['Segments', a?.segments.list.length ?? 0, 'The reviewer’s phase segments (I and O mark them; drag an edge to move it)'],
    ['Model phases', timeline?.view?.samples.length ?? 0, 'The model’s phase of each analysed sample (AI-generated, research use only)'],
    ['Captured', frames.length, 'Frames the reviewer captured'],
    ['Notes', noteMarkers.length, 'Notes written on frames'],
    ['Samples', sampleMarkers.length, 'Frames the phase timeline sampled (not captures)'],
  ];
  return (
    <section className="dock" aria-label="Timeline" data-testid="timeline-dock">
      <div className="dock-heads">
        <div className="dock-corner" role="group" aria-label="Timeline zoom">
          <Button size="sm" variant="ghost" className="dock-zoom" onClick={() => zoomBy(1 / 1.5)} disabled={view.fitted} title="Zoom the timeline out (− with the timeline focused, or the wheel)" aria-label="Zoom the timeline out" data-testid="dock-zoom-out">
            −
          </Button>
          <Button size="sm" variant="ghost" className="dock-zoom" onClick={() => zoomBy(1.5)} title="Zoom the timeline in, down to single frames (+ with the timeline focused, or the wheel)" aria-label="Zoom the timeline in" data-testid="dock-zoom-in">
            +
          </Button>
          <Button size="sm" variant="ghost" className="dock-zoom" onClick={view.fit} disabled={view.fitted} title="Show the whole video (0 with the timeline focused)" data-testid="dock-zoom-fit">
            Fit
          </Button>
        </div>
        <div className="lane-head lane-head-thumbs" style={{ height: THUMB_H }}>
          Video
        </div>
        {lanes.map(([name, count, hint]) => (
          <div key={name} className="lane-head" title={hint}>
            <span>{name}</span>
            {count ? <span className="lane-count">{count}</span> : null}
          </div>
        ))}
      </div>
      <div
        ref={view.trackRef}
        className="dock-track"
        role="slider"
        tabIndex={0}
        aria-label="Position in the video (timeline)"
        aria-valuemin={0}
        aria-valuemax={Math.max(0, pts.length - 1)}
        aria-valuenow={index}
        aria-valuetext={`Frame ${index}, ${formatTimecode(pts[index] ?? 0)}`}
        data-testid="scrub-bar"
        data-view-start={win.start.toFixed(4)}
        data-pps={win.pps.toFixed(4)}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onKeyDown={onKeyDown}
      >
        <Ruler win={win} width={width} pts={pts} frame={frame} />
        <div className="lane lane-thumbs" style={{ height: THUMB_H }}>
          <ThumbnailTrack win={win} width={width} height={THUMB_H} pts={pts} aspect={aspect} source={thumbnails} />
        </div>
        <div className="lane lane-segments">
          <SegmentLane win={win} pts={pts} track={view.track} />
        </div>
        <div className="lane lane-phases">
          <PhaseLane win={win} total={total} origin={origin} onOpen={(k, frameId, sampleId) => (sampleById.has(sampleId) ? openSample(k, frameId) : undefined)} />
        </div>
        <div className="lane">
          <MarkerLane win={win} pts={pts} markers={captures} testId="scrub-marker" lane="captures" onOpen={openCapture} />
        </div>
        <div className="lane">
          <MarkerLane win={win} pts={pts} markers={noteMarkers} testId="note-marker" lane="notes" onOpen={openNote} />
        </div>
        <div className="lane">
          <MarkerLane
            win={win}
            pts={pts}
            markers={sampleMarkers}
            testId="sample-marker"
            lane="samples"
            onOpen={(m) => openSample(m.index, sampleById.get(m.id as number)?.frameId ?? null)}
          />
        </div>
        {joins.map((j) => {
          const x = xOf(win, pts[j.frame] ?? 0);
          return x >= -1 && x <= width + 1 ? (
            <div key={j.frame} className="dock-join" style={{ transform: `translateX(${x.toFixed(2)}px)` }} title={j.label} data-testid="dock-join" data-frame-index={j.frame} />
          ) : null;
        })}
        {visible && (
          <div className="dock-playhead" style={{ transform: `translateX(${playheadX.toFixed(2)}px)` }} data-testid="dock-playhead" data-frame-index={index} data-settled={settled ? 'true' : 'false'} aria-hidden="true">
            <span className="dock-playhead-label">{index}</span>
          </div>
        )}
      </div>
    </section>
  );
}
