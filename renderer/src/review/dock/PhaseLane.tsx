// The model's phase strip: one block per analysed sample of the phase timeline, in its phase's colour (striped when
// the model named no phase), holding until the next sample. A click goes to the sample's frame and opens its
// analysis. AI-derived: research use only, not for clinical decisions.
import { useTaxonomy } from '../annotate/annotate-context';
import { formatTimecode } from '../player/timeline';
import { NO_PHASE_COLOUR, usePhaseTimeline } from '../timeline/timeline-context';
import { xOf, type TimelineWindow } from './timeline-view';

/** `origin`: the first frame's media time (sample times are media times; the dock counts from the first frame). */
export function PhaseLane({ win, total, origin, onOpen }: { win: TimelineWindow; total: number; origin: number; onOpen(frameIndex: number, frameId: number | null, sampleId: number): void }) {
  const t = usePhaseTimeline();
  const taxonomy = useTaxonomy();
  if (!t) return <div className="lane-body" />;
  const colour = (phase: string | null) => (phase ? (taxonomy?.phases.find((p) => p.id === phase)?.color ?? NO_PHASE_COLOUR) : NO_PHASE_COLOUR);
  const label = (phase: string | null) => (phase ? (taxonomy?.phases.find((p) => p.id === phase)?.label ?? phase) : 'No phase named');
  return (
    <div className="lane-body phase-lane" data-testid="timeline-strip" data-smoothed={t.smooth ? 'true' : 'false'} role="list" aria-label="Model phase of each analysed frame (AI-generated)">
      {t.shown.map((s, i) => {
        const at = s.time - origin;
        const next = t.shown[i + 1] ? t.shown[i + 1]!.time - origin : total;
        const left = xOf(win, at);
        const width = Math.max(2, xOf(win, Math.min(next, total)) - left);
        const what = label(s.phase);
        const stored = s.smoothed ? ` (stored: ${label(s.storedPhase)}, smoothed for display)` : '';
        const why = s.matched.length ? ` — ${s.method === 'followup' ? 'reply' : 'words'}: ${s.matched.join(', ')}` : '';
        return (
          <button
            key={s.id}
            type="button"
            role="listitem"
            className={`phase-timeline-block${s.phase ? '' : ' no-phase'}${s.smoothed ? ' is-smoothed' : ''}`}
            style={{ transform: `translateX(${left.toFixed(2)}px)`, width, background: colour(s.phase) }}
            title={`Model (AI, research use only): ${what}${stored} · frame ${s.frameIndex}, ${formatTimecode(at)}${why}. Click to open its analysis.`}
            aria-label={`${what}, frame ${s.frameIndex} at ${formatTimecode(at)}`}
            data-testid="timeline-block"
            data-frame-index={s.frameIndex}
            data-phase={s.phase ?? ''}
            data-stored-phase={s.storedPhase ?? ''}
            onPointerDown={(e) => e.stopPropagation()}
            onClick={() => onOpen(s.frameIndex, s.frameId, s.id)}
          />
        );
      })}
    </div>
  );
}
