// The skill-assessment section of the HTML/PDF report: per template, one table with each step's self-assessment and
// assessor's score side by side, their comments and the moment or segment each judges, then the areas of focus.
import { REVIEWER_ROLE_LABELS } from '../../api/schemas';
import { ASSESSMENT_KIND_LABELS } from '../../api/schemas-assessment';
import type { ReportAssessment, ReviewReportV1 } from '../../api/schemas-reports';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (text: string | number | null | undefined) => String(text ?? '').replace(/[&<>"']/g, (c) => ESC[c]!);

function who(a: ReportAssessment): string {
  const role = REVIEWER_ROLE_LABELS[a.authorRole];
  return a.author ? `${esc(a.author)} <span class="muted">(${esc(role)})</span>` : `<span class="muted">${esc(role)}</span>`;
}

function cell(s: ReportAssessment['steps'][number] | undefined): string {
  if (!s || s.value === null) return '<td class="score none">—</td>';
  const numeric = typeof s.value === 'number';
  return `<td class="score${numeric ? '' : ' mark'}" data-value="${esc(String(s.value))}">${numeric ? `<b>${esc(s.value)}</b> ` : ''}${esc(s.label)}</td>`;
}

function where(s: ReportAssessment['steps'][number]): string {
  const parts = [s.timecode ? `${esc(s.timecode)}${s.frameIndex !== null ? ` (frame ${esc(s.frameIndex)})` : ''}` : '', s.segmentLabel ? `segment: ${esc(s.segmentLabel)}` : ''].filter(Boolean);
  return parts.join('<br>');
}

function rubricTable(list: ReportAssessment[]): string {
  const first = list[0]!;
  const head = list.map((a) => `<th class="score">${esc(ASSESSMENT_KIND_LABELS[a.kind])}<br><span class="by">${who(a)}</span></th>`).join('');
  let group: string | null = null;
  const rows = first.steps
    .map((step, i) => {
      const each = list.map((a) => a.steps.find((s) => s.stepId === step.stepId));
      const comments = list
        .map((a, k) => {
          const s = each[k];
          const bits = [s?.comment ? `<span class="text">${esc(s.comment)}</span>` : '', s ? where(s) : ''].filter(Boolean).join('<br>');
          return bits ? `<div class="comment"><span class="kind">${esc(a.kind === 'self' ? 'Self' : 'Assessor')}:</span> ${bits}</div>` : '';
        })
        .join('');
      const heading = step.group && step.group !== group ? `<tr class="group"><th colspan="${3 + list.length}">${esc(step.group)}</th></tr>` : '';
      group = step.group;
      return `${heading}<tr data-step="${esc(step.stepId)}"><td class="no">${i + 1}</td><td class="step">${esc(step.name)}</td>${each.map(cell).join('')}<td class="comments">${comments}</td></tr>`;
    })
    .join('');
  const scale = first.scale.map((p) => `<b>${esc(p.value)}</b> ${esc(p.label)}`).join(' · ');
  const focus = list
    .filter((a) => a.focus.trim())
    .map((a) => `<div class="focus"><h4>Areas of focus — ${esc(ASSESSMENT_KIND_LABELS[a.kind])}</h4><div class="text">${esc(a.focus)}</div></div>`)
    .join('');
  return (
    `<h3>${esc(first.rubric.name)} <span class="muted">v${esc(first.rubric.version)}</span></h3>` +
    `<p class="muted">Scale: ${scale}</p>` +
    `<table class="summary assessment-table" data-testid="assessment-table"><thead><tr><th>#</th><th>Step</th>${head}<th>Comments and moments</th></tr></thead><tbody>${rows}</tbody></table>` +
    focus
  );
}

/** The section, or '' when the review has no assessment. */
export function assessmentSection(doc: ReviewReportV1): string {
  const all = doc.assessments ?? [];
  if (all.length === 0) return '';
  const groups = new Map<string, ReportAssessment[]>();
  for (const a of [...all].sort((x, y) => (x.kind === y.kind ? 0 : x.kind === 'self' ? -1 : 1))) {
    const key = `${a.rubric.id}@${a.rubric.version}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  return `<section class="assessment page-break" data-testid="report-assessment"><h2>Skill assessment</h2>${[...groups.values()].map(rubricTable).join('')}</section>`;
}
