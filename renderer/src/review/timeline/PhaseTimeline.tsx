// The phase timeline's controls (the Analysis tab): "Analyse video" (a frame every N seconds, analysed by the model at
// a lower priority than the reviewer's own analyses), its progress with pause / resume / cancel, the legend of the
// strip, and "Smooth isolated flips" (display only: the stored samples never change). The strip itself is a lane of
// the timeline dock (dock/PhaseLane.tsx); both read the same state (timeline-context.ts).
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { PhaseMethod, TimelineSampling } from '../../../../electron/api/schemas-timeline';
import { api } from '../../api';
import { Button } from '../../ui/Button';
import { useNotify } from '../../ui/notify';
import { useTaxonomy } from '../annotate/annotate-context';
import { NO_PHASE_COLOUR as NO_PHASE, usePhaseTimeline } from './timeline-context';
import { TimelineEstimate } from './TimelineEstimate';
import './timeline.css';

interface Props {
  reviewId: number;
  /** A final review cannot be analysed (its frames would change). */
  final: boolean;
  /** New frames were stored by the timeline (the dock's sample lane shows them). */
  onFrames(): void;
}

function etaText(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 1) return ' · finishing';
  if (seconds < 90) return ` · about ${Math.ceil(seconds)} s left`;
  return ` · about ${Math.round(seconds / 60)} min left`;
}

export function PhaseTimelineControls({ reviewId, final, onFrames }: Props) {
  const notify = useNotify();
  const taxonomy = useTaxonomy();
  const t = usePhaseTimeline()!;
  const { view, progress, loadError, refresh, setJob, smooth, setSmooth, shown } = t;
  const [every, setEvery] = useState('5');
  const [method, setMethod] = useState<PhaseMethod>('matcher');
  const [sampling, setSampling] = useState<TimelineSampling>('interval');
  const [busy, setBusy] = useState<'start' | 'pause' | 'resume' | 'cancel' | null>(null);

  const job = view?.job ?? null;
  const state = job?.state ?? null;
  const running = state === 'running';

  // Frames stored by the job appear in the filmstrip when it stops (not on every sample, to keep the review calm).
  useEffect(() => {
    if (state && state !== 'running') onFrames();
  }, [state, onFrames]);

  const samples = view?.samples ?? [];
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
            title={final ? 'This review is finalised and locked: reopen it to analyse the video.' : 'Analyse a frame every N seconds with the model and show each frame\u2019s phase in the timeline dock'}
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
              onChange={(e) => setSmooth(e.target.checked)}
              data-testid="timeline-smooth"
            />
            <span>Smooth isolated flips</span>
          </label>
        )}
      </div>
      {!running && !final && <TimelineEstimate reviewId={reviewId} everySeconds={every} sampling={sampling} />}
      {(message || loadError) && (
        <p className={`phase-timeline-message${state === 'failed' || loadError ? ' is-problem' : ''}`} data-testid="timeline-message">
          {loadError ?? message}
        </p>
      )}
      {samples.length > 0 && (
        <>
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
