// The review as one de-identified document (the JSON report, schema ReviewReportV1). Every other format (HTML,
// PDF, CSV, COCO) is made from this document, so what is hidden here is hidden everywhere.
import type { Analysis, AnalysisTurn, Case, Frame } from '../../api/schemas';
import type { Review, Video } from '../../api/schemas-video';
import type { Annotation, AuditEntry, Note, Segment, Tag, Taxonomy, TaxonomyTerm } from '../../api/schemas-review';
import type { TimelineView } from '../../api/schemas-timeline';
import {
  AI_DISCLAIMER,
  REPORT_FORMAT_ID,
  REPORT_SCHEMA_VERSION,
  type ReportAnnotation,
  type ReportFields,
  type ReportFrame,
  type ReportNote,
  type ReportPhaseTimeline,
  type ReportSegment,
  type ReportTag,
  type ReportTagSummary,
  ReportVideo,
  type ReviewReportV1,
} from '../../api/schemas-reports';
import { formatTimecode } from './timecode';
import type { ReviewAssessments } from '../../api/schemas-assessment';
import { reportAssessments } from './report-assessment';
import { reportTeaching, type TeachingData } from './report-teaching';
import { decideColour, describeColour } from '../../api/colour';

/** Everything the report is made of, as the services return it. */
export interface ReviewData {
  case: Case;
  review: Review;
  video: Video | null;
  frames: Frame[];
  /** Per frame id, newest first. */
  analyses: Map<number, Analysis[]>;
  /** Follow-up questions per analysis id, in order (none when absent). */
  turns?: Map<number, AnalysisTurn[]>;
  annotations: Annotation[];
  tags: Tag[];
  segments: Segment[];
  notes: Note[];
  audit: AuditEntry[];
  taxonomy: Taxonomy | null;
  /** The phase timeline's job and samples (Analyse video); null or no job when the video was never analysed. */
  timeline: TimelineView | null;
  /** The review's self-assessment and assessor's assessment with their templates (none when absent). */
  assessments?: ReviewAssessments | null;
  /** Teaching mode and the residents' responses (none when absent). */
  teaching?: TeachingData | null;
}

export interface DocumentMeta {
  generatedAt: string;
  appName: string;
  appVersion: string;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The bounding box of an annotation in pixels of a width × height frame: [x, y, w, h]. */
export function pixelBox(a: Pick<Annotation, 'kind' | 'geometry'>, width: number, height: number): [number, number, number, number] {
  const box = (x0: number, y0: number, x1: number, y1: number): [number, number, number, number] => [
    round2(x0 * width),
    round2(y0 * height),
    round2((x1 - x0) * width),
    round2((y1 - y0) * height),
  ];
  switch (a.kind) {
    case 'box':
    case 'ellipse': {
      const g = a.geometry as { x: number; y: number; w: number; h: number };
      return box(g.x, g.y, Math.min(1, g.x + g.w), Math.min(1, g.y + g.h));
    }
    case 'arrow': {
      const g = a.geometry as { x1: number; y1: number; x2: number; y2: number };
      return box(Math.min(g.x1, g.x2), Math.min(g.y1, g.y2), Math.max(g.x1, g.x2), Math.max(g.y1, g.y2));
    }
    case 'freehand': {
      const p = (a.geometry as { points: number[] }).points;
      let x0 = 1;
      let y0 = 1;
      let x1 = 0;
      let y1 = 0;
      for (let i = 0; i + 1 < p.length; i += 2) {
        x0 = Math.min(x0, p[i]!);
        x1 = Math.max(x1, p[i]!);
        y0 = Math.min(y0, p[i + 1]!);
        y1 = Math.max(y1, p[i + 1]!);
      }
      return box(x0, y0, x1, y1);
    }
    case 'text': {
      const g = a.geometry as { x: number; y: number };
      return box(g.x, g.y, g.x, g.y);
    }
  }
}

/** Replaces every "author"/"actor"/"finalisedBy"/"setBy" (teaching mode) value inside an audit snapshot with null when names are hidden. */
function hideAuthors(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hideAuthors);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = k === 'author' || k === 'actor' || k === 'finalisedBy' || k === 'setBy' ? null : hideAuthors(v);
    return out;
  }
  return value;
}

function frameOrder(a: Frame, b: Frame): number {
  const ta = a.mediaTime ?? Number.POSITIVE_INFINITY;
  const tb = b.mediaTime ?? Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta - tb;
  const ia = a.frameIndex ?? Number.POSITIVE_INFINITY;
  const ib = b.frameIndex ?? Number.POSITIVE_INFINITY;
  if (ia !== ib) return ia - ib;
  return a.id - b.id;
}

