// The review workspace: the viewer owns the window and scales with it, the timeline dock runs along the bottom, the
// inspector (Analysis, Annotations, Tags, Notes, History) sits on the right, and one compact toolbar on top. Nothing
// scrolls the page: panels scroll inside. The inspector's width and the dock's height are dragged and remembered.
//
// This component wires the pieces: the player (FrameStage), the review's store (review-store.ts), the annotation
// state, the phase timeline, the keys, capture and analyse, and where the reviewer left off (the player's state and
// position: use-player-slice.ts; the dock's thumbnails: use-dock-thumbnails.ts).
import { useCallback, useEffect, useMemo, useState, type CSSProperties } from 'react';
import type { Case, Frame } from '../../../../electron/api/schemas';
import { REVIEWER_ROLE_LABELS } from '../../../../electron/api/schemas';
import { decideColour } from '../../../../electron/api/colour';
import type { Review, Video, VideoProxy, VideoTimeline } from '../../../../electron/api/schemas-video';
import { jobsStore } from '../../analysis/jobs-store';
import { SuggestedTagActionsContext, type SuggestedTagActions } from '../../analysis/suggested-tag-actions';
import { api } from '../../api';
import { useSettings } from '../../app/settings-context';
import { formatBytes } from '../../ui/format';
import { useNotify } from '../../ui/notify';
import { AnnotateContext, useAnnotateState } from '../annotate/annotate-context';
import { AnnotationLayer } from '../annotate/AnnotationLayer';
import { useAnnotateKeys } from '../annotate/use-annotate-keys';
import '../annotate/annotate.css';
import { TimelineDock } from '../dock/TimelineDock';
import { FrameViewContext } from '../frame-view';
import { AnnotationsPanel } from '../inspector/AnnotationsPanel';
import { Inspector } from '../inspector/Inspector';
import type { FramePlayer } from '../player/frame-player';
import { PlayerContext } from '../player/player-context';
import { cacheLimitsFor } from '../player/frame-cache';
import { mimeForContainer } from '../player/video-element';
import { cacheWanted } from '../review-media';
import { ReviewAnalysis } from '../ReviewAnalysis';
import { PhaseTimelineControls } from '../timeline/PhaseTimeline';
import { PhaseTimelineContext, usePhaseTimelineState } from '../timeline/timeline-context';
import { useReviewKeys } from '../use-review-keys';
import { useZoomPan } from '../use-zoom-pan';
import { FinaliseDialog, ReopenDialog } from './FinishDialogs';
import { INSPECTOR_TABS, ReviewStore, ReviewStoreContext, useReviewStore, type InspectorTab } from './review-store';
import { ShortcutSheet } from './ShortcutSheet';
import { Splitter, usePanelSize, useWindowWidth } from './Splitter';
import { Viewer } from './Viewer';
import { WorkspaceToolbar } from './WorkspaceToolbar';
import { useDockThumbnails } from './use-dock-thumbnails';
import { useFrameViewOf, usePlayerStateOf, useSavePosition, useSettledIndex } from './use-player-slice';
import { useWorkspaceTheme } from './use-workspace-theme';
import './workspace.css';
import './dialogs.css';
import '../inspector/inspector.css';
import '../inspector/tags.css';

export interface LoadedReview {
  review: Review;
  video: Video;
  timeline: VideoTimeline;
  item: Case;
  /** The scrub proxy when it was ready as the review opened (a proxy made later is used from the next opening). */
  proxy: VideoProxy | null;
}

function savedTab(): InspectorTab {
  try {
    const t = window.localStorage.getItem('workstation.inspectorTab');
    return INSPECTOR_TABS.some((x) => x.id === t) ? (t as InspectorTab) : 'analysis';
  } catch {
    return 'analysis';
  }
}

export function Workspace({ data, onBack }: { data: LoadedReview; onBack(): void }) {
  const notify = useNotify();
  const store = useMemo(() => new ReviewStore(data.review, savedTab()), [data.review]);
  useEffect(() => {
    store.onError = (err, title) => notify.error(err, title);
    return store.start();
  }, [store, notify]);
  return (
    <ReviewStoreContext.Provider value={store}>
      <WorkspaceBody data={data} store={store} onBack={onBack} />
    </ReviewStoreContext.Provider>
  );
}

