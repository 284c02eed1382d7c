// Playback and frame controls under the frame, in one compact bar: transport buttons, timecode and frame index,
// go to, speed (negative while playing backwards), zoom, and the frame cache switch. Every button names its key
// (workspace/shortcuts.ts; the keys themselves are in use-review-keys.ts).
import { useState, type FormEvent } from 'react';
import { Button } from '../ui/Button';
import { PLAYBACK_RATES } from './player/frame-player';
import { usePlayer, usePlayerState } from './player/player-context';
import { formatTimecode, fromStart, indexFromStart, parseGoTo } from './player/timeline';
import type { ZoomPan } from './use-zoom-pan';
import { ariaKeys, tip } from './workspace/shortcuts';

interface Props {
  pts: number[];
  durationSeconds: number;
  zoomPan: ZoomPan;
}

export function Transport({ pts, durationSeconds, zoomPan }: Props) {
  return (
    <div className="transport" role="group" aria-label="Playback">
      <TransportButtons />
      <FramePosition pts={pts} />
      <span className="transport-spacer" />
      <GoTo pts={pts} durationSeconds={durationSeconds} />
      <SpeedSelect />
      <ZoomControls zoomPan={zoomPan} />
      <CacheSwitch />
    </div>
  );
}

const ICON_PATHS = {
  first: 'M6 5v14M18 5l-9 7 9 7z',
  last: 'M18 5v14M6 5l9 7-9 7z',
  prev: 'M16 5l-9 7 9 7z',
  next: 'M8 5l9 7-9 7z',
  play: 'M8 5l11 7-11 7z',
  pause: 'M7 5h3.5v14H7zM13.5 5H17v14h-3.5z',
};

function Icon({ name }: { name: keyof typeof ICON_PATHS }) {
  return (
    <svg viewBox="0 0 24 24" width="15" height="15" aria-hidden="true" fill="currentColor" stroke="currentColor" strokeWidth="1.2" strokeLinejoin="round">
      <path d={ICON_PATHS[name]} />
    </svg>
  );
}

function TransportButtons() {
  const player = usePlayer();
  const s = usePlayerState((st) => ({ playing: st.playing, reverse: st.reverseRate, index: st.index, count: st.frameCount }), { playing: false, reverse: 0, index: 0, count: 0 });
  const off = !player;
  return (
    <div className="transport-buttons">
      <Button size="sm" variant="ghost" onClick={() => player?.goTo(0)} disabled={off || s.index === 0} title={tip('first')} data-testid="go-start" aria-label="First frame">
        <Icon name="first" />
      </Button>
      <Button size="sm" variant="ghost" onClick={() => player?.stepSeconds(-1)} disabled={off} title={tip('backSecond')} aria-keyshortcuts={ariaKeys('backSecond')} data-testid="step-back-second" aria-label="Back one second">
        −1s
      </Button>
      <Button size="sm" onClick={() => player?.step(-1)} disabled={off || s.index === 0} title={tip('prevFrame')} aria-keyshortcuts={ariaKeys('prevFrame')} data-testid="step-back" aria-label="Previous frame">
        <Icon name="prev" />1
      </Button>
      <Button
        variant="primary"
        size="sm"
        className="play-toggle"
        onClick={() => player?.togglePlay()}
        disabled={off}
        title={tip('playPause')}
        data-testid="play-toggle"
        aria-label={s.playing || s.reverse ? 'Pause' : 'Play'}
        aria-keyshortcuts={ariaKeys('playPause')}
      >
        <Icon name={s.playing || s.reverse ? 'pause' : 'play'} />
      </Button>
      <Button size="sm" onClick={() => player?.step(1)} disabled={off || s.index >= s.count - 1} title={tip('nextFrame')} aria-keyshortcuts={ariaKeys('nextFrame')} data-testid="step-forward" aria-label="Next frame">
        1<Icon name="next" />
      </Button>
      <Button size="sm" variant="ghost" onClick={() => player?.stepSeconds(1)} disabled={off} title={tip('forwardSecond')} aria-keyshortcuts={ariaKeys('forwardSecond')} data-testid="step-forward-second" aria-label="Forward one second">
        +1s
      </Button>
      <Button size="sm" variant="ghost" onClick={() => player?.goTo(s.count - 1)} disabled={off || s.index >= s.count - 1} title={tip('last')} data-testid="go-end" aria-label="Last frame">
        <Icon name="last" />
      </Button>
      {s.reverse > 0 && (
        <span className="shuttle-badge" data-testid="reverse-shuttle">
          ◀◀ reverse {s.reverse}×
        </span>
      )}
    </div>
  );
}

