// The phase timeline above the scrub bar: "Analyse video" (a frame every N seconds, analysed by the model at a lower
// priority than the reviewer's own analyses), its progress with pause / resume / cancel, and the coloured strip, one
// block per analysed sample in its phase's colour. A block jumps the player to its frame and opens that frame's
// analysis. "Smooth isolated flips" changes only what the strip shows, never the stored samples.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { PhaseMethod, TimelineSample, TimelineSampling } from '../../../../electron/api/schemas-timeline';
import { api } from '../../api';
import { Button } from '../../ui/Button';
import { useNotify } from '../../ui/notify';
import { useTaxonomy } from '../annotate/annotate-context';
import { usePlayer } from '../player/player-context';
import { formatTimecode, fromStart } from '../player/timeline';
import { smoothIsolatedFlips, unsmoothed } from './smooth';
import { useTimeline } from './use-timeline';
import './timeline.css';

interface Props {
  reviewId: number;
  pts: number[];
  durationSeconds: number;
  /** A final review cannot be analysed (its frames would change). */
  final: boolean;
  /** New frames were stored by the timeline (refresh the filmstrip); with an id, open that frame's analysis. */
  onFrames(openFrameId?: number): void;
}

const NO_PHASE = '#8e8e93';
const SMOOTH_KEY = 'workstation.timelineSmooth';

function savedSmooth(): boolean {
  try {
    return window.localStorage.getItem(SMOOTH_KEY) === 'on';
  } catch {
    return false;
  }
}

function etaText(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 1) return ' · finishing';
  if (seconds < 90) return ` · about ${Math.ceil(seconds)} s left`;
  return ` · about ${Math.round(seconds / 60)} min left`;
}

