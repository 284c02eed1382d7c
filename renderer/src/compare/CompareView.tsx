// Compare: two reviews side by side (`#/compare/<a>/<b>`; the same review twice compares two moments of one video),
// each on its own exact-frame player, linked by one transport (compare-sync.ts). A resident's capsulorhexis beside an
// attending's: align them at a chosen frame in each (each side's own Go to and ±1) or at the start of the same
// phase segment, then step, jump and play both; "Capture both" stores each side's frame in its own review.
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { Case } from '../../../electron/api/schemas';
import type { Segment } from '../../../electron/api/schemas-review';
import type { Review, Video, VideoProxy, VideoTimeline } from '../../../electron/api/schemas-video';
import { api } from '../api';
import { useSettings } from '../app/settings-context';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { errorMessage } from '../ui/errors';
import { useNotify } from '../ui/notify';
import type { FramePlayer } from '../review/player/frame-player';
import { cacheLimitsFor } from '../review/player/frame-cache';
import { readyProxy } from '../review/review-media';
import { useWorkspaceTheme } from '../review/workspace/use-workspace-theme';
import '../review/review.css';
import '../review/workspace/workspace.css';
import { CompareSide } from './CompareSide';
import { CompareSync } from './compare-sync';
import { CompareTransport } from './CompareTransport';
import { captureBoth } from './capture-both';
import { useCompareKeys } from './use-compare-keys';
import './compare.css';

export interface CompareSideData {
  review: Review;
  video: Video;
  timeline: VideoTimeline;
  item: Case;
  proxy: VideoProxy | null;
  segments: Segment[];
}

async function loadSide(reviewId: number): Promise<CompareSideData> {
  const review = await api.reviews.get({ id: reviewId });
  const [video, timeline, item, proxy, segments] = await Promise.all([
    api.videos.get({ id: review.videoId }),
    api.videos.timeline({ id: review.videoId }),
    api.cases.get({ id: review.caseId }),
    readyProxy(review.videoId),
    api.segments.list({ reviewId: review.id }),
  ]);
  return { review, video, timeline, item, proxy, segments };
}

export function CompareView({ a, b }: { a: number; b: number }) {
  const [data, setData] = useState<[CompareSideData, CompareSideData] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    Promise.all([loadSide(a), loadSide(b)])
      .then((d) => {
        if (!alive) return;
        const missing = d.find((s) => s.video.fileStatus === 'missing');
        if (missing) setError(`The video ${missing.video.fileName} of case ${missing.item.code} is not where it was imported from: open its review to find it again.`);
        else setData(d);
      })
      .catch((err: unknown) => alive && setError(errorMessage(err)));
    return () => {
      alive = false;
    };
  }, [a, b]);
  if (error) {
    return (
      <div className="page">
        <EmptyState title="These reviews could not be compared" action={<Button onClick={() => (window.location.hash = `#/review/${a}`)}>Back to the review</Button>}>
          {error}
        </EmptyState>
      </div>
    );
  }
  if (!data) return <p className="muted pad">Opening the comparison…</p>;
  return <CompareBody sides={data} />;
}

function CompareBody({ sides }: { sides: [CompareSideData, CompareSideData] }) {
  const notify = useNotify();
  const { settings } = useSettings();
  useWorkspaceTheme(settings.reviewTheme);
  // Two players share the reviewer's frame cache budget.
  const [cacheLimits] = useState(() => cacheLimitsFor(Math.max(128, Math.round(settings.frameCacheMb / 2))));
  const [playerA, setPlayerA] = useState<FramePlayer | null>(null);
  const [playerB, setPlayerB] = useState<FramePlayer | null>(null);
  const [capturing, setCapturing] = useState(false);
  const [A, B] = sides;

  // Each side opens where its reviewer left off (the same review twice: both at that frame), then they are linked.
  const sync = useMemo(() => (playerA && playerB ? new CompareSync(playerA, playerB) : null), [playerA, playerB]);
  useEffect(() => {
    if (!sync || !playerA || !playerB) return;
    sync.alignAt(Math.min(A.review.lastFrameIndex, A.timeline.pts.length - 1), Math.min(B.review.lastFrameIndex, B.timeline.pts.length - 1));
    const offA = playerA.subscribe(() => sync.onPlayerChange());
    const offB = playerB.subscribe(() => sync.onPlayerChange());
    const w = window as unknown as { __workstationCompare?: unknown };
    w.__workstationCompare = { a: playerA, b: playerB, sync };
    return () => {
      offA();
      offB();
      if (w.__workstationCompare && (w.__workstationCompare as { sync: unknown }).sync === sync) delete w.__workstationCompare;
    };
  }, [sync, playerA, playerB, A.review.lastFrameIndex, B.review.lastFrameIndex, A.timeline.pts.length, B.timeline.pts.length]);
  const offset = useSyncExternalStore(sync ? sync.subscribe : noSubscribe, () => sync?.offset ?? 0);

  const capture = useCallback(() => {
    if (!sync || !playerA || !playerB || capturing) return;
    setCapturing(true);
    captureBoth(sync, [playerA, playerB], [A, B])
      .then((r) => {
        if (r.failed.length) for (const f of r.failed) notify.error(f.error, `Side ${f.side.toUpperCase()}: the frame was not captured.`);
        if (r.captured.length) notify.info(`Captured ${r.captured.map((c) => `frame ${c.frameIndex} into ${c.caseCode}`).join(' and ')}.`);
      })
      .catch((err: unknown) => notify.error(err, 'The frames were not captured.'))
      .finally(() => setCapturing(false));
  }, [sync, playerA, playerB, capturing, A, B, notify]);
  useCompareKeys(sync, capture);

  return (
    <div className="workspace compare" data-testid="compare" data-review-a={A.review.id} data-review-b={B.review.id} data-offset={offset}>
      <header className="ws-toolbar compare-toolbar">
        <Button size="sm" variant="ghost" onClick={() => (window.location.hash = `#/review/${A.review.id}`)} data-testid="compare-back" title="Back to the left review">
          ← Review
        </Button>
        <div className="ws-title">
          <h1>Compare</h1>
          <p className="ws-facts">
            {A.item.code} · {A.video.fileName} ↔ {B.item.code} · {B.video.fileName}
          </p>
        </div>
        <span className="ws-spacer" />
        <Button size="sm" variant="primary" onClick={capture} busy={capturing} disabled={!sync} data-testid="compare-capture-both" title="Capture the frame on screen on each side into its own review (C)">
          Capture both
        </Button>
      </header>
      <div className="compare-sides">
        <CompareSide side="a" data={A} player={playerA} onPlayer={setPlayerA} sync={sync} cacheLimits={cacheLimits} />
        <CompareSide side="b" data={B} player={playerB} onPlayer={setPlayerB} sync={sync} cacheLimits={cacheLimits} />
      </div>
      <CompareTransport sync={sync} a={A} b={B} offset={offset} />
    </div>
  );
}

const noSubscribe = () => () => {};