function FramePosition({ pts }: { pts: number[] }) {
  const s = usePlayerState(
    (st) => ({ index: st.index, shown: st.shownIndex, settled: st.settled, busy: st.busy, source: st.source, path: st.lastPath, ms: st.lastMs, count: st.frameCount, warning: st.warning }),
    { index: 0, shown: null as number | null, settled: false, busy: false, source: null as string | null, path: null as string | null, ms: null as number | null, count: pts.length, warning: null as string | null },
  );
  const time = fromStart(pts, pts[s.index] ?? 0);
  return (
    <div className="frame-position" aria-live="off">
      <span className="timecode" data-testid="timecode" title="Time of the frame on screen (HH:MM:SS.mmm)">
        {formatTimecode(time)}
      </span>
      <span className="frame-label">
        Frame{' '}
        <span
          className={`frame-index${s.settled ? '' : ' is-pending'}`}
          data-testid="frame-index"
          data-settled={s.settled ? 'true' : 'false'}
          data-shown={s.shown ?? ''}
          data-source={s.source ?? ''}
          data-path={s.path ?? ''}
          data-ms={s.ms === null ? '' : s.ms.toFixed(1)}
          title={s.settled ? `Frame ${s.index} is on screen (${s.source === 'cache' ? 'decoded frame cache' : 'video'})` : 'Finding the frame…'}
        >
          {s.index}
        </span>
        <span className="muted"> / {Math.max(0, s.count - 1)}</span>
      </span>
      {s.busy && <span className="spinner" aria-label="Finding the frame" />}
      {s.warning && (
        <span className="frame-warning" role="status" data-testid="frame-warning">
          {s.warning}
        </span>
      )}
    </div>
  );
}

function GoTo({ pts, durationSeconds }: { pts: number[]; durationSeconds: number }) {
  const player = usePlayer();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!player) return;
    const target = parseGoTo(text);
    if (!target) {
      setError('Enter a frame number (e.g. 120) or a time (e.g. 00:01:02.500).');
      return;
    }
    if (target.kind === 'frame') {
      if (target.index >= pts.length) {
        setError(`There is no frame ${target.index}: the video has frames 0–${pts.length - 1}.`);
        return;
      }
      player.goTo(target.index, 'seek');
    } else {
      // Times count from the first frame (00:00:00.000), whatever the recording's own timestamps are.
      if (target.seconds >= durationSeconds) {
        setError(`${formatTimecode(target.seconds)} is past the end of the video: it runs from 00:00:00.000 to ${formatTimecode(durationSeconds)}.`);
        return;
      }
      player.goTo(indexFromStart(pts, target.seconds), 'seek');
    }
    setError(null);
    // Back to the frame: the arrow keys step from the new position at once.
    (document.activeElement as HTMLElement | null)?.blur();
  };
  return (
    <form className="goto" onSubmit={submit} role="search" aria-label="Go to a frame or time">
      <label htmlFor="review-goto" className="sr-only">
        Go to frame or time
      </label>
      <input
        id="review-goto"
        type="text"
        inputMode="decimal"
        placeholder="Frame or 00:00:00.000"
        value={text}
        maxLength={20}
        onChange={(e) => setText(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'review-goto-error' : undefined}
        data-testid="goto-input"
      />
      <Button size="sm" type="submit" disabled={!player} data-testid="goto-submit">
        Go
      </Button>
      {error && (
        <p className="goto-error" id="review-goto-error" role="alert" data-testid="goto-error">
          {error}
        </p>
      )}
    </form>
  );
}

/** Backwards speeds (J, and J again): shown as negative speeds. */
const REVERSE_RATES = [-4, -2, -1];

