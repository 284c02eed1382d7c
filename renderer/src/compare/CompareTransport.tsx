// The one transport of Compare, under both sides: first, −10, −1, play/pause, +1, +10, last and Go to (a frame of
// A; B follows at the link) drive both players; beside it the link itself (A frame ↔ B frame, B's offset) and
// "Align at the start of" a phase both reviews have a segment of.
import { useMemo, useState, useSyncExternalStore, type FormEvent } from 'react';
import { Button } from '../ui/Button';
import { useTaxonomy } from '../review/annotate/annotate-context';
import { parseGoTo } from '../review/player/timeline';
import { commonPhaseStarts, type CompareSync } from './compare-sync';
import type { CompareSideData } from './CompareView';

interface Props {
  sync: CompareSync | null;
  a: CompareSideData;
  b: CompareSideData;
  offset: number;
}

const noSubscribe = () => () => {};

export function CompareTransport({ sync, a, b, offset }: Props) {
  const playing = useSyncExternalStore(sync ? sync.subscribe : noSubscribe, () => sync?.playing ?? false);
  const off = !sync;
  return (
    <div className="transport compare-transport" role="group" aria-label="Both videos">
      <div className="transport-buttons">
        <Button size="sm" variant="ghost" onClick={() => sync?.goTo(sync.range().lo)} disabled={off} data-testid="compare-first" aria-label="First paired frame" title="First paired frame (Home)">
          |◀
        </Button>
        <Button size="sm" variant="ghost" onClick={() => sync?.step(-10)} disabled={off} data-testid="compare-back-10" aria-label="Back 10 frames" title="Both back 10 frames (Shift+←)">
          −10
        </Button>
        <Button size="sm" onClick={() => sync?.step(-1)} disabled={off} data-testid="compare-step-back" aria-label="Previous frame" title="Both back one frame (←)">
          ◀1
        </Button>
        <Button size="sm" variant="primary" className="play-toggle" onClick={() => sync?.togglePlay()} disabled={off} data-testid="compare-play" aria-label={playing ? 'Pause both' : 'Play both'} title="Play / pause both (Space, K)">
          {playing ? '❚❚' : '▶'}
        </Button>
        <Button size="sm" onClick={() => sync?.step(1)} disabled={off} data-testid="compare-step-forward" aria-label="Next frame" title="Both forward one frame (→)">
          1▶
        </Button>
        <Button size="sm" variant="ghost" onClick={() => sync?.step(10)} disabled={off} data-testid="compare-forward-10" aria-label="Forward 10 frames" title="Both forward 10 frames (Shift+→)">
          +10
        </Button>
        <Button size="sm" variant="ghost" onClick={() => sync?.goTo(sync.range().hi)} disabled={off} data-testid="compare-last" aria-label="Last paired frame" title="Last paired frame (End)">
          ▶|
        </Button>
      </div>
      <JumpA sync={sync} count={a.timeline.pts.length} />
      <span className="transport-spacer" />
      <span className="compare-link" data-testid="compare-offset" data-offset={offset} title="The two are linked at this offset: B's frame = A's frame + offset. Choose a side's frame alone (its Set or ±1) to link them elsewhere.">
        Linked: B = A {offset >= 0 ? '+' : '−'} {Math.abs(offset)} frames
      </span>
      <PhaseAlign sync={sync} a={a} b={b} />
    </div>
  );
}

function JumpA({ sync, count }: { sync: CompareSync | null; count: number }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const t = parseGoTo(text);
    if (!sync || !t || t.kind !== 'frame') return setError('A frame number of side A');
    if (t.index >= count) return setError(`Side A has frames 0–${count - 1}`);
    setError(null);
    sync.goTo(t.index);
    (document.activeElement as HTMLElement | null)?.blur();
  };
  return (
    <form className="goto" onSubmit={submit} aria-label="Jump both: a frame of side A">
      <input
        type="text"
        inputMode="numeric"
        placeholder="Both: a frame of A"
        value={text}
        maxLength={12}
        onChange={(e) => setText(e.target.value)}
        aria-label="Jump both to a frame of side A"
        aria-invalid={error ? true : undefined}
        title={error ?? 'Both jump: A to this frame, B to it plus the offset'}
        data-testid="compare-goto"
      />
      <Button size="sm" type="submit" disabled={!sync} data-testid="compare-goto-submit">
        Go
      </Button>
      {error && (
        <span className="goto-error" role="alert" data-testid="compare-goto-error">
          {error}
        </span>
      )}
    </form>
  );
}

function PhaseAlign({ sync, a, b }: { sync: CompareSync | null; a: CompareSideData; b: CompareSideData }) {
  const taxonomy = useTaxonomy();
  const starts = useMemo(() => commonPhaseStarts(a.segments, b.segments), [a.segments, b.segments]);
  const label = (id: string) => taxonomy?.phases.find((p) => p.id === id)?.label ?? id;
  const none = starts.length === 0;
  return (
    <label className="compare-phase" title={none ? 'Both reviews need a segment of the same phase (mark it in each review with I and O, then name its phase).' : 'Show the start of this phase on both sides and link them there'}>
      <span>Align at the start of</span>
      <select
        value=""
        disabled={!sync || none}
        onChange={(e) => {
          const s = starts.find((x) => x.phase === e.target.value);
          if (s && sync) sync.alignAt(s.a, s.b);
        }}
        data-testid="compare-phase-select"
      >
        <option value="">{none ? 'no phase in both' : 'a phase…'}</option>
        {starts.map((s) => (
          <option key={s.phase} value={s.phase} data-testid="compare-phase-option">
            {label(s.phase)} (A {s.a}, B {s.b})
          </option>
        ))}
      </select>
    </label>
  );
}
