// One open review: the reviewer's review of one video in one case. Loads the video, its frame table and the
// review (opening it where the reviewer left off and saving the position as they move), and lays out the frame,
// scrub bar, transport, filmstrip and the analysis of the frame on screen.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { decideColour } from '../../../electron/api/colour';
import type { Case, Frame } from '../../../electron/api/schemas';
import type { Review, Video, VideoProxy, VideoTimeline } from '../../../electron/api/schemas-video';
import { cacheWanted, readyProxy } from './review-media';
import { isTerminal, jobsStore } from '../analysis/jobs-store';
import { api } from '../api';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { errorMessage } from '../ui/errors';
import { formatBytes } from '../ui/format';
import { useNotify } from '../ui/notify';
import { Filmstrip } from './Filmstrip';
import { FrameStage } from './FrameStage';
import { FrameViewContext, type FrameView } from './frame-view';
import { PlaybackNotice } from './PlaybackNotice';
import type { FramePlayer } from './player/frame-player';
import { PlayerContext } from './player/player-context';
import { formatTimecode } from './player/timeline';
import { mimeForContainer } from './player/video-element';
import { ReviewAnalysis } from './ReviewAnalysis';
import { ScrubBar, type ScrubMarker } from './ScrubBar';
import { Transport } from './Transport';
import { useReviewKeys } from './use-review-keys';
import { AnnotateContext, useAnnotateState } from './annotate/annotate-context';
import { AnnotationLayer } from './annotate/AnnotationLayer';
import { AnnotationToolbar } from './annotate/AnnotationToolbar';
import { ReviewNotes } from './annotate/ReviewNotes';
import { useAnnotateKeys } from './annotate/use-annotate-keys';
import { SegmentsPanel } from './segments/SegmentsPanel';
import { SegmentStrip } from './segments/SegmentStrip';
import { PhaseTimeline } from './timeline/PhaseTimeline';
import './annotate/annotate.css';
import { useZoomPan } from './use-zoom-pan';
import { VideoRelink } from './VideoRelink';
import { ExportReportButton } from '../reports/ExportReportDialog';
import { useSettings } from '../app/settings-context';
import { cacheLimitsFor } from './player/frame-cache';

interface Loaded {
  review: Review;
  video: Video;
  timeline: VideoTimeline;
  item: Case;
  /** The scrub proxy when it was ready as the review opened (a proxy made later is used from the next opening). */
  proxy: VideoProxy | null;
}

export function ReviewSession({ caseId, videoId, onBack }: { caseId: number; videoId: number; onBack: () => void }) {
  const notify = useNotify();
  const [data, setData] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let alive = true;
    setLoadError(null);
    Promise.all([api.reviews.open({ caseId, videoId }), api.videos.get({ id: videoId }), api.videos.timeline({ id: videoId }), api.cases.get({ id: caseId }), readyProxy(videoId)])
      .then(([review, video, timeline, item, proxy]) => alive && setData({ review, video, timeline, item, proxy }))
      .catch((err: unknown) => alive && setLoadError(errorMessage(err)));
    return () => {
      alive = false;
    };
  }, [caseId, videoId, reload]);

  if (loadError) {
    return (
      <div className="page">
        <EmptyState title="This review could not be opened" action={<Button onClick={onBack}>Back to the case</Button>}>
          {loadError}
        </EmptyState>
      </div>
    );
  }
  if (!data) return <p className="muted pad">Opening the review…</p>;
  if (data.video.fileStatus === 'missing') {
    return <VideoRelink video={data.video} onRelinked={() => setReload((n) => n + 1)} onBack={onBack} notify={notify} />;
  }
  return <ReviewWorkspace key={data.review.id} data={data} onBack={onBack} />;
}

