// The review as three CSV tables: annotations.csv (one row per annotation), analyses.csv (one row per analysis) and
// timeline.csv (one row per phase-timeline sample; only the header when the video was never analysed).
import { AI_DISCLAIMER, type ReportFrame, type ReviewReportV1 } from '../../api/schemas-reports';
import { toCsv, type CsvCell } from './csv';

/** The columns every per-frame row starts with: which review, which frame, when. */
const FRAME_COLUMNS = ['case_code', 'review_id', 'frame_id', 'frame_index', 'media_time_s', 'timecode'];
const frameCells = (doc: ReviewReportV1, f: ReportFrame): CsvCell[] => [doc.case.code, doc.review.id, f.id, f.frameIndex, f.mediaTime, f.timecode];

export function annotationsCsv(doc: ReviewReportV1): string {
  const header = [
    ...FRAME_COLUMNS,
    'annotation_id',
    'kind',
    'label',
    'color',
    'text',
    'bbox_x_px',
    'bbox_y_px',
    'bbox_w_px',
    'bbox_h_px',
    'frame_width_px',
    'frame_height_px',
    'geometry_normalised_json',
    ...(doc.fields.reviewer ? ['author'] : []),
    'created_at',
    'updated_at',
  ];
  const rows: CsvCell[][] = [];
  for (const f of doc.frames) {
    for (const a of f.annotations) {
      rows.push([
        ...frameCells(doc, f),
        a.id,
        a.kind,
        a.label,
        a.color,
        a.kind === 'text' ? a.geometry.text : null,
        ...a.pixelBox,
        f.width,
        f.height,
        JSON.stringify(a.geometry),
        ...(doc.fields.reviewer ? [a.author] : []),
        a.createdAt,
        a.updatedAt,
      ]);
    }
  }
  return toCsv(header, rows);
}

export function analysesCsv(doc: ReviewReportV1): string {
  const thinking = doc.fields.thinking;
  const header = [
    ...FRAME_COLUMNS,
    'analysis_id',
    'status',
    'ai_notice',
    'model_name',
    'model_sha256_short',
    'model_sha256',
    'mmproj_sha256',
    'engine',
    'engine_version',
    'device',
    'max_tokens',
    'temperature',
    'structured',
    'final_answer',
    ...(thinking ? ['thinking_process'] : []),
    'generated_tokens',
    'total_ms',
    'error',
    'created_at',
    'completed_at',
    'turn',
    'question',
  ];
  const rows: CsvCell[][] = [];
  for (const f of doc.frames) {
    for (const a of f.analyses) {
      rows.push([
        ...frameCells(doc, f),
        a.id,
        a.status,
        AI_DISCLAIMER,
        a.provenance.modelName,
        a.modelShortHash,
        a.provenance.modelSha256,
        a.provenance.mmprojSha256,
        a.provenance.engine,
        a.provenance.engineVersion,
        a.provenance.device,
        a.params.maxTokens,
        a.params.temperature,
        a.structured,
        a.answer,
        ...(thinking ? [a.thinking] : []),
        a.timings.generatedTokens,
        Math.round(a.timings.totalMs),
        a.error,
        a.createdAt,
        a.completedAt,
        0,
        a.prompt,
      ]);
      // Each follow-up question: one row after its analysis (turn 1, 2, …), the answer in final_answer.
      for (const t of a.turns) {
        rows.push([
          ...frameCells(doc, f),
          a.id,
          t.status,
          AI_DISCLAIMER,
          t.provenance.modelName,
          t.provenance.modelSha256.slice(0, 12),
          t.provenance.modelSha256,
          t.provenance.mmprojSha256,
          t.provenance.engine,
          t.provenance.engineVersion,
          t.provenance.device,
          t.params.maxTokens,
          t.params.temperature,
          false,
          t.answer,
          ...(thinking ? [null] : []),
          t.timings.generatedTokens,
          Math.round(t.timings.totalMs),
          t.error,
          t.createdAt,
          t.completedAt,
          t.position,
          t.question,
        ]);
      }
    }
  }
  return toCsv(header, rows);
}

export function timelineCsv(doc: ReviewReportV1): string {
  const header = ['case_code', 'review_id', 'sample_time_s', 'timecode', 'frame_index', 'frame_id', 'phase', 'phase_label', 'method', 'confidence', 'ai_notice'];
  const t = doc.phaseTimeline;
  const rows: CsvCell[][] = (t?.samples ?? []).map((x) => [doc.case.code, doc.review.id, x.time, x.timecode, x.frameIndex, x.frameId, x.phase, x.label, x.method, x.confidence, AI_DISCLAIMER]);
  return toCsv(header, rows);
}
