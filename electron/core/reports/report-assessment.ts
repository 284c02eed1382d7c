// The review's skill assessments in the report: as the JSON carries them (every step of the template in order, with
// its label, comment, moment and segment), and as assessment.csv (one row per step and assessment).
import type { ReviewAssessments, RubricTemplate, Assessment } from '../../api/schemas-assessment';
import type { ReportAssessment, ReportFields, ReportSegment, ReviewReportV1 } from '../../api/schemas-reports';
import { REVIEWER_ROLE_LABELS } from '../../api/schemas';
import { toCsv, type CsvCell } from './csv';
import { formatTimecode } from './timecode';

/** A score's or mark's label on a template ("Competent", "Done by preceptor"). */
export function scoreLabel(t: Pick<RubricTemplate, 'scale' | 'marks'>, value: Assessment['scores'][number]['value']): string | null {
  if (value === null) return null;
  if (typeof value === 'number') return t.scale.find((s) => s.value === value)?.label ?? String(value);
  return t.marks.find((m) => m.id === value)?.label ?? value;
}

export function reportAssessments(
  data: ReviewAssessments | null | undefined,
  fields: ReportFields,
  origin: number,
  segments: readonly Pick<ReportSegment, 'id' | 'displayLabel'>[],
): ReportAssessment[] {
  if (!data) return [];
  const out: ReportAssessment[] = [];
  for (const a of [data.self, data.assessor]) {
    if (!a) continue;
    const t = data.rubrics.find((r) => r.id === a.rubricId && r.version === a.rubricVersion);
    if (!t) continue;
    const scores = new Map(a.scores.map((s) => [s.stepId, s]));
    out.push({
      kind: a.kind,
      rubric: { id: t.id, version: t.version, name: t.name },
      scale: t.scale,
      author: fields.reviewer ? a.author : null,
      authorRole: a.authorRole,
      focus: a.focus,
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
      steps: t.steps.map((step) => {
        const s = scores.get(step.id);
        const segment = s?.segmentId != null ? segments.find((x) => x.id === s.segmentId) : undefined;
        return {
          stepId: step.id,
          name: step.name,
          group: step.group ?? null,
          value: s?.value ?? null,
          label: s ? scoreLabel(t, s.value) : null,
          comment: s?.comment ?? '',
          frameIndex: s?.frameIndex ?? null,
          timecode: s?.mediaTime != null ? formatTimecode(Math.max(0, s.mediaTime - origin)) : null,
          segmentId: segment ? segment.id : null,
          segmentLabel: segment ? segment.displayLabel : null,
        };
      }),
    });
  }
  return out;
}

/** assessment.csv: one row per step of each assessment (the author only when the reviewer's name is included). */
export function assessmentCsv(doc: ReviewReportV1): string {
  const names = doc.fields.reviewer;
  const header = [
    'case_code',
    'review_id',
    'assessment',
    'rubric_id',
    'rubric_version',
    'rubric_name',
    ...(names ? ['author'] : []),
    'author_role',
    'step_no',
    'step_id',
    'step_name',
    'score',
    'score_label',
    'comment',
    'frame_index',
    'timecode',
    'segment_id',
    'segment_label',
    'areas_of_focus',
    'updated_at',
  ];
  const rows: CsvCell[][] = [];
  for (const a of doc.assessments ?? []) {
    a.steps.forEach((s, i) => {
      rows.push([
        doc.case.code,
        doc.review.id,
        a.kind,
        a.rubric.id,
        a.rubric.version,
        a.rubric.name,
        ...(names ? [a.author] : []),
        REVIEWER_ROLE_LABELS[a.authorRole],
        i + 1,
        s.stepId,
        s.name,
        s.value,
        s.label,
        s.comment,
        s.frameIndex,
        s.timecode,
        s.segmentId,
        s.segmentLabel,
        a.focus,
        a.updatedAt,
      ]);
    });
  }
  return toCsv(header, rows);
}
