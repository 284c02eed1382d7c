// One side of Compare: which review it is (a link to open it), its frame on the review's own player (FrameStage:
// exact frames, the frame cache, zoom), and under it its own frame code and time with the controls that choose this
// side's frame alone (±1 and Go to): moving one side links the two again at the new pair of frames.
import { useMemo, useState, type FormEvent } from 'react';
import { decideColour } from '../../../electron/api/colour';
import { api } from '../api';
import { Button } from '../ui/Button';
import { FrameStage } from '../review/FrameStage';
import { PlaybackNotice } from '../review/PlaybackNotice';
import type { FrameCacheLimits } from '../review/player/frame-cache';
import type { FramePlayer } from '../review/player/frame-player';
import { PlayerContext, usePlayerState } from '../review/player/player-context';
import { formatTimecode, fromStart, indexFromStart, parseGoTo } from '../review/player/timeline';
import { cacheWanted } from '../review/review-media';
import { mimeForContainer } from '../review/player/video-element';
import { useZoomPan } from '../review/use-zoom-pan';
import type { CompareSync } from './compare-sync';
import type { CompareSideData } from './CompareView';

interface Props {
  side: 'a' | 'b';
  data: CompareSideData;
  player: FramePlayer | null;
  onPlayer(p: FramePlayer | null): void;
  sync: CompareSync | null;
  cacheLimits: FrameCacheLimits;
}

export function CompareSide({ side, data, player, onPlayer, sync, cacheLimits }: Props) {
  const { video, timeline, item, review, proxy } = data;
  const zoomPan = useZoomPan(video.width, video.height);
  const src = useMemo(() => api.videoUrl(video.id), [video.id]);
  const colour = useMemo(() => decideColour(video.colour, video.width, video.height), [video.colour, video.width, video.height]);
  const [cache] = useState(cacheWanted);
  const pts = timeline.pts;
  return (
    <PlayerContext.Provider value={player}>
      <section className="compare-side" data-testid="compare-side" data-side={side} data-review-id={review.id} data-video-id={video.id} aria-label={`Side ${side.toUpperCase()}: ${item.code}`}>
        <div className="compare-side-head">
          <span className="compare-badge" aria-hidden="true">
            {side.toUpperCase()}
          </span>
          <a className="compare-title" href={`#/review/${review.id}`} title={`Open the review of ${video.fileName} (case ${item.code})`} data-testid="compare-open-review">
            <strong>{item.code}</strong> <span className="muted">{video.fileName}</span>
          </a>
          <span className="muted compare-who">
            {review.reviewer}
            {review.status === 'final' ? ' · final' : ''}
          </span>
        </div>
        <FrameStage
          src={src}
          type={mimeForContainer(video.container)}
          pts={pts}
          durationSeconds={timeline.durationSeconds}
          frameWidth={video.width}
          frameHeight={video.height}
          cache={cache}
          cacheLimits={cacheLimits}
          colour={colour}
          {...(proxy ? { proxyUrl: api.proxyUrl(video.id), proxyTimeOffset: proxy.timeOffset ?? 0 } : {})}
          zoomPan={zoomPan}
          onPlayer={onPlayer}
        >
          <PlaybackNotice pts={pts} />
        </FrameStage>
        <div className="compare-side-foot">
          <SidePosition side={side} pts={pts} />
          <span className="transport-spacer" />
          <SideNudge side={side} sync={sync} />
          <SideGoTo side={side} pts={pts} durationSeconds={timeline.durationSeconds} sync={sync} />
        </div>
      </section>
    </PlayerContext.Provider>
  );
}

function SidePosition({ side, pts }: { side: 'a' | 'b'; pts: number[] }) {
  const s = usePlayerState((st) => ({ index: st.index, settled: st.settled, busy: st.busy, source: st.source, count: st.frameCount, warning: st.warning }), {
    index: 0,
    settled: false,
    busy: false,
    source: null as string | null,
    count: pts.length,
    warning: null as string | null,
  });
  return (
    <div className="frame-position" aria-live="off">
      <span className="timecode" data-testid="compare-timecode" data-side={side} title="Time of the frame on screen, from this video's first frame">
        {formatTimecode(fromStart(pts, pts[s.index] ?? 0))}
      </span>
      <span className="frame-label">
        Frame{' '}
        <span
          className={`frame-index${s.settled ? '' : ' is-pending'}`}
          data-testid="compare-frame-index"
          data-side={side}
          data-settled={s.settled ? 'true' : 'false'}
          data-source={s.source ?? ''}
          title={s.settled ? `Frame ${s.index} is on screen` : 'Finding the frame…'}
        >
          {s.index}
        </span>
        <span className="muted"> / {Math.max(0, s.count - 1)}</span>
      </span>
      {s.busy && <span className="spinner" aria-label="Finding the frame" />}
      {s.warning && (
        <span className="frame-warning" role="status">
          {s.warning}
        </span>
      )}
    </div>
  );
}

/** ±1 on this side only (choosing this side's frame; the two are linked again where they then stand). */
function SideNudge({ side, sync }: { side: 'a' | 'b'; sync: CompareSync | null }) {
  const index = usePlayerState((st) => st.index, 0);
  const label = side.toUpperCase();
  return (
    <div className="transport-buttons" role="group" aria-label={`Move side ${label} alone`}>
      <Button size="sm" variant="ghost" onClick={() => sync?.moveSide(side, index - 1, 'step')} disabled={!sync} data-testid="compare-side-back" data-side={side} title={`Side ${label} alone: previous frame`} aria-label={`Side ${label} alone: previous frame`}>
        −1
      </Button>
      <Button size="sm" variant="ghost" onClick={() => sync?.moveSide(side, index + 1, 'step')} disabled={!sync} data-testid="compare-side-forward" data-side={side} title={`Side ${label} alone: next frame`} aria-label={`Side ${label} alone: next frame`}>
        +1
      </Button>
    </div>
  );
}

function SideGoTo({ side, pts, durationSeconds, sync }: { side: 'a' | 'b'; pts: number[]; durationSeconds: number; sync: CompareSync | null }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const label = side.toUpperCase();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!sync) return;
    const t = parseGoTo(text);
    if (!t) return setError('A frame number or 00:00:00.000');
    if (t.kind === 'frame' && t.index >= pts.length) return setError(`Frames 0–${pts.length - 1}`);
    if (t.kind === 'time' && t.seconds >= durationSeconds) return setError(`Up to ${formatTimecode(durationSeconds)}`);
    setError(null);
    sync.moveSide(side, t.kind === 'frame' ? t.index : indexFromStart(pts, t.seconds));
    setText('');
    (document.activeElement as HTMLElement | null)?.blur();
  };
  return (
    <form className="goto" onSubmit={submit} aria-label={`Side ${label}: go to a frame or time (this side alone)`}>
      <input
        type="text"
        inputMode="decimal"
        placeholder={`${label}: frame or time`}
        value={text}
        maxLength={20}
        onChange={(e) => setText(e.target.value)}
        aria-label={`Side ${label}: frame or time`}
        aria-invalid={error ? true : undefined}
        title={error ?? `Choose side ${label}'s frame; the two stay linked at the new pair`}
        data-testid="compare-side-goto"
        data-side={side}
      />
      <Button size="sm" type="submit" disabled={!sync} data-testid="compare-side-goto-submit" data-side={side}>
        Set
      </Button>
      {error && (
        <span className="goto-error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
