// Loading a model takes seconds (6–12 s on a CPU): the steps, which are done (with how long each took), which one
// is running, and which are still to come.
import type { InferenceStatus } from '../../../electron/api/schemas';

export function loadStepLine(status: InferenceStatus | null): string | null {
  const steps = status?.state === 'loading' ? status.loadSteps : undefined;
  if (!steps?.length) return null;
  const i = steps.findIndex((s) => s.state === 'running');
  const at = i < 0 ? steps.length - 1 : i;
  return `step ${at + 1} of ${steps.length}: ${steps[at]!.label}`;
}

export function LoadSteps({ status }: { status: InferenceStatus | null }) {
  const steps = status?.state === 'loading' ? status.loadSteps : undefined;
  if (!steps?.length) return null;
  const done = steps.filter((s) => s.state === 'done').length;
  return (
    <div className="load-steps" data-testid="load-steps">
      <div className="load-bar" role="progressbar" aria-label="Loading the model" aria-valuemin={0} aria-valuemax={steps.length} aria-valuenow={done}>
        <span style={{ width: `${((done + 0.5) / steps.length) * 100}%` }} />
      </div>
      <ol>
        {steps.map((s) => (
          <li key={s.id} className={`load-step is-${s.state}`} data-testid="load-step" data-step={s.id} data-state={s.state}>
            <span className="load-step-icon" aria-hidden="true">
              {s.state === 'done' ? '✓' : s.state === 'running' ? '›' : '·'}
            </span>
            <span>{s.label}</span>
            {s.ms !== null && <span className="muted">{(s.ms / 1000).toFixed(1)} s</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}