/** The stored timeline as the report carries it: labels and colours from the taxonomy, timecodes. */
function reportPhaseTimeline(
  origin: number,
  timeline: TimelineView | null,
  phases: ReadonlyMap<string, TaxonomyTerm>,
  colourOf: (phase: string) => string,
): ReportPhaseTimeline | null {
  if (!timeline?.job) return null;
  const job = timeline.job;
  return {
    sampling: job.sampling,
    intervalSeconds: job.everySeconds,
    method: job.method,
    state: job.state,
    samples: timeline.samples.map((t) => {
      const term = t.phase ? phases.get(t.phase) : undefined;
      return {
        time: t.time,
        timecode: formatTimecode(t.time - origin),
        frameIndex: t.frameIndex,
        frameId: t.frameId,
        analysisId: t.analysisId,
        phase: t.phase,
        label: t.phase ? (term?.label ?? t.phase) : 'No phase named',
        color: t.phase ? (term?.color ?? colourOf(t.phase)) : null,
        method: t.method,
        confidence: t.confidence,
      };
    }),
  };
}

function reportColour(v: Video): ReportVideo['colour'] {
  const d = decideColour(v.colour, v.width, v.height);
  return { matrix: d.matrix, fullRange: d.fullRange, tagged: d.tagged, described: describeColour(d) };
}

