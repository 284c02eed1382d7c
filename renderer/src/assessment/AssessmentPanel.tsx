// The Assessment tab: structured skill assessment of the review on a rubric template (the ICO-OSCAR-style phaco
// template by default, or one the department imported). The reviewer's role in Settings decides what they write:
// a resident their self-assessment, an attending or educator the assessor's; the other one is shown beside each step.
import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { REVIEWER_ROLE_LABELS } from '../../../electron/api/schemas';
import { ASSESSMENT_KIND_LABELS, type RubricTemplate, type StepScore } from '../../../electron/api/schemas-assessment';
import { api } from '../api';
import { useSettings } from '../app/settings-context';
import { useAnnotate } from '../review/annotate/annotate-context';
import { usePlayer } from '../review/player/player-context';
import { formatTimecode, fromStart } from '../review/player/timeline';
import { useReviewStore, useStore } from '../review/workspace/review-store';
import { useNotify } from '../ui/notify';
import { AssessmentStep } from './AssessmentStep';
import { useAssessment } from './use-assessment';
import './assessment.css';

const key = (t: { id: string; version: number }) => `${t.id}@${t.version}`;

export function AssessmentPanel({ active, pts }: { active: boolean; pts: readonly number[] }) {
  const store = useStore();
  const a = useAnnotate();
  const player = usePlayer();
  const { settings } = useSettings();
  const notify = useNotify();
  const locked = useReviewStore((s) => s.review.status === 'final');
  const onError = useRef((err: unknown) => store.onError(err, 'The assessment was not saved.')).current;
  const st = useAssessment(store.reviewId, active, onError);
  const [choice, setChoice] = useState<string>('');
  const [focus, setFocus] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);

  const kind = st.data?.myKind ?? null;
  const mine = kind ? (st.data?.[kind] ?? null) : null;
  const otherKind = kind === 'self' ? 'assessor' : kind === 'assessor' ? 'self' : null;
  const other = otherKind ? (st.data?.[otherKind] ?? null) : null;
  useEffect(() => setFocus(mine?.focus ?? ''), [mine?.focus]);

  const templates: RubricTemplate[] = [...(st.data?.rubrics ?? []), ...st.rubrics.map((e) => e.template)].filter((t, i, all) => all.findIndex((x) => key(x) === key(t)) === i);
  // The template in use: mine, else the other one's (so both score on the same), else the one chosen, else the default.
  const current = (mine && templates.find((t) => t.id === mine.rubricId && t.version === mine.rubricVersion)) ?? templates.find((t) => key(t) === choice) ?? (other && templates.find((t) => t.id === other.rubricId && t.version === other.rubricVersion)) ?? templates[0] ?? null;
  const otherTemplate = other ? (templates.find((t) => t.id === other.rubricId && t.version === other.rubricVersion) ?? null) : null;
  const readOnly = locked || kind === null;

  const pickRubric = (k: string) => {
    const t = templates.find((x) => key(x) === k);
    if (!t) return;
    if (mine && mine.scores.length > 0 && !window.confirm(`Change the template to "${t.name}"? The ${mine.scores.length} step(s) you scored are cleared.`)) return;
    setChoice(k);
    if (mine) void st.setRubric(t.id, t.version);
  };
  /** Scores need the reviewer's assessment: it is started with the template shown, on the first answer. */
  const ensure = async () => {
    if (!mine && current) await st.setRubric(current.id, current.version);
  };
  const scoreStep = async (stepId: string, patch: { value?: StepScore['value']; comment?: string; moment?: { frameIndex: number; mediaTime: number } | null; segmentId?: number | null }) => {
    if (locked) return a?.refuseLocked();
    await ensure();
    await st.score({ stepId, ...patch });
  };
  const onImport = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    try {
      const entry = await api.rubrics.import({ text: await file.text(), fileName: file.name });
      await st.reloadRubrics();
      setChoice(key(entry.template));
      notify.info(`Imported "${entry.template.name}" (version ${entry.template.version}).`);
    } catch (err) {
      store.onError(err, 'The template was not imported.');
    }
  };
  const frameIndex = () => a?.targetIndex() ?? player?.getState().index ?? 0;

  if (!st.data || !current) return <p className="muted inspector-empty">Loading the assessment…</p>;
  return (
    <section className="assessment-panel" aria-label="Assessment" data-testid="assessment-panel" data-kind={kind ?? ''}>
      <div className="assess-head">
        {kind ? (
          <p className="assess-who" data-testid="assessment-who">
            <b>{ASSESSMENT_KIND_LABELS[kind]}</b> by {settings.reviewerName || 'you'} ({settings.reviewerRole ? REVIEWER_ROLE_LABELS[settings.reviewerRole] : ''})
            {other && (
              <span className="muted">
                {' '}
                · {ASSESSMENT_KIND_LABELS[other.kind]} by {other.author} shown beside
              </span>
            )}
          </p>
        ) : (
          <p className="notice-inline" data-testid="assessment-no-role">
            Set your name and role in Settings → Reviewer to score: a resident writes a self-assessment, an attending or educator the assessor's scores.
          </p>
        )}
        {locked && <p className="muted">This review is finalised and locked: reopen it to change the assessment.</p>}
        <div className="assess-rubric-row">
          <select aria-label="Rubric template" value={key(current)} disabled={readOnly} onChange={(e) => pickRubric(e.target.value)} data-testid="assessment-rubric">
            {templates.map((t) => (
              <option key={key(t)} value={key(t)}>
                {t.name} (v{t.version})
              </option>
            ))}
          </select>
          <button type="button" className="btn btn-sm btn-ghost" onClick={() => fileInput.current?.click()} title="Import your department's template (a JSON file; see resources/rubrics/README.md)" data-testid="assessment-import">
            Import template…
          </button>
          <input ref={fileInput} type="file" accept=".json,application/json" hidden onChange={(e) => void onImport(e)} data-testid="assessment-import-file" />
        </div>
        <p className="muted assess-scale">{current.scale.map((s) => `${s.value} ${s.label}`).join(' · ')}</p>
      </div>
      <ol className="assess-steps">
        {current.steps.map((step, i) => {
          const group = step.group && step.group !== current.steps[i - 1]?.group ? step.group : null;
          return [
            group && (
              <li key={`g-${group}`} className="assess-group">
                {group}
              </li>
            ),
            <AssessmentStep
              key={step.id}
              step={step}
              index={i}
              template={current}
              mine={mine?.scores.find((s) => s.stepId === step.id) ?? null}
              other={other && otherTemplate ? { label: other.kind === 'self' ? 'Self' : 'Assessor', template: otherTemplate, score: other.scores.find((s) => s.stepId === step.id) ?? null } : null}
              readOnly={readOnly}
              segments={a?.segments.list ?? []}
              segmentName={(s) => `${s.label || a?.labelText(s.phase) || 'Segment'} (${s.startFrame}–${s.endFrame})`}
              timecode={(k) => formatTimecode(fromStart(pts, pts[k] ?? 0))}
              onScore={(value) => void scoreStep(step.id, { value })}
              onComment={(comment) => void scoreStep(step.id, { comment })}
              onMoment={() => {
                const k = frameIndex();
                void scoreStep(step.id, { moment: { frameIndex: k, mediaTime: pts[k] ?? 0 } });
              }}
              onClearMoment={() => void scoreStep(step.id, { moment: null })}
              onSegment={(segmentId) => void scoreStep(step.id, { segmentId })}
              onJump={(k) => player?.goTo(k)}
            />,
          ];
        })}
      </ol>
      <div className="assess-focus">
        <label htmlFor="assess-focus">Areas of focus</label>
        <textarea
          id="assess-focus"
          rows={3}
          value={focus}
          readOnly={readOnly}
          maxLength={4000}
          placeholder={readOnly ? '' : 'What to work on next'}
          data-testid="assessment-focus"
          onChange={(e) => setFocus(e.target.value)}
          onBlur={() => {
            if (readOnly || focus === (mine?.focus ?? '')) return;
            void ensure().then(() => st.setFocus(focus));
          }}
        />
        {other?.focus && (
          <p className="assess-other-focus" data-testid="assessment-other-focus">
            <b>{ASSESSMENT_KIND_LABELS[other.kind]}:</b> {other.focus}
          </p>
        )}
      </div>
    </section>
  );
}
