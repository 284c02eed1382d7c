// The review as two CSV tables: annotations.csv (one row per annotation) and analyses.csv (one row per analysis).
import { AI_DISCLAIMER, type ReviewReportV1 } from '../../api/schemas-reports';
import { toCsv, type CsvCell } from './csv';

export function annotationsCsv(doc: ReviewReportV1): string {
  const header = [
    'case_code',
    'review_id',
    'frame_id',
    'frame_index',
    'media_time_s',
    'timecode',
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
        doc.case.code,
        doc.review.id,
        f.id,
        f.frameIndex,
        f.mediaTime,
        f.timecode,
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
    'case_code',
    'review_id',
    'frame_id',
    'frame_index',
    'media_time_s',
    'timecode',
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
  ];
  const rows: CsvCell[][] = [];
  for (const f of doc.frames) {
    for (const a of f.analyses) {
      rows.push([
        doc.case.code,
        doc.review.id,
        f.id,
        f.frameIndex,
        f.mediaTime,
        f.timecode,
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
      ]);
    }
  }
  return toCsv(header, rows);
}
