// One step of the rubric in the Assessment tab: the score buttons (the scale, then not applicable / done by the
// preceptor), the other assessment's answer beside, a comment, and the video moment or phase segment it judges.
import { useEffect, useState } from 'react';
import type { RubricStep, RubricTemplate, StepScore } from '../../../electron/api/schemas-assessment';
import type { Segment } from '../../../electron/api/schemas-review';

export interface StepProps {
  step: RubricStep;
  index: number;
  template: RubricTemplate;
  mine: StepScore | null;
  /** The other assessment's answer (the assessor's for a resident, the self-assessment for an assessor). */
  other: { label: string; score: StepScore | null; template: RubricTemplate } | null;
  readOnly: boolean;
  segments: readonly Segment[];
  segmentName(s: Segment): string;
  timecode(frameIndex: number): string;
  onScore(value: StepScore['value']): void;
  onComment(text: string): void;
  onMoment(): void;
  onClearMoment(): void;
  onSegment(id: number | null): void;
  onJump(frameIndex: number): void;
}

export function answerLabel(t: RubricTemplate, v: StepScore['value']): string {
  if (v === null) return '—';
  if (typeof v === 'number') return `${v} ${t.scale.find((s) => s.value === v)?.label ?? ''}`.trim();
  return t.marks.find((m) => m.id === v)?.label ?? v;
}

const SHORT: Record<string, string> = { na: 'N/A', preceptor: 'Prec.' };

export function AssessmentStep(p: StepProps) {
  const { step, template, mine } = p;
  const [comment, setComment] = useState(mine?.comment ?? '');
  useEffect(() => setComment(mine?.comment ?? ''), [mine?.comment]);
  const value = mine?.value ?? null;
  const options: Array<{ v: StepScore['value']; text: string; title: string }> = [
    ...template.scale.map((s) => ({ v: s.value, text: String(s.value), title: `${s.value} ${s.label}${step.descriptors?.[String(s.value)] ? `: ${step.descriptors[String(s.value)]}` : ''}` })),
    ...template.marks.map((m) => ({ v: m.id, text: SHORT[m.id] ?? m.label, title: m.label })),
  ];
  const segment = mine?.segmentId != null ? p.segments.find((s) => s.id === mine.segmentId) : undefined;
  return (
    <li className="assess-step" data-testid={`step-${step.id}`} data-value={value === null ? '' : String(value)}>
      <div className="assess-step-head">
        <span className="assess-no">{p.index + 1}</span>
        <span className="assess-name">{step.name}</span>
        {p.other && (
          <span className={`assess-other${p.other.score?.value == null ? ' is-empty' : ''}`} data-testid={`other-score-${step.id}`} title={`${p.other.label}: ${answerLabel(p.other.template, p.other.score?.value ?? null)}${p.other.score?.comment ? ` — ${p.other.score.comment}` : ''}`}>
            {p.other.label}: <b>{p.other.score?.value == null ? '—' : typeof p.other.score.value === 'number' ? p.other.score.value : (SHORT[p.other.score.value] ?? p.other.score.value)}</b>
          </span>
        )}
      </div>
      <div className="assess-scores" role="radiogroup" aria-label={`Score for ${step.name}`}>
        {options.map((o) => (
          <button
            key={String(o.v)}
            type="button"
            role="radio"
            aria-checked={value === o.v}
            className={`assess-score${value === o.v ? ' is-active' : ''}${typeof o.v === 'string' ? ' is-mark' : ''}`}
            disabled={p.readOnly}
            title={o.title}
            data-testid={`score-${step.id}-${String(o.v)}`}
            onClick={() => p.onScore(value === o.v ? null : o.v)}
          >
            {o.text}
          </button>
        ))}
      </div>
      {(!p.readOnly || comment) && (
        <textarea
          className="assess-comment"
          rows={1}
          placeholder="Comment on this step"
          value={comment}
          readOnly={p.readOnly}
          maxLength={4000}
          data-testid={`comment-${step.id}`}
          onChange={(e) => setComment(e.target.value)}
          onBlur={() => comment !== (mine?.comment ?? '') && p.onComment(comment)}
        />
      )}
      <div className="assess-where">
        {mine?.frameIndex != null ? (
          <span className="assess-moment">
            <button type="button" className="link" data-testid={`moment-${step.id}`} title="Go to this moment" onClick={() => p.onJump(mine.frameIndex!)}>
              {p.timecode(mine.frameIndex)} · frame {mine.frameIndex}
            </button>
            {!p.readOnly && (
              <button type="button" className="chip-remove" aria-label="Clear the moment" title="Clear the moment" onClick={p.onClearMoment}>
                ×
              </button>
            )}
          </span>
        ) : (
          !p.readOnly && (
            <button type="button" className="link" data-testid={`mark-moment-${step.id}`} title="Point this step at the frame on screen" onClick={p.onMoment}>
              Point at this frame
            </button>
          )
        )}
        {(!p.readOnly || segment) && p.segments.length > 0 && (
          <select className="assess-segment" aria-label={`Segment for ${step.name}`} value={segment?.id ?? ''} disabled={p.readOnly} onChange={(e) => p.onSegment(e.target.value ? Number(e.target.value) : null)} data-testid={`segment-${step.id}`}>
            <option value="">No segment</option>
            {p.segments.map((s) => (
              <option key={s.id} value={s.id}>
                {p.segmentName(s)}
              </option>
            ))}
          </select>
        )}
      </div>
    </li>
  );
}
