// Teaching mode in the report: each resident response on a frame or segment beside the model's analysis and the
// notes on the same frame or segment, with who wrote what and when — as the JSON carries it (built from the
// document's own frames and segments, so names and notes are hidden exactly as there), the HTML/PDF section, and
// teaching.csv (one row per response).
import { REVIEWER_ROLE_LABELS } from '../../api/schemas';
import { AI_DISCLAIMER, type ReportFields, type ReportFrame, type ReportSegment, type ReportTeaching, type ReviewReportV1 } from '../../api/schemas-reports';
import type { TeachingMode, TeachingResponse } from '../../api/schemas-teaching';
import { toCsv, type CsvCell } from './csv';

/** The review's teaching rows, as the ReviewSource gives them. */
export interface TeachingData {
  mode: TeachingMode | null;
  responses: TeachingResponse[];
}

export function reportTeaching(
  data: TeachingData | null | undefined,
  fields: ReportFields,
  frames: readonly ReportFrame[],
  segments: readonly ReportSegment[],
): ReportTeaching | undefined {
  if (!data || (!data.mode && data.responses.length === 0)) return undefined;
  const who = (name: string) => (fields.reviewer ? name : null);
  const groups = new Map<string, TeachingResponse[]>();
  for (const r of data.responses) {
    const key = r.frameId !== null ? `f${r.frameId}` : `s${r.segmentId}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const items: ReportTeaching['items'] = [];
  for (const list of groups.values()) {
    const first = list[0]!;
    const frame = first.frameId !== null ? frames.find((f) => f.id === first.frameId) : undefined;
    const segment = first.segmentId !== null ? segments.find((s) => s.id === first.segmentId) : undefined;
    if (!frame && !segment) continue;
    // The frame's latest completed analysis; for a segment, the latest of a frame captured within it.
    const inSegment = segment ? frames.filter((f) => f.frameIndex !== null && f.frameIndex >= segment.startFrame && f.frameIndex <= segment.endFrame) : [];
    const candidates = (frame ? [frame] : inSegment).flatMap((f) => f.analyses.filter((a) => a.status === 'completed').map((a) => ({ a, f })));
    const latest = candidates.sort((x, y) => y.a.completedAt.localeCompare(x.a.completedAt) || y.a.id - x.a.id)[0];
    const notes = frame
      ? frame.notes.map((n) => ({ author: n.author, text: n.text, updatedAt: n.updatedAt }))
      : fields.notes && segment && segment.note.trim()
        ? [{ author: segment.author, text: segment.note, updatedAt: segment.updatedAt }]
        : [];
    const segmentFrame = segment ? (frames.find((f) => f.frameIndex === segment.startFrame) ?? null) : null;
    items.push({
      frameId: first.frameId,
      segmentId: first.segmentId,
      frameIndex: frame ? frame.frameIndex : segment!.startFrame,
      timecode: frame ? frame.timecode : (segmentFrame?.timecode ?? null),
      target: frame ? (frame.frameIndex !== null ? `Frame ${frame.frameIndex}` : 'Still image') : `Segment: ${segment!.displayLabel} (frames ${segment!.startFrame}–${segment!.endFrame})`,
      responses: list.map((r) => ({ author: who(r.author), authorRole: r.authorRole, seen: r.seen, nextStep: r.nextStep, createdAt: r.createdAt, updatedAt: r.updatedAt })),
      analysis: latest ? { analysisId: latest.a.id, frameIndex: latest.f.frameIndex, answer: latest.a.answer, model: latest.a.provenance.modelName ?? '', completedAt: latest.a.completedAt } : null,
      notes,
    });
  }
  items.sort((a, b) => (a.frameIndex ?? Infinity) - (b.frameIndex ?? Infinity));
  return { mode: data.mode ? { setBy: who(data.mode.setBy), setRole: data.mode.setRole, setAt: data.mode.setAt } : null, items };
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (text: string | number | null | undefined) => String(text ?? '').replace(/[&<>"']/g, (c) => ESC[c]!);
const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const by = (author: string | null, role: string | null, at: string) =>
  `<p class="muted">${[author ? esc(author) : '', role ? esc(role) : '', esc(when(at))].filter(Boolean).join(' · ')}</p>`;

/** The HTML/PDF section, or '' when no resident has answered. */
export function teachingSection(doc: ReviewReportV1): string {
  const t = doc.teaching;
  if (!t || t.items.length === 0) return '';
  const rows = t.items
    .map((it) => {
      const responses = it.responses
        .map((r) => `<div class="response"><p><b>Sees:</b> ${esc(r.seen)}</p><p><b>Would do next:</b> ${esc(r.nextStep)}</p>${by(r.author, REVIEWER_ROLE_LABELS[r.authorRole], r.updatedAt)}</div>`)
        .join('');
      const analysis = it.analysis
        ? `<p class="ai-label small">${esc(AI_DISCLAIMER)}</p><p>${esc(it.analysis.answer)}</p>${by(null, `Model: ${it.analysis.model}${it.analysis.frameIndex !== null && it.analysis.frameIndex !== it.frameIndex ? ` · frame ${it.analysis.frameIndex}` : ''}`, it.analysis.completedAt)}`
        : '<p class="muted">Not analysed.</p>';
      const notes = it.notes.length ? it.notes.map((n) => `<p>${esc(n.text)}</p>${by(n.author, null, n.updatedAt)}`).join('') : '<p class="muted">No note.</p>';
      return `<tr data-testid="report-teaching-row"><td class="where">${esc(it.target)}${it.timecode ? `<br><span class="muted">${esc(it.timecode)}</span>` : ''}</td><td>${responses}</td><td>${analysis}</td><td>${notes}</td></tr>`;
    })
    .join('');
  const mode = t.mode ? `<p class="muted">Teaching mode set${t.mode.setBy ? ` by ${esc(t.mode.setBy)}` : ''} (${esc(REVIEWER_ROLE_LABELS[t.mode.setRole])}) on ${esc(when(t.mode.setAt))}. The resident wrote each response before seeing the model's analysis and the notes.</p>` : '';
  return (
    `<section class="teaching page-break" data-testid="report-teaching"><h2>Teaching: the resident's response beside the analysis and the note</h2>${mode}` +
    `<table class="summary teaching-table"><thead><tr><th>Where</th><th>Resident's response</th><th>Model's analysis</th><th>Attending's note</th></tr></thead><tbody>${rows}</tbody></table></section>`
  );
}

/** teaching.csv: one row per response, with the analysis and the notes beside it (authors only when the reviewer's name is included). */
export function teachingCsv(doc: ReviewReportV1): string {
  const names = doc.fields.reviewer;
  const header = [
    'case_code',
    'review_id',
    'target',
    'frame_id',
    'segment_id',
    'frame_index',
    'timecode',
    ...(names ? ['resident'] : []),
    'resident_role',
    'sees',
    'would_do_next',
    'responded_at',
    'analysis_id',
    'analysis_answer',
    'analysis_model',
    'analysed_at',
    'notes',
    ...(names ? ['note_authors'] : []),
    'note_times',
  ];
  const rows: CsvCell[][] = [];
  for (const it of doc.teaching?.items ?? []) {
    for (const r of it.responses) {
      rows.push([
        doc.case.code,
        doc.review.id,
        it.target,
        it.frameId,
        it.segmentId,
        it.frameIndex,
        it.timecode,
        ...(names ? [r.author] : []),
        REVIEWER_ROLE_LABELS[r.authorRole],
        r.seen,
        r.nextStep,
        r.updatedAt,
        it.analysis?.analysisId,
        it.analysis?.answer,
        it.analysis?.model,
        it.analysis?.completedAt,
        it.notes.map((n) => n.text).join('\n\n'),
        ...(names ? [it.notes.map((n) => n.author ?? '').join('; ')] : []),
        it.notes.map((n) => n.updatedAt).join('; '),
      ]);
    }
  }
  return toCsv(header, rows);
}
