// One trainee's scores over their reviews as a chart.js line chart: one line per rubric step, x = the reviews in
// date order (surgery date and case code). Marks (not applicable, done by preceptor) and unscored steps are gaps.
// Colours come from the theme's CSS variables, so the chart follows light and dark.
import { useEffect, useRef } from 'react';
import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { AssessmentKind, RubricTemplate, TraineeReview } from '../../../electron/api/schemas-assessment';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

/** A distinct colour per step (golden-angle hues), lighter on a dark background. */
export function stepColour(i: number, dark: boolean): string {
  const hue = Math.round((i * 137.508 + 200) % 360);
  return dark ? `hsl(${hue} 75% 65%)` : `hsl(${hue} 70% 38%)`;
}

interface Props {
  template: RubricTemplate;
  reviews: readonly TraineeReview[];
  kind: AssessmentKind;
  theme: 'light' | 'dark';
  /** The steps shown (all when empty). */
  steps: readonly string[];
}

export function TraineeChart({ template, reviews, kind, theme, steps }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    // The colours follow the `theme` prop, not the page's computed CSS: the chart is drawn in the same commit that
    // switches the theme, before the page's variables change (the dark legend came out in the light text colour).
    const dark = theme === 'dark';
    const text = dark ? '#e8ebef' : '#15191e';
    const muted = dark ? '#a3acb8' : '#5b6470';
    const grid = dark ? '#3a414b' : '#d5dae0';
    const shown = template.steps.map((s, i) => ({ s, i })).filter(({ s }) => steps.length === 0 || steps.includes(s.id));
    const values = template.scale.map((p) => p.value);
    const chart = new Chart(canvas.current, {
      type: 'line',
      data: {
        labels: reviews.map((r) => [r.date, r.caseCode]),
        datasets: shown.map(({ s, i }) => ({
          label: `${i + 1}. ${s.name}`,
          data: reviews.map((r) => {
            const a = r[kind];
            if (!a || a.rubricId !== template.id || a.rubricVersion !== template.version) return null;
            const v = a.scores.find((x) => x.stepId === s.id)?.value;
            return typeof v === 'number' ? v : null;
          }),
          borderColor: stepColour(i, dark),
          backgroundColor: stepColour(i, dark),
          borderWidth: 2,
          pointRadius: 3.5,
          tension: 0.15,
          spanGaps: true,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          y: {
            min: Math.min(...values) - 0.5,
            max: Math.max(...values) + 0.5,
            afterBuildTicks: (axis) => {
              axis.ticks = values.map((value) => ({ value }));
            },
            ticks: { color: muted, callback: (v) => template.scale.find((p) => p.value === Number(v))?.label ?? '' },
            grid: { color: grid },
            border: { color: grid },
          },
          x: { ticks: { color: muted }, grid: { color: grid }, border: { color: grid } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { color: text, boxWidth: 12, boxHeight: 12, font: { size: 11 } } },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label ?? ''}: ${String(c.parsed.y)} ${template.scale.find((p) => p.value === c.parsed.y)?.label ?? ''}` } },
        },
      },
    });
    return () => chart.destroy();
  }, [template, reviews, kind, theme, steps]);
  return <canvas ref={canvas} role="img" aria-label={`Scores per step over ${reviews.length} reviews`} data-testid="trainee-chart" />;
}
