// How the History tab names an assessment change (a score, a comment, the template, the areas of focus).
import type { AuditEntry } from '../../../../electron/api/schemas-review';

const get = (v: unknown, key: string): unknown => (v && typeof v === 'object' && key in v ? (v as Record<string, unknown>)[key] : undefined);

export function describeAssessment(e: AuditEntry): { title: string; detail: string | null } {
  if (e.entity === 'rubric') return { title: `Rubric template imported: ${String(get(e.after, 'name') ?? '')}`, detail: null };
  const kind = get(e.after, 'kind') === 'self' ? 'Self-assessment' : 'Assessment';
  if (e.action === 'create') return { title: `${kind} started`, detail: `Template ${String(get(e.after, 'rubricId') ?? '')}` };
  const step = get(e.after, 'step');
  if (step) {
    const value = get(step, 'value');
    const comment = String(get(step, 'comment') ?? '');
    return { title: `${kind}: step ${String(get(step, 'stepId'))} ${value === null || value === undefined ? 'not scored' : `scored ${String(value)}`}`, detail: comment ? (comment.length > 120 ? `${comment.slice(0, 119)}…` : comment) : null };
  }
  if (get(e.after, 'focus') !== undefined) return { title: `${kind}: areas of focus changed`, detail: String(get(e.after, 'focus')).slice(0, 120) || null };
  return { title: `${kind}: template changed to ${String(get(e.after, 'rubricId') ?? '')}`, detail: 'The scores given with the old template were cleared.' };
}