function ReviewWorkspace({ data, onBack }: { data: Loaded; onBack: () => void }) {
  const { review, video, timeline, item } = data;
  const notify = useNotify();
  const [player, setPlayer] = useState<FramePlayer | null>(null);
  const zoomPan = useZoomPan(video.width, video.height);
  const [frames, setFrames] = useState<Frame[]>([]);
  const [analysed, setAnalysed] = useState<ReadonlySet<number>>(new Set());
  const [panelFrameId, setPanelFrameId] = useState<number | null>(null);
  const [capturing, setCapturing] = useState(false);
  const src = useMemo(() => api.videoUrl(video.id), [video.id]);
  const pts = timeline.pts;
  const initialCache = useMemo(cacheWanted, []);
  const { settings } = useSettings();
  // The budget when the review opened (changing it applies to the next review: the player keeps its cache).
  const [cacheLimits] = useState(() => cacheLimitsFor(settings.frameCacheMb));
  const colour = useMemo(() => decideColour(video.colour, video.width, video.height), [video.colour, video.width, video.height]);

  // Captured frames of this review, and which have an analysis that completed.
  const refreshAnalysed = useCallback(async (list: Frame[]) => {
    const done = await Promise.all(list.map((f) => api.analysis.list({ frameId: f.id }).then((a) => (a.some((x) => x.status === 'completed') ? f.id : null))));
    setAnalysed(new Set(done.filter((id): id is number => id !== null)));
  }, []);
  useEffect(() => {
    api.frames
      .listForReview({ reviewId: review.id })
      .then((list) => {
        setFrames(list);
        return refreshAnalysed(list);
      })
      .catch((err: unknown) => notify.error(err, 'Could not list the captured frames.'));
  }, [review.id, notify, refreshAnalysed]);
  // A job of one of these frames that finishes may add an analysed marker.
  const terminalJobs = useSyncExternalStore(jobsStore.subscribe, () =>
    frames
      .map((f) => jobsStore.latest(f.id))
      .filter((j) => j && isTerminal(j.status))
      .map((j) => j!.jobId)
      .join(','),
  );
  useEffect(() => {
    if (terminalJobs) void refreshAnalysed(frames).catch(() => {});
  }, [terminalJobs, frames, refreshAnalysed]);

  // Open where the reviewer left off.
  useEffect(() => {
    if (!player) return;
    player.goTo(Math.min(review.lastFrameIndex, pts.length - 1), 'seek');
  }, [player, review.lastFrameIndex, pts.length]);

  const state = usePlayerStateOf(player);
  const settledIndex = useSettledIndex(state.index, state.settled);

  // Save the position (debounced) as the reviewer moves, and once more on leaving.
  const lastSaved = useRef(review.lastFrameIndex);
  useEffect(() => {
    if (settledIndex === null || settledIndex === lastSaved.current) return;
    const t = setTimeout(() => {
      lastSaved.current = settledIndex;
      api.reviews.update({ id: review.id, lastFrameIndex: settledIndex }).catch(() => {
        /* the position is a convenience; the next move saves again */
      });
    }, 600);
    return () => clearTimeout(t);
  }, [settledIndex, review.id]);
  const latestIndex = useRef(settledIndex);
  latestIndex.current = settledIndex;
  useEffect(
    () => () => {
      const k = latestIndex.current;
      if (k !== null && k !== lastSaved.current) void api.reviews.update({ id: review.id, lastFrameIndex: k }).catch(() => {});
    },
    [review.id],
  );

  // The analysis panel follows the reviewer onto captured frames and otherwise keeps the last one.
  useEffect(() => {
    if (settledIndex === null) return;
    const here = frames.filter((f) => f.frameIndex === settledIndex).sort((a, b) => b.id - a.id)[0];
    if (here) setPanelFrameId(here.id);
  }, [settledIndex, frames]);
  const panelFrame = frames.find((f) => f.id === panelFrameId) ?? null;

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
        setFrames((prev) => (prev.some((f) => f.id === frame.id) ? prev : [...prev, frame]));
        setPanelFrameId(frame.id);
        if (analyze) {
          const r = await api.analysis.start({ frameId: frame.id });
          jobsStore.adopt(r.jobId, frame.id, r.queuePosition);
        }
        return frame;
      } finally {
        setCapturing(false);
      }
    },
    [player, review.id],
  );
  // The phase timeline stored frames: list them again, and open one when its block was clicked.
  const onTimelineFrames = useCallback(
    (openFrameId?: number) => {
      api.frames
        .listForReview({ reviewId: review.id })
        .then((list) => {
          setFrames(list);
          if (openFrameId !== undefined) setPanelFrameId(openFrameId);
          return refreshAnalysed(list);
        })
        .catch((err: unknown) => notify.error(err, 'Could not list the captured frames.'));
    },
    [review.id, refreshAnalysed, notify],
  );

  const captureOnly = useCallback(() => {
    capture(false)
      .then((f) => f && notify.info(`Frame ${f.frameIndex} captured (${f.width}×${f.height} PNG, ${formatBytes(f.bytes)}).`))
      .catch((err: unknown) => notify.error(err, 'The frame was not captured.'));
  }, [capture, notify]);
  const analyze = useCallback(async () => {
    await capture(true);
  }, [capture]);

  useReviewKeys({ player, zoomPan, onCapture: captureOnly });

  // Annotations on the frame, phase segments and notes (annotate/, segments/): every change saved at once.
  const reportAnnotateError = useCallback((err: unknown) => notify.error(err, 'The change was not saved.'), [notify]);
  const annotate = useAnnotateState({ review, frames, frameIndex: settledIndex ?? state.index, pts, player, capture, onError: reportAnnotateError });
  useAnnotateKeys(annotate);
  const annotatedFrames = annotate.session.annotatedFrameIds;

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

  const markers = useMemo<ScrubMarker[]>(() => {
    const out = new Map<string, ScrubMarker>();
    for (const f of frames) {
      if (f.frameIndex === null) continue;
      const kind = analysed.has(f.id) ? 'analysed' : annotatedFrames.has(f.id) ? 'annotated' : 'captured';
      const key = `${f.frameIndex}`;
      if (out.get(key)?.kind === 'analysed') continue;
      out.set(key, { index: f.frameIndex, kind, label: kind === 'analysed' ? 'Analysed frame' : kind === 'annotated' ? 'Annotated frame' : 'Captured frame' });
    }
    const list = [...out.values()];
    if (state.problem) list.push({ index: state.problem.atIndex, kind: 'error', label: 'Playback error' });
    return list;
  }, [frames, analysed, annotatedFrames, state.problem]);

  const frameView = useMemo<FrameView>(
    () => ({
      frameIndex: state.index,
      frameConfirmed: state.settled,
      mediaTime: pts[state.index] ?? 0,
      frameWidth: video.width,
      frameHeight: video.height,
      boxWidth: zoomPan.box.width,
      boxHeight: zoomPan.box.height,
      boxLeft: zoomPan.box.left,
      boxTop: zoomPan.box.top,
      zoom: zoomPan.zoom,
      panX: zoomPan.panX,
      panY: zoomPan.panY,
      clientToFrame(clientX, clientY) {
        const el = zoomPan.stage;
        if (!el || !zoomPan.box.width) return null;
        const r = el.getBoundingClientRect();
        const bx = (clientX - r.left - zoomPan.box.left - zoomPan.panX) / zoomPan.zoom;
        const by = (clientY - r.top - zoomPan.box.top - zoomPan.panY) / zoomPan.zoom;
        return { x: (bx * video.width) / zoomPan.box.width, y: (by * video.height) / zoomPan.box.height };
      },
    }),
    [state.index, state.settled, pts, video.width, video.height, zoomPan.box, zoomPan.zoom, zoomPan.panX, zoomPan.panY, zoomPan.stage],
  );

  const shownIndex = settledIndex ?? state.index;
  return (
    <PlayerContext.Provider value={player}>
      <FrameViewContext.Provider value={frameView}>
        <AnnotateContext.Provider value={annotate}>
        <div className="review" data-testid="review" data-review-id={review.id} data-video-id={video.id}>
          <header className="review-header">
            <div className="review-title">
              <h1>
                {item.code} <span className="review-file">{video.fileName}</span>
              </h1>
              <p className="muted review-facts" data-testid="review-facts">
                {video.codec ?? 'video'} · {video.width}×{video.height} · {video.variableFrameRate ? 'variable frame rate' : `${video.fps.toFixed(video.fps % 1 ? 3 : 0)} fps`} ·{' '}
                {video.frameCount} frames · {formatTimecode(video.durationSeconds)} · reviewer {review.reviewer} · {review.status === 'final' ? 'final' : 'draft'}
              </p>
            </div>
            <div className="review-header-actions">
              {/* Review-level actions (export, finalise) go here. */}
              <ExportReportButton reviewId={review.id} />
              <Button onClick={onBack} data-testid="review-back">
                Back to case
              </Button>
            </div>
          </header>
          <div className="review-body">
            <section className="review-main" aria-label="Video">
              <AnnotationToolbar />
              <FrameStage
                src={src}
                type={mimeForContainer(video.container)}
                pts={pts}
                durationSeconds={timeline.durationSeconds}
                frameWidth={video.width}
                frameHeight={video.height}
                cache={initialCache}
                cacheLimits={cacheLimits}
                colour={colour}
                {...(data.proxy ? { proxyUrl: api.proxyUrl(video.id), proxyTimeOffset: data.proxy.timeOffset ?? 0 } : {})}
                zoomPan={zoomPan}
                onPlayer={setPlayer}
                overlay={<AnnotationLayer />}
              >
                <PlaybackNotice pts={pts} />
              </FrameStage>
              <PhaseTimeline reviewId={review.id} pts={pts} durationSeconds={timeline.durationSeconds} final={review.status === 'final'} onFrames={onTimelineFrames} />
              <ScrubBar pts={pts} durationSeconds={timeline.durationSeconds} markers={markers}>
                <SegmentStrip pts={pts} durationSeconds={timeline.durationSeconds} />
              </ScrubBar>
              <Transport pts={pts} durationSeconds={timeline.durationSeconds} zoomPan={zoomPan} />
              <div className="filmstrip-row">
                <h3>
                  Captured frames {frames.length > 0 && <span className="count">{frames.length}</span>}
                </h3>
                <Button size="sm" onClick={captureOnly} disabled={!player} busy={capturing} data-testid="capture-button" aria-keyshortcuts="C" title="Capture the frame on screen (C)">
                  Capture frame <kbd>C</kbd>
                </Button>
              </div>
              <Filmstrip
                frames={frames}
                analysed={analysed}
                currentIndex={shownIndex}
                selectedId={panelFrameId}
                onOpen={(f) => {
                  setPanelFrameId(f.id);
                  if (f.frameIndex !== null) player?.goTo(f.frameIndex, 'seek');
                }}
                origin={pts[0] ?? 0}
              />
              <SegmentsPanel pts={pts} />
            </section>
            <aside className="review-side" aria-label="Analysis of the frame">
              <ReviewAnalysis frame={panelFrame} currentIndex={shownIndex} currentTime={(pts[shownIndex] ?? 0) - (pts[0] ?? 0)} origin={pts[0] ?? 0} busy={capturing} onAnalyze={analyze} />
              <ReviewNotes />
            </aside>
          </div>
        </div>
        </AnnotateContext.Provider>
      </FrameViewContext.Provider>
    </PlayerContext.Provider>
  );
}

/** The player state this component needs (outside PlayerContext, so it takes the player directly). */
function usePlayerStateOf(player: FramePlayer | null) {
  const fallback = { index: 0, settled: false, problem: null };
  const subscribe = useCallback((l: () => void) => (player ? player.subscribe(l) : () => {}), [player]);
  const last = useRef<{ index: number; settled: boolean; problem: FramePlayerProblem }>(fallback);
  return useSyncExternalStore(subscribe, () => {
    if (!player) return last.current;
    const s = player.getState();
    const cur = last.current;
    if (cur.index === s.index && cur.settled === s.settled && cur.problem === s.problem) return cur;
    last.current = { index: s.index, settled: s.settled, problem: s.problem };
    return last.current;
  });
}
type FramePlayerProblem = ReturnType<FramePlayer['getState']>['problem'];

/** The last index that was settled on screen (null before the first). */
function useSettledIndex(index: number, settled: boolean): number | null {
  const [value, setValue] = useState<number | null>(null);
  useEffect(() => {
    if (settled) setValue(index);
  }, [index, settled]);
  return value;
}

