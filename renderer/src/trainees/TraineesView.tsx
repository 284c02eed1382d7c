// The trainee page: every operating surgeon the cases name, and for the one chosen, their scores over their reviews
// per rubric step (a line chart; the assessor's scores or the self-assessment), with the reviews listed below (a
// click opens the review).
import { useEffect, useMemo, useState } from 'react';
import type { AssessmentKind, TraineeReview, TraineeSummary, TraineeView } from '../../../electron/api/schemas-assessment';
import { api } from '../api';
import { useOpenReview } from '../app/navigation';
import { useSettings } from '../app/settings-context';
import { useAppliedTheme } from '../app/theme';
import { EmptyState } from '../ui/EmptyState';
import { useNotify } from '../ui/notify';
import { TraineeChart } from './TraineeChart';
import './trainees.css';

const key = (t: { id: string; version: number }) => `${t.id}@${t.version}`;

function mean(r: TraineeReview, kind: AssessmentKind): string {
  const nums = (r[kind]?.scores ?? []).map((s) => s.value).filter((v): v is number => typeof v === 'number');
  return nums.length ? (nums.reduce((a, b) => a + b, 0) / nums.length).toFixed(1) : '—';
}

export function TraineesView() {
  const notify = useNotify();
  const openReview = useOpenReview();
  const { settings } = useSettings();
  const theme = useAppliedTheme(settings.theme);
  const [list, setList] = useState<TraineeSummary[] | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [view, setView] = useState<TraineeView | null>(null);
  const [kind, setKind] = useState<AssessmentKind>('assessor');
  const [rubric, setRubric] = useState('');
  /** One step to chart ('' = every step: twenty lines are hard to follow, one step over the cases is the usual question). */
  const [step, setStep] = useState('');

  useEffect(() => {
    api.trainees.list({}).then((l) => {
      setList(l);
      setChosen((c) => c ?? l.find((t) => t.assessed > 0)?.surgeon ?? l[0]?.surgeon ?? null);
    }, (err: unknown) => notify.error(err, 'Could not list the trainees.'));
  }, [notify]);
  useEffect(() => {
    if (!chosen) return;
    setView(null);
    api.trainees.get({ surgeon: chosen }).then(setView, (err: unknown) => notify.error(err, 'Could not read the trainee.'));
  }, [chosen, notify]);

  const template = useMemo(() => view?.rubrics.find((t) => key(t) === rubric) ?? view?.rubrics[0] ?? null, [view, rubric]);
  const charted = useMemo(() => (view && template ? view.reviews.filter((r) => { const a = r[kind]; return a && key({ id: a.rubricId, version: a.rubricVersion }) === key(template); }) : []), [view, template, kind]);

  return (
    <div className="trainees">
      <section className="trainee-list" aria-label="Trainees">
        <header className="pane-header">
          <h1>Trainees</h1>
        </header>
        <p className="muted trainee-hint">The operating surgeon of each case.</p>
        <ul data-testid="trainee-list">
          {list?.map((t) => (
            <li key={t.surgeon}>
              <button type="button" className={`trainee-item${t.surgeon === chosen ? ' is-active' : ''}`} aria-current={t.surgeon === chosen || undefined} onClick={() => setChosen(t.surgeon)} data-testid="trainee-item">
                <span className="trainee-name">{t.surgeon}</span>
                <span className="muted">
                  {t.reviews} review{t.reviews === 1 ? '' : 's'} · {t.assessed} assessed
                </span>
              </button>
            </li>
          ))}
        </ul>
        {list && list.length === 0 && <p className="muted trainee-hint">No case names a surgeon yet. Give cases their operating surgeon in the Library.</p>}
      </section>
      <section className="trainee-detail" aria-label="Trainee scores" data-testid="trainee-detail">
        {!chosen || !view ? (
          <EmptyState title={list && list.length === 0 ? 'No trainees yet' : 'Loading…'} />
        ) : (
          <>
            <header className="trainee-header">
              <h2 data-testid="trainee-name">{view.surgeon}</h2>
              <div className="trainee-controls">
                {view.rubrics.length > 1 && (
                  <select aria-label="Rubric template" value={template ? key(template) : ''} onChange={(e) => setRubric(e.target.value)}>
                    {view.rubrics.map((t) => (
                      <option key={key(t)} value={key(t)}>
                        {t.name} (v{t.version})
                      </option>
                    ))}
                  </select>
                )}
                {template && (
                  <select aria-label="Step" value={template.steps.some((x) => x.id === step) ? step : ''} onChange={(e) => setStep(e.target.value)} data-testid="trainee-step">
                    <option value="">Every step</option>
                    {template.steps.map((x, i) => (
                      <option key={x.id} value={x.id}>
                        {i + 1}. {x.name}
                      </option>
                    ))}
                  </select>
                )}
                <div className="segmented" role="radiogroup" aria-label="Whose scores">
                  {(['assessor', 'self'] as const).map((k) => (
                    <button key={k} type="button" role="radio" aria-checked={kind === k} className={kind === k ? 'is-active' : ''} onClick={() => setKind(k)} data-testid={`trainee-kind-${k}`}>
                      {k === 'assessor' ? 'Assessor' : 'Self-assessment'}
                    </button>
                  ))}
                </div>
              </div>
            </header>
            {template && charted.length > 0 ? (
              <div className="trainee-chart" data-testid="trainee-chart-box">
                <TraineeChart template={template} reviews={charted} kind={kind} theme={theme} steps={template.steps.some((x) => x.id === step) ? [step] : []} />
              </div>
            ) : (
              <p className="muted trainee-empty" data-testid="trainee-no-scores">
                No {kind === 'assessor' ? "assessor's scores" : 'self-assessments'} yet. Score a review in its Assessment tab.
              </p>
            )}
            <table className="trainee-reviews" data-testid="trainee-reviews">
              <thead>
                <tr>
                  <th>Date</th>
                  <th>Case</th>
                  <th>Review</th>
                  <th>Assessor (mean)</th>
                  <th>Self (mean)</th>
                  <th>Areas of focus</th>
                </tr>
              </thead>
              <tbody>
                {view.reviews.map((r) => (
                  <tr key={r.reviewId} data-testid="trainee-review" data-review-id={r.reviewId} tabIndex={0} onClick={() => openReview({ reviewId: r.reviewId })} onKeyDown={(e) => e.key === 'Enter' && openReview({ reviewId: r.reviewId })} title="Open this review">
                    <td>{r.date}</td>
                    <td className="trainee-case">{r.caseCode}</td>
                    <td>{r.status === 'final' ? 'Finalised' : 'Draft'}</td>
                    <td>{mean(r, 'assessor')}</td>
                    <td>{mean(r, 'self')}</td>
                    <td className="trainee-focus">{r.assessor?.focus || r.self?.focus || ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
    </div>
  );
}