/**
 * The speed box tells the truth: while J plays backwards it shows the backward speed (−1×, −2×, −4×), not the forward
 * speed the next L would use. Choosing a negative speed plays backwards at it; a positive one sets the forward speed.
 */
function SpeedSelect() {
  const player = usePlayer();
  const rate = usePlayerState((st) => st.rate, 1);
  const reverse = usePlayerState((st) => st.reverseRate, 0);
  const shown = reverse > 0 ? -reverse : rate;
  const forward: number[] = PLAYBACK_RATES.includes(rate as (typeof PLAYBACK_RATES)[number]) ? [...PLAYBACK_RATES] : [...PLAYBACK_RATES, rate].sort((a, b) => a - b);
  const options = [...REVERSE_RATES, ...forward];
  const choose = (v: number) => {
    if (!player) return;
    if (v < 0) player.playBackward(-v);
    else {
      if (reverse > 0) player.togglePlay(); // stops the backward shuttle
      player.setRate(v);
    }
  };
  return (
    <label className="speed" title={`Playback speed; negative: backwards. ${tip('forward')}, ${tip('reverse')}`}>
      <span className="sr-only">Speed</span>
      <select value={String(shown)} onChange={(e) => choose(Number(e.target.value))} disabled={!player} data-testid="speed-select" data-direction={reverse > 0 ? 'reverse' : 'forward'}>
        {options.map((r) => (
          <option key={r} value={String(r)}>
            {r < 0 ? `−${-r}` : r}×
          </option>
        ))}
      </select>
    </label>
  );
}

function ZoomControls({ zoomPan }: { zoomPan: ZoomPan }) {
  return (
    <div className="zoom" role="group" aria-label="Zoom">
      <Button size="sm" variant="ghost" onClick={() => zoomPan.zoomBy(1 / 1.25)} disabled={zoomPan.zoom <= 1} title={tip('zoomOut', 'Zoom the frame out')} aria-label="Zoom out" data-testid="zoom-out">
        −
      </Button>
      <span className="zoom-level" data-testid="zoom-level">
        {Math.round(zoomPan.zoom * 100)}%
      </span>
      <Button size="sm" variant="ghost" onClick={() => zoomPan.zoomBy(1.25)} disabled={zoomPan.zoom >= 8} title={tip('zoomIn', 'Zoom the frame in')} aria-label="Zoom in" data-testid="zoom-in">
        +
      </Button>
      <Button size="sm" variant="ghost" onClick={zoomPan.fit} disabled={zoomPan.zoom === 1} title={tip('fit', 'Fit the frame')} data-testid="zoom-fit">
        Fit
      </Button>
    </div>
  );
}

const CACHE_TEXT: Record<string, string> = {
  loading: 'starting…',
  on: 'on',
  off: 'off: every step seeks the video',
  unavailable: 'unavailable',
  failed: 'stopped after decoding errors',
};

function CacheSwitch() {
  const player = usePlayer();
  const c = usePlayerState((st) => st.cache, { state: 'off', reason: null, frames: 0, capacity: 0, decoding: false });
  const on = c.state === 'on' || c.state === 'loading';
  const status = `${CACHE_TEXT[c.state] ?? c.state}${c.state === 'on' ? ` (${c.frames}/${c.capacity} frames${c.decoding ? ', decoding' : ''})` : ''}${c.reason ? `: ${c.reason}` : ''}`;
  return (
    <label
      className={`cache-switch${on ? ' is-on' : ''}`}
      title={`Fast stepping: ${status}. Decodes the frames around the playhead with WebCodecs so single-frame steps are instant. Turn it off to step by seeking the video.`}
    >
      <input type="checkbox" checked={on} disabled={!player || c.state === 'loading'} onChange={(e) => void player?.setCacheEnabled(e.target.checked)} data-testid="frame-cache-toggle" />
      <span>Fast stepping</span>
      <span className={`cache-status${c.state === 'failed' || c.state === 'unavailable' ? ' is-problem' : ''}`} data-testid="frame-cache-status" data-state={c.state}>
        {c.state === 'on' ? `${c.frames}/${c.capacity}` : c.state === 'off' ? 'off' : (CACHE_TEXT[c.state] ?? c.state)}
      </span>
    </label>
  );
}