function WorkspaceBody({ data, store, onBack }: { data: LoadedReview; store: ReviewStore; onBack(): void }) {
  const { video, timeline, item } = data;
  const notify = useNotify();
  const { settings } = useSettings();
  useWorkspaceTheme(settings.reviewTheme);
  const review = useReviewStore((s) => s.review);
  const frames = useReviewStore((s) => s.frames);
  const samples = useReviewStore((s) => s.samples);
  const panelFrameId = useReviewStore((s) => s.panelFrameId);
  const tags = useReviewStore((s) => s.tags);
  const [player, setPlayer] = useState<FramePlayer | null>(null);
  const zoomPan = useZoomPan(video.width, video.height);
  const [capturing, setCapturing] = useState(false);
  const [dialog, setDialog] = useState<'finalise' | 'reopen' | 'shortcuts' | null>(null);
  const src = useMemo(() => api.videoUrl(video.id), [video.id]);
  const pts = timeline.pts;
  const initialCache = useMemo(cacheWanted, []);
  // The budget when the review opened (changing it applies to the next review: the player keeps its cache).
  const [cacheLimits] = useState(() => cacheLimitsFor(settings.frameCacheMb));
  const colour = useMemo(() => decideColour(video.colour, video.width, video.height), [video.colour, video.width, video.height]);
  // Times are shown from the first frame (a recording's timestamps may start late).
  const origin = pts[0] ?? 0;
  // The inspector is about a fifth of the window (300–420 px) until the reviewer drags it; the dock its own height.
  const windowWidth = useWindowWidth();
  const inspector = usePanelSize('inspector', Math.round(Math.min(420, Math.max(300, windowWidth * 0.22))), 260, 640);
  const dock = usePanelSize('dock', 150, 146, 420);
  const phaseTimeline = usePhaseTimelineState(review.id);

  // Open where the reviewer left off.
  useEffect(() => {
    if (!player) return;
    player.goTo(Math.min(data.review.lastFrameIndex, pts.length - 1), 'seek');
  }, [player, data.review.lastFrameIndex, pts.length]);

  const state = usePlayerStateOf(player);
  const settledIndex = useSettledIndex(state.index, state.settled);
  useSavePosition(review.id, data.review.lastFrameIndex, settledIndex);

  // The analysis panel follows the reviewer onto captured frames and otherwise keeps the last one.
  useEffect(() => {
    if (settledIndex === null) return;
    const here = frames.filter((f) => f.frameIndex === settledIndex).sort((a, b) => b.id - a.id)[0];
    if (here) store.showFrameInPanel(here.id);
  }, [settledIndex, frames, store]);
  const panelFrame = [...frames, ...samples].find((f) => f.id === panelFrameId) ?? null;

  const capture = useCallback(
    async (analyze: boolean): Promise<Frame | null> => {
      if (!player) return null;
      setCapturing(true);
      try {
        // Marks for the benchmark (performance.getEntriesByType('measure')): encoding and storing the frame.
        const t0 = performance.now();
        const shot = await player.capture();
        const t1 = performance.now();
        const frame = await api.frames.capture({
          reviewId: review.id,
          frameIndex: shot.index,
          mediaTime: shot.mediaTime,
          data: shot.png,
          ...(shot.printJpeg ? { printJpeg: shot.printJpeg } : {}),
        });
        performance.measure('review:capture-encode', { start: t0, end: t1, detail: { bytes: shot.png.byteLength, source: shot.source, colourBy: shot.colourBy } });
        performance.measure('review:capture-store', { start: t1, end: performance.now() });
        store.addFrame(frame);
        if (analyze) {
          const r = await api.analysis.start({ frameId: frame.id });
          jobsStore.adopt(r.jobId, frame.id, r.queuePosition);
        }
        return frame;
      } finally {
        setCapturing(false);
      }
    },
    [player, review.id, store],
  );
  const lockedMessage = useCallback(() => {
    const r = store.getState().review;
    const who = r.finalisedBy ? ` by ${r.finalisedBy}${r.finalisedRole ? ` (${REVIEWER_ROLE_LABELS[r.finalisedRole]})` : ''}` : '';
    return `This review was finalised${who} and is locked. Reopen it (with a reason) to change it.`;
  }, [store]);
  const refuseLocked = useCallback(() => notify.error(new Error(lockedMessage()), 'Not changed.'), [notify, lockedMessage]);
  const captureOnly = useCallback(() => {
    if (store.locked) {
      refuseLocked();
      return;
    }
    capture(false)
      .then((f) => f && notify.info(`Frame ${f.frameIndex} captured (${f.width}×${f.height} PNG, ${formatBytes(f.bytes)}).`))
      .catch((err: unknown) => notify.error(err, 'The frame was not captured.'));
  }, [capture, notify, store, refuseLocked]);
  const analyze = useCallback(async () => {
    await capture(true);
  }, [capture]);

  // Annotations on the frame, phase segments (annotate/, segments/): every change saved at once.
  const reportAnnotateError = useCallback((err: unknown) => notify.error(err, 'The change was not saved.'), [notify]);
  const annotate = useAnnotateState({ review, frames, frameIndex: settledIndex ?? state.index, pts, player, capture, onError: reportAnnotateError, onLocked: refuseLocked });
  useAnnotateKeys(annotate);
  // A segment marked with I and O is named and saved in the Annotations tab: show it.
  const marked = annotate.segments.markIn !== null && annotate.segments.markOut !== null;
  useEffect(() => {
    if (marked) store.setTab('annotations');
  }, [marked, store]);

  // ↑ / ↓: the previous / next marker of any lane (captures, notes, samples, segment edges, I/O marks).
  const notes = useReviewStore((s) => s.notes);
  const markers = useMemo(() => {
    const byId = new Map([...frames, ...samples].map((f) => [f.id, f.frameIndex]));
    const ks = new Set<number>();
    for (const f of frames) if (f.frameIndex !== null) ks.add(f.frameIndex);
    for (const f of samples) if (f.frameIndex !== null) ks.add(f.frameIndex);
    for (const n of notes) if (n.frameId !== null && byId.get(n.frameId) != null) ks.add(byId.get(n.frameId)!);
    for (const s of annotate.segments.list) {
      ks.add(s.startFrame);
      ks.add(s.endFrame);
    }
    if (annotate.segments.markIn !== null) ks.add(annotate.segments.markIn);
    if (annotate.segments.markOut !== null) ks.add(annotate.segments.markOut);
    return [...ks].sort((a, b) => a - b);
  }, [frames, samples, notes, annotate.segments.list, annotate.segments.markIn, annotate.segments.markOut]);
  const onMarker = useCallback(
    (dir: -1 | 1) => {
      if (!player) return;
      const k = player.getState().index;
      const next = dir > 0 ? markers.find((m) => m > k) : [...markers].reverse().find((m) => m < k);
      if (next !== undefined) player.goTo(next, 'seek');
    },
    [player, markers],
  );
  useReviewKeys({ player, zoomPan, onCapture: captureOnly, onMarker, onHelp: () => setDialog('shortcuts') });

  // Thumbnails for the dock, drawn only while the player is idle.
  const thumbs = useDockThumbnails(player, src, timeline, data.proxy, video.id);

  // Test and benchmark hook: the player and the capture path, as the keyboard and buttons use them.
  useEffect(() => {
    const w = window as unknown as { __workstationPlayer?: unknown; __workstationReview?: unknown };
    if (!player) return;
    w.__workstationPlayer = player;
    w.__workstationReview = { reviewId: review.id, videoId: video.id, pts, capture };
    return () => {
      if (w.__workstationPlayer === player) {
        delete w.__workstationPlayer;
        delete w.__workstationReview;
      }
    };
  }, [player, review.id, video.id, pts, capture]);

  const frameView = useFrameViewOf(state, pts, video, zoomPan);
  const suggestedActions = useMemo<SuggestedTagActions>(
    () => ({
      isAccepted: (frameId, tag) => tags.some((t) => t.frameId === frameId && t.kind === tag.kind && t.value === tag.id),
      accept: (frameId, tag) => {
        if (store.locked) refuseLocked();
        else void store.addTag({ frameId }, tag.kind, tag.id).catch((err: unknown) => notify.error(err, 'The tag was not added.'));
      },
    }),
    [tags, store, notify, refuseLocked],
  );

  const shownIndex = settledIndex ?? state.index;
  const onTimelineFrames = useCallback(() => void store.reloadFrames(), [store]);
  const style = { '--inspector-w': `${inspector.size}px`, '--dock-h': `${dock.size}px` } as CSSProperties;
  return (
    <PlayerContext.Provider value={player}>
      <FrameViewContext.Provider value={frameView}>
        <AnnotateContext.Provider value={annotate}>
          <PhaseTimelineContext.Provider value={phaseTimeline}>
            <SuggestedTagActionsContext.Provider value={suggestedActions}>
              <div className="workspace review" style={style} data-testid="review" data-review-id={review.id} data-video-id={video.id} data-status={review.status}>
                <WorkspaceToolbar item={item} video={video} onFinalise={() => setDialog('finalise')} onReopen={() => setDialog('reopen')} onShortcuts={() => setDialog('shortcuts')} onBack={onBack} />
                <Viewer
                  src={src}
                  type={mimeForContainer(video.container)}
                  pts={pts}
                  durationSeconds={timeline.durationSeconds}
                  frameWidth={video.width}
                  frameHeight={video.height}
                  cache={initialCache}
                  cacheLimits={cacheLimits}
                  colour={colour}
                  proxy={data.proxy ? { url: api.proxyUrl(video.id), timeOffset: data.proxy.timeOffset ?? 0 } : null}
                  zoomPan={zoomPan}
                  onPlayer={setPlayer}
                  overlay={<AnnotationLayer />}
                  onReopen={() => setDialog('reopen')}
                />
                <Splitter panel={inspector} axis="column" direction={-1} label="Inspector width" testId="inspector-splitter" />
                <Inspector
                  pts={pts}
                  analysis={
                    <>
                      <ReviewAnalysis frame={panelFrame} currentIndex={shownIndex} currentTime={(pts[shownIndex] ?? 0) - origin} origin={origin} busy={capturing} onAnalyze={analyze} />
                      <section className="inspector-section" aria-label="Phase timeline">
                        <h4 className="inspector-heading">Phase timeline of the whole video</h4>
                        <PhaseTimelineControls reviewId={review.id} final={review.status === 'final'} onFrames={onTimelineFrames} />
                      </section>
                    </>
                  }
                  annotations={<AnnotationsPanel pts={pts} onCapture={captureOnly} capturing={capturing} />}
                />
                <Splitter panel={dock} axis="row" direction={-1} label="Timeline height" testId="dock-splitter" />
                <TimelineDock
                  pts={pts}
                  durationSeconds={timeline.durationSeconds}
                  aspect={video.width / Math.max(1, video.height)}
                  thumbnails={thumbs}
                  joins={video.parts.slice(1).map((p) => ({ frame: p.firstFrame, label: `Part ${p.index + 1} starts here (frame ${p.firstFrame}): ${p.fileName}` }))}
                />
              </div>
              <FinaliseDialog open={dialog === 'finalise'} onClose={() => setDialog(null)} onGoToFrame={(k) => player?.goTo(k, 'seek')} />
              <ReopenDialog open={dialog === 'reopen'} onClose={() => setDialog(null)} />
              <ShortcutSheet open={dialog === 'shortcuts'} onClose={() => setDialog(null)} />
            </SuggestedTagActionsContext.Provider>
          </PhaseTimelineContext.Provider>
        </AnnotateContext.Provider>
      </FrameViewContext.Provider>
    </PlayerContext.Provider>
  );
}