const DEFAULT_PHASE_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function buildReportDocument(data: ReviewData, fields: ReportFields, meta: DocumentMeta): ReviewReportV1 {
  const who = (name: string) => (fields.reviewer ? name : null);
  const tag = (t: Tag): ReportTag => ({ ...t, author: who(t.author) });
  const note = (n: Note): ReportNote => ({ ...n, author: who(n.author) });
  const notesOn = fields.notes;

  const phases = new Map((data.taxonomy?.phases ?? []).map((p) => [p.id, p]));
  const tx = data.taxonomy;
  const termLabels = new Map(
    (tx ? [...tx.phases, ...tx.instruments, ...tx.anatomy, ...tx.findings, ...tx.severity] : []).map((t) => [t.id, t.label] as const),
  );
  // A phase without a taxonomy colour gets the next palette colour, the same one in the segments and the timeline.
  const colourFor = new Map<string, string>();
  const colourOf = (key: string): string => {
    let colour = colourFor.get(key);
    if (!colour) {
      colour = DEFAULT_PHASE_COLOURS[colourFor.size % DEFAULT_PHASE_COLOURS.length]!;
      colourFor.set(key, colour);
    }
    return colour;
  };
  const segments: ReportSegment[] = [...data.segments]
    .sort((a, b) => a.startTime - b.startTime || a.startFrame - b.startFrame || a.id - b.id)
    .map((s) => {
      const term = s.phase ? phases.get(s.phase) : undefined;
      const displayLabel = s.label || term?.label || s.phase || 'Segment';
      const colour = term?.color ?? colourOf(s.phase ?? displayLabel);
      const phaseLabel = s.phase ? (term?.label ?? s.phase) : null;
      return { ...s, author: who(s.author), displayLabel, displayColor: colour, phaseLabel, tags: data.tags.filter((t) => t.segmentId === s.id).map(tag) };
    });

  // Timecodes count from the first frame (a recording's timestamps may start late); media times stay exact.
  const origin = data.video?.startSeconds ?? 0;
  const phaseTimeline = reportPhaseTimeline(origin, data.timeline, phases, colourOf);

  const frames: ReportFrame[] = [...data.frames].sort(frameOrder).map((f) => {
    const annotations: ReportAnnotation[] = data.annotations
      .filter((a) => a.frameId === f.id)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id)
      .map((a) => ({ ...a, author: who(a.author), pixelBox: pixelBox(a, f.width, f.height), displayLabel: a.label === null ? null : (termLabels.get(a.label) ?? a.label) }) as ReportAnnotation);
    const analyses = (data.analyses.get(f.id) ?? []).map((a) => ({
      ...a,
      thinking: fields.thinking ? a.thinking : null,
      rawText: fields.thinking ? a.rawText : null,
      modelShortHash: a.provenance.modelSha256.slice(0, 12),
      turns: data.turns?.get(a.id) ?? [],
    }));
    return {
      id: f.id,
      frameIndex: f.frameIndex,
      mediaTime: f.mediaTime,
      timecode: formatTimecode(f.mediaTime === null ? null : f.mediaTime - origin),
      width: f.width,
      height: f.height,
      mime: f.mime,
      sha256: f.sha256,
      bytes: f.bytes,
      sourceName: fields.fileNames ? f.sourceName : null,
      createdAt: f.createdAt,
      timelineSample: f.kind === 'sample',
      kind: f.kind,
      annotations,
      tags: data.tags.filter((t) => t.frameId === f.id).map(tag),
      notes: notesOn ? data.notes.filter((n) => n.frameId === f.id).map(note) : [],
      analyses,
    };
  });
  const frameIds = new Set(frames.map((f) => f.id));

  // Summary: each distinct tag once, with the frames that carry it.
  const summary = new Map<string, ReportTagSummary>();
  const frameKey = new Map(frames.map((f) => [f.id, f.frameIndex ?? f.id]));
  for (const t of data.tags) {
    if (t.frameId !== null && !frameIds.has(t.frameId)) continue;
    const key = `${t.kind}\u0000${t.value}`;
    const s = summary.get(key) ?? { kind: t.kind, value: t.value, label: t.label, frames: [], review: false, count: 0 };
    if (t.segmentId !== null) {
      // Counted, and named with its segment in the segment table; not a frame's, not the whole review's.
    } else if (t.frameId === null) s.review = true;
    else s.frames.push(frameKey.get(t.frameId)!);
    s.count++;
    summary.set(key, s);
  }
  const kindOrder = ['phase', 'instrument', 'anatomy', 'finding', 'severity', 'free'];
  const tagSummary = [...summary.values()]
    .map((s) => ({ ...s, frames: [...new Set(s.frames)].sort((a, b) => a - b) }))
    .sort((a, b) => kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind) || a.label.localeCompare(b.label));

  const reviewNotes = notesOn ? data.notes.filter((n) => n.frameId === null).map(note) : [];
  const final = data.review.status === 'final';
  const v = data.video;
  return {
    format: REPORT_FORMAT_ID,
    version: REPORT_SCHEMA_VERSION,
    generatedAt: meta.generatedAt,
    generator: { name: meta.appName, version: meta.appVersion },
    disclaimer: AI_DISCLAIMER,
    fields,
    case: {
      id: data.case.id,
      code: data.case.code,
      surgeryDate: fields.surgeryDate ? data.case.surgeryDate : null,
      eye: data.case.eye,
      surgeon: fields.surgeon ? data.case.surgeon : null,
      notes: fields.caseNotes ? data.case.notes : null,
    },
    review: {
      id: data.review.id,
      status: data.review.status,
      reviewer: who(data.review.reviewer),
      lastFrameIndex: data.review.lastFrameIndex,
      createdAt: data.review.createdAt,
      updatedAt: data.review.updatedAt,
      finalisedAt: data.review.finalisedAt,
      finalisedBy: data.review.finalisedBy === null ? null : who(data.review.finalisedBy),
      finalisedRole: data.review.finalisedRole,
    },
    // Only the schema's fields: the path, case and hashes of where the file lies stay out.
    video: v
      ? ReportVideo.parse({
          ...v,
          fileName: fields.fileNames ? v.fileName : null,
          colour: reportColour(v),
          parts: v.parts.length > 0 ? v.parts.map(({ path: _path, sizeBytes: _size, quickHash: _hash, ...p }) => ({ ...p, fileName: fields.fileNames ? p.fileName : null })) : undefined,
        })
      : null,
    segments,
    phaseTimeline,
    frames,
    reviewTags: data.tags.filter((t) => t.frameId === null && t.segmentId === null).map(tag),
    reviewNotes,
    summary: {
      tags: tagSummary,
      frames: frames.length,
      annotations: frames.reduce((n, f) => n + f.annotations.length, 0),
      analyses: frames.reduce((n, f) => n + f.analyses.length, 0),
      notes: reviewNotes.length + frames.reduce((n, f) => n + f.notes.length, 0),
    },
    signOff: final && data.review.finalisedAt
      ? { reviewer: who(data.review.finalisedBy ?? data.review.reviewer), role: data.review.finalisedRole, finalisedAt: data.review.finalisedAt }
      : null,
    assessments: reportAssessments(data.assessments, fields, origin, segments),
    teaching: reportTeaching(data.teaching, fields, frames, segments),
    audit: fields.audit
      ? data.audit
          .filter((e) => notesOn || e.entity !== 'note')
          .map((e) => (fields.reviewer ? { ...e } : { ...e, actor: null, before: hideAuthors(e.before), after: hideAuthors(e.after) }))
      : null,
  };
}

/**
 * The frames the HTML and PDF show, one section each: every frame when `timelineFrames` is on; otherwise the frames
 * the reviewer captured and the timeline's samples the reviewer annotated, tagged, wrote on or analysed again (the
 * other samples are in the timeline figure, and every frame is in the JSON).
 */
export function printedFrames(doc: ReviewReportV1): ReportFrame[] {
  if (doc.fields.timelineFrames) return doc.frames;
  const timelines = new Set((doc.phaseTimeline?.samples ?? []).map((t) => t.analysisId));
  const marked = (f: ReportFrame) => f.annotations.length > 0 || f.tags.length > 0 || f.notes.length > 0 || f.analyses.some((a) => !timelines.has(a.id));
  return doc.frames.filter((f) => !f.timelineSample || marked(f));
}