export function PhaseTimeline({ reviewId, pts, durationSeconds, final, onFrames }: Props) {
  const notify = useNotify();
  const player = usePlayer();
  const taxonomy = useTaxonomy();
  const { view, progress, loadError, refresh, setJob } = useTimeline(reviewId);
  const [every, setEvery] = useState('5');
  const [method, setMethod] = useState<PhaseMethod>('matcher');
  const [sampling, setSampling] = useState<TimelineSampling>('interval');
  const [busy, setBusy] = useState<'start' | 'pause' | 'resume' | 'cancel' | null>(null);
  const [smooth, setSmooth] = useState(savedSmooth);
  const [selected, setSelected] = useState<number | null>(null);

  const job = view?.job ?? null;
  const state = job?.state ?? null;
  const running = state === 'running';

  // Frames stored by the job appear in the filmstrip when it stops (not on every sample, to keep the review calm).
  useEffect(() => {
    if (state && state !== 'running') onFrames();
  }, [state, onFrames]);

  const span = durationSeconds || 1;
  const colour = (phase: string | null) => (phase ? (taxonomy?.phases.find((p) => p.id === phase)?.color ?? NO_PHASE) : NO_PHASE);
  const label = (phase: string | null) => (phase ? (taxonomy?.phases.find((p) => p.id === phase)?.label ?? phase) : 'No phase named');

  const samples = view?.samples ?? [];
  const shown = useMemo(() => (smooth ? smoothIsolatedFlips(samples) : unsmoothed(samples)), [samples, smooth]);
  const legend = useMemo(() => {
    const seen = new Set(shown.map((s) => s.phase));
    return (taxonomy?.phases ?? []).filter((p) => seen.has(p.id)).concat(seen.has(null) ? [{ id: '', label: 'No phase named', color: NO_PHASE }] : []);
  }, [shown, taxonomy]);

  async function act(what: NonNullable<typeof busy>, run: () => Promise<unknown>, failure: string) {
    setBusy(what);
    try {
      await run();
    } catch (err) {
      notify.error(err, failure);
    } finally {
      setBusy(null);
    }
  }

  const start = (e: FormEvent) => {
    e.preventDefault();
    const seconds = Number(every);
    if (!Number.isFinite(seconds) || seconds < 1 || seconds > 600) {
      notify.error(new Error('Sample every 1 to 600 seconds.'), 'The video was not analysed.');
      return;
    }
    void act(
      'start',
      async () => {
        setJob(await api.timeline.start({ reviewId, everySeconds: seconds, sampling, method }));
        await refresh();
      },
      'The video was not analysed.',
    );
  };
  const pause = () => void act('pause', async () => setJob(await api.timeline.pause({ reviewId })), 'The timeline was not paused.');
  const resume = () => void act('resume', async () => setJob(await api.timeline.resume({ reviewId })), 'The timeline was not resumed.');
  const cancel = () => void act('cancel', async () => setJob(await api.timeline.cancel({ reviewId })), 'The timeline was not cancelled.');

  const open = (s: TimelineSample) => {
    setSelected(s.id);
    player?.goTo(s.frameIndex, 'seek');
    if (s.frameId !== null) onFrames(s.frameId);
  };

  const eta = running ? (progress?.etaSeconds ?? null) : null;
  const message = job?.message ?? null;
  return (
    <section className="phase-timeline" aria-label="Phase timeline" data-testid="timeline" data-state={state ?? 'none'}>
      <div className="phase-timeline-bar">
        <form className="phase-timeline-start" onSubmit={start}>
          <label className="phase-timeline-every">
            <span>Sample</span>
            <select
              value={sampling}
              onChange={(e) => setSampling(e.target.value as TimelineSampling)}
              disabled={running || final}
              aria-label="Where to sample"
              data-testid="timeline-sampling"
              title="Scene changes: the frames where the picture changes (ffmpeg's scene detection), at most one per interval."
            >
              <option value="interval">every</option>
              <option value="scene">at scene changes, at most every</option>
            </select>
            <input
              type="number"
              min={1}
              max={600}
              step={1}
              value={every}
              onChange={(e) => setEvery(e.target.value)}
              disabled={running || final}
              aria-label="Sample a frame every this many seconds"
              data-testid="timeline-every"
            />
            <span>s</span>
          </label>
          <label className="phase-timeline-method" title="How a frame's phase is read from the model: the taxonomy words in its analysis (no extra model call), or a follow-up question listing the phases.">
            <span className="sr-only">Phase from</span>
            <select value={method} onChange={(e) => setMethod(e.target.value as PhaseMethod)} disabled={running || final} data-testid="timeline-method">
              <option value="matcher">phase from the analysis words</option>
              <option value="followup">phase by a follow-up question</option>
              <option value="auto">words, else a follow-up question</option>
            </select>
          </label>
          <Button
            type="submit"
            size="sm"
            variant={samples.length ? 'secondary' : 'primary'}
            busy={busy === 'start'}
            disabled={running || final}
            title={final ? 'This review is final: set it back to draft to analyse the video.' : 'Analyse a frame every N seconds with the model and show each frame\u2019s phase above the scrub bar'}
            data-testid="timeline-start"
          >
            {samples.length ? 'Analyse again' : 'Analyse video'}
          </Button>
        </form>
        {job && (
          <div className="phase-timeline-progress">
            <span
              className="phase-timeline-count"
              role="status"
              data-testid="timeline-progress"
              data-state={job.state}
              data-done={job.done}
              data-total={job.total}
            >
              {job.done} / {job.total || '…'} {STATE_TEXT[job.state]}
              {etaText(eta)}
            </span>
            {running && (
              <Button size="sm" variant="ghost" onClick={pause} busy={busy === 'pause'} data-testid="timeline-pause">
                Pause
              </Button>
            )}
            {(state === 'paused' || state === 'failed') && (
              <Button size="sm" onClick={resume} busy={busy === 'resume'} disabled={final} data-testid="timeline-resume">
                Resume
              </Button>
            )}
            {(running || state === 'paused' || state === 'failed') && (
              <Button size="sm" variant="ghost" onClick={cancel} busy={busy === 'cancel'} data-testid="timeline-cancel">
                Cancel
              </Button>
            )}
          </div>
        )}
        {samples.length > 0 && (
          <label className="phase-timeline-smooth" title="Show a single sample whose phase differs from both neighbours with their phase. Display only: the stored samples do not change.">
            <input
              type="checkbox"
              checked={smooth}
              onChange={(e) => {
                setSmooth(e.target.checked);
                try {
                  window.localStorage.setItem(SMOOTH_KEY, e.target.checked ? 'on' : 'off');
                } catch {
                  /* the choice lasts for this window */
                }
              }}
              data-testid="timeline-smooth"
            />
            <span>Smooth isolated flips</span>
          </label>
        )}
      </div>
      {(message || loadError) && (
        <p className={`phase-timeline-message${state === 'failed' || loadError ? ' is-problem' : ''}`} data-testid="timeline-message">
          {loadError ?? message}
        </p>
      )}
      {samples.length > 0 && (
        <>
          <div className="phase-timeline-strip" data-testid="timeline-strip" data-smoothed={smooth ? 'true' : 'false'} role="list" aria-label="Phase of each analysed frame">
            {shown.map((s, i) => {
              const at = fromStart(pts, s.time);
              const next = shown[i + 1] ? fromStart(pts, shown[i + 1]!.time) : span;
              const left = (at / span) * 100;
              const width = Math.max(0.3, ((Math.min(next, span) - at) / span) * 100);
              const what = label(s.phase);
              const stored = s.smoothed ? ` (stored: ${label(s.storedPhase)}, smoothed for display)` : '';
              const why = s.matched.length ? ` — ${s.method === 'followup' ? 'reply' : 'words'}: ${s.matched.join(', ')}` : '';
              return (
                <button
                  key={s.id}
                  type="button"
                  role="listitem"
                  className={`phase-timeline-block${s.phase ? '' : ' no-phase'}${s.smoothed ? ' is-smoothed' : ''}${selected === s.id ? ' is-selected' : ''}`}
                  style={{ left: `${left}%`, width: `${width}%`, background: colour(s.phase) }}
                  title={`${what}${stored} · frame ${s.frameIndex}, ${formatTimecode(fromStart(pts, s.time))}${why}. Click to open its analysis.`}
                  aria-label={`${what}, frame ${s.frameIndex} at ${formatTimecode(fromStart(pts, s.time))}`}
                  data-testid="timeline-block"
                  data-frame-index={s.frameIndex}
                  data-phase={s.phase ?? ''}
                  data-stored-phase={s.storedPhase ?? ''}
                  onClick={() => open(s)}
                />
              );
            })}
          </div>
          <ul className="phase-timeline-legend" data-testid="timeline-legend" aria-label="Phase colours">
            {legend.map((p) => (
              <li key={p.id || 'none'}>
                <span className={`swatch${p.id ? '' : ' no-phase'}`} style={{ background: p.color ?? NO_PHASE }} aria-hidden="true" />
                {p.label}
              </li>
            ))}
            <li className="muted phase-timeline-note">AI-derived phases, research use only, not for clinical decisions.</li>
          </ul>
        </>
      )}
    </section>
  );
}

const STATE_TEXT: Record<string, string> = {
  running: 'analysed',
  paused: 'analysed · paused',
  cancelled: 'analysed · cancelled',
  done: 'analysed · done',
  failed: 'analysed · stopped',
};
