// The report as one self-contained HTML page: inline CSS, frame images as data URLs, annotations as an SVG
// overlay on each image (so Chromium draws them the same way for the HTML file, the PDF and the preview), no
// scripts and a CSP that forbids any request. The PDF is this page printed by Chromium.
import type { ReportAnnotation, ReportFrame, ReportSegment, ReviewReportV1 } from '../../api/schemas-reports';
import { REVIEWER_ROLE_LABELS as ROLE_LABELS } from '../../api/schemas';
import { AI_DISCLAIMER } from '../../api/schemas-reports';
import { printedFrames } from './report-document';
import { REPORT_CSS as CSS } from './report-css';
import { formatDuration, formatTimecode } from './timecode';
import { assessmentSection } from './report-assessment-html';
import { teachingSection } from './report-teaching';
import { annotationShapes, esc, n } from './annotation-svg';

export { esc };

export interface HtmlOptions {
  paperSize?: 'A4' | 'Letter';
  /** Only the first page (for the dialog's preview): everything after it is left out. */
  firstPageOnly?: boolean;
}

/** The frame image bytes by sha256. */
export type FrameImages = ReadonlyMap<string, { data: Uint8Array; mime: string }>;

export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'";

function dataUrl(img: { data: Uint8Array; mime: string }): string {
  return `data:${img.mime};base64,${Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength).toString('base64')}`;
}

const KIND_NAMES: Record<ReportAnnotation['kind'], string> = { box: 'Box', ellipse: 'Ellipse', arrow: 'Arrow', freehand: 'Freehand', text: 'Text' };

function dateTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function frameFigure(f: ReportFrame, images: FrameImages): string {
  const img = images.get(f.sha256);
  const ratio = `${f.width} / ${f.height}`;
  // At most 105 mm tall on paper, so the frame, its tags and a full Final Answer share one page.
  const style = `aspect-ratio: ${ratio}; max-width: calc(105mm * ${f.width} / ${f.height});`;
  const overlay = annotationShapes(f.annotations, f.width, f.height);
  return (
    `<div class="frame-figure" style="${style}">` +
    (img ? `<img src="${dataUrl(img)}" width="${f.width}" height="${f.height}" alt="Frame ${esc(f.frameIndex ?? f.id)}">` : `<div class="missing">Image not available</div>`) +
    `<svg class="overlay" viewBox="0 0 ${f.width} ${f.height}" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, Arial, Helvetica, sans-serif">${overlay}</svg>` +
    `</div>`
  );
}

function annotationList(f: ReportFrame, showAuthors: boolean): string {
  if (f.annotations.length === 0) return '';
  const items = f.annotations
    .map((a, i) => {
      const text = a.kind === 'text' ? ` “${esc(a.geometry.text)}”` : '';
      const [x, y, w, h] = a.pixelBox;
      const where = a.kind === 'text' ? `at ${n(x)}, ${n(y)} px` : `${n(w)} × ${n(h)} px at ${n(x)}, ${n(y)}`;
      const by = showAuthors && a.author ? ` · ${esc(a.author)}` : '';
      return `<li><span class="swatch" style="background:${esc(a.color)}"></span><b>${i + 1}</b> ${KIND_NAMES[a.kind]}${a.displayLabel ? ` — ${esc(a.displayLabel)}` : ''}${text} <span class="muted">(${where}${by})</span></li>`;
    })
    .join('');
  return `<ul class="annotations">${items}</ul>`;
}

function tagChips(tags: ReportFrame['tags']): string {
  if (tags.length === 0) return '';
  return `<p class="tags">${tags.map((t) => `<span class="chip chip-${esc(t.kind)}"><span class="chip-kind">${esc(t.kind)}</span> ${esc(t.label)}</span>`).join(' ')}</p>`;
}

function analysisBlock(a: ReportFrame['analyses'][number], thinking: boolean): string {
  const p = a.provenance;
  const engine = p.serverUrl ? `remote (${esc(p.remoteModel ?? p.modelName)})` : esc(p.device);
  return (
    `<div class="ai">` +
    `<p class="ai-label">${esc(AI_DISCLAIMER)}</p>` +
    `<p class="ai-model">Model: ${esc(p.modelName)} · ${esc(a.modelShortHash)} · ${engine} · ${esc(dateTime(a.completedAt))}</p>` +
    (thinking && a.thinking ? `<h4>Thinking Process</h4><div class="text thinking">${esc(a.thinking)}</div>` : '') +
    `<h4>Final Answer</h4><div class="text answer">${esc(a.answer)}</div>` +
    turnsBlock(a.turns) +
    `</div>`
  );
}

/** The follow-up questions about the frame, inside the AI block (under its label). */
function turnsBlock(turns: ReportFrame['analyses'][number]['turns']): string {
  if (turns.length === 0) return '';
  const status = (t: (typeof turns)[number]) => (t.status === 'completed' ? '' : `<p class="muted">${t.status === 'cancelled' ? 'Cancelled by the reviewer; partial answer.' : `Failed: ${esc(t.error ?? '')}`}</p>`);
  return (
    `<h4>Follow-up questions</h4>` +
    turns.map((t) => `<div class="turn"><p class="question"><strong>Q${t.position}.</strong> ${esc(t.question)}</p><div class="text answer">${esc(t.answer)}</div>${status(t)}</div>`).join('')
  );
}

function notesBlock(notes: ReportFrame['notes'], showAuthors: boolean): string {
  if (notes.length === 0) return '';
  return (
    `<div class="notes"><h4>Reviewer notes</h4>` +
    notes.map((x) => `<div class="note"><div class="text">${esc(x.text)}</div><p class="muted">${showAuthors && x.author ? `${esc(x.author)} · ` : ''}${esc(dateTime(x.updatedAt))}</p></div>`).join('') +
    `</div>`
  );
}

function frameSection(doc: ReviewReportV1, f: ReportFrame, index: number, images: FrameImages): string {
  const completed = f.analyses.filter((a) => a.status === 'completed');
  const others = f.analyses.length - completed.length;
  const title = f.frameIndex !== null ? `${f.timecode} · frame ${f.frameIndex}` : `Still image ${index}`;
  return (
    `<section class="frame page-break" id="frame-${f.id}">` +
    `<h2><span class="frame-no">${index}</span> ${esc(title)}</h2>` +
    frameFigure(f, images) +
    `<p class="frame-meta">Timecode ${esc(f.timecode)} · frame index ${esc(f.frameIndex ?? '—')} · ${f.width} × ${f.height} px${f.sourceName ? ` · ${esc(f.sourceName)}` : ''}</p>` +
    annotationList(f, doc.fields.reviewer) +
    tagChips(f.tags) +
    completed.map((a) => analysisBlock(a, doc.fields.thinking)).join('') +
    (others > 0 ? `<p class="muted">${others} cancelled or failed analysis run${others === 1 ? '' : 's'} not shown (kept in the JSON report).</p>` : '') +
    notesBlock(f.notes, doc.fields.reviewer) +
    `</section>`
  );
}

function timelineFigure(doc: ReviewReportV1, shown: readonly ReportFrame[]): string {
  const segs = doc.segments;
  const model = doc.phaseTimeline;
  const samples = model?.samples ?? [];
  // Times from the first frame (media times minus the video's start), like every timecode of the app.
  const origin = doc.video?.startSeconds ?? 0;
  const times = shown.map((f) => f.mediaTime).filter((t): t is number => t !== null);
  const duration = Math.max(doc.video?.durationSeconds ?? 0, ...segs.map((s) => s.endTime - origin), ...samples.map((s) => s.time - origin), ...times.map((t) => t - origin), 0.001);
  const W = 1000;
  const x = (t: number) => (Math.min(Math.max(t - origin, 0), duration) / duration) * W;
  const caption = (y: number, text: string) => `<text x="0" y="${y}" font-size="11" fill="#444">${esc(text)}</text>`;
  const bar = (x0: number, x1: number, y: number, h: number, colour: string, label: string) => {
    const w = Math.max(1.5, x1 - x0);
    const text = w > 60 ? `<text x="${n(x0 + 4)}" y="${n(y + h / 2 + 4.5)}" font-size="12" fill="${textColourOn(colour)}">${esc(label)}</text>` : '';
    return `<rect x="${n(x0)}" y="${y}" width="${n(w)}" height="${h}" fill="${esc(colour)}"><title>${esc(label)}</title></rect>${text}`;
  };
  let y = 14;
  let body = caption(y - 2, 'Reviewer’s phase segments');
  body += `<rect x="0" y="${y + 2}" width="${W}" height="24" fill="#e6e8eb"/>`;
  body += segs.map((s: ReportSegment) => bar(x(s.startTime), x(s.endTime), y + 2, 24, s.displayColor ?? '#888888', s.displayLabel)).join('');
  y += 26;
  if (model && samples.length) {
    // Each sample's phase holds until the next sample (the last one to the end of the video).
    y += 16;
    body += caption(y - 2, `Model phases, ${model.sampling === 'scene' ? 'at scene changes' : `a sample every ${n(model.intervalSeconds)} s`} (AI-generated)`);
    body += `<rect x="0" y="${y + 2}" width="${W}" height="18" fill="#f3f4f6"/>`;
    // Consecutive samples of one phase make one block.
    for (let i = 0; i < samples.length; ) {
      let j = i + 1;
      while (j < samples.length && samples[j]!.phase === samples[i]!.phase) j++;
      const s = samples[i]!;
      if (s.phase) body += bar(x(s.time), x(samples[j]?.time ?? origin + duration), y + 2, 18, s.color ?? '#888888', s.label);
      i = j;
    }
    y += 20;
  }
  const marks = times.map((t) => `<path d="M ${n(x(t))} ${y + 2} l -5 9 h 10 z" fill="#222"/>`).join('');
  const axis = y + 14;
  const ticks: string[] = [];
  const step = niceStep(duration);
  for (let t = 0; t <= duration + 1e-9; t += step) {
    const tx = n(x(origin + t));
    ticks.push(`<line x1="${tx}" y1="${axis}" x2="${tx}" y2="${axis + 4}" stroke="#666"/><text x="${tx}" y="${axis + 16}" font-size="11" fill="#444" text-anchor="middle">${esc(formatDuration(t))}</text>`);
  }
  const svg =
    `<svg class="timeline" viewBox="-20 0 ${W + 40} ${axis + 22}" xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, Arial, Helvetica, sans-serif">` +
    `${body}${marks}<line x1="0" y1="${axis}" x2="${W}" y2="${axis}" stroke="#666"/>${ticks.join('')}</svg>`;
  const legend = segs.length
    ? `<table class="legend segments"><thead><tr><th>Phase</th><th>Label</th><th>Start</th><th>End</th><th>Frames</th><th>Tags</th></tr></thead><tbody>${segs
        .map(
          (s) =>
            `<tr data-segment-id="${s.id}"><td><span class="swatch" style="background:${esc(s.displayColor ?? '#888')}"></span>${s.phaseLabel ? esc(s.phaseLabel) : '<span class="muted">—</span>'}</td>` +
            `<td>${s.label ? esc(s.label) : '<span class="muted">—</span>'}${s.note ? `<div class="muted">${esc(s.note)}</div>` : ''}</td>` +
            `<td>${esc(formatTimecode(s.startTime - origin))}</td><td>${esc(formatTimecode(s.endTime - origin))}</td><td>${s.startFrame}–${s.endFrame}</td>` +
            `<td>${s.tags.length ? s.tags.map((t) => esc(t.label)).join(', ') : '<span class="muted">—</span>'}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : `<p class="muted">No phase segments were marked in this review.</p>`;
  return `<section class="timeline-section"><h2>Phase segments</h2>${svg}<p class="muted">▲ frames shown in this report</p>${legend}${modelLegend(doc)}</section>`;
}

/** The model's phases: how many samples named each, and the share of the samples. */
function modelLegend(doc: ReviewReportV1): string {
  const t = doc.phaseTimeline;
  if (!t?.samples.length) return '';
  const counts = new Map<string, { label: string; color: string | null; count: number }>();
  for (const s of t.samples) {
    const key = s.phase ?? '';
    const c = counts.get(key) ?? { label: s.label, color: s.color, count: 0 };
    c.count++;
    counts.set(key, c);
  }
  const rows = [...counts.values()]
    .map(
      (c) =>
        `<tr><td><span class="swatch" style="background:${esc(c.color ?? '#ffffff')}"></span>${esc(c.label)}</td><td>${c.count}</td><td>${Math.round((c.count / t.samples.length) * 100)}%</td></tr>`,
    )
    .join('');
  const partial = t.state === 'done' ? '' : ` The analysis is ${esc(t.state === 'running' ? 'still running' : t.state)}: the timeline covers part of the video.`;
  return (
    `<p class="ai-label small">Model phase timeline — ${esc(AI_DISCLAIMER)}. ${t.samples.length} samples (${esc(t.method)}).${partial}</p>` +
    `<table class="legend"><thead><tr><th>Model phase</th><th>Samples</th><th>Share</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

function niceStep(duration: number): number {
  const target = duration / 8;
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]) if (s >= target) return s;
  return 3600;
}

/** Black or white, whichever reads better on a #rrggbb background. */
function textColourOn(hex: string): string {
  const v = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!v) return '#fff';
  const [r, g, b] = [v[1], v[2], v[3]].map((x) => parseInt(x!, 16) / 255);
  return 0.299 * r! + 0.587 * g! + 0.114 * b! > 0.6 ? '#111' : '#fff';
}

function summarySection(doc: ReviewReportV1, shown: readonly ReportFrame[]): string {
  const tagsTable = doc.summary.tags.length
    ? `<table class="summary"><thead><tr><th>Kind</th><th>Tag</th><th>Where</th></tr></thead><tbody>${doc.summary.tags
        .map((t) => {
          const onSegments = doc.segments.filter((s) => s.tags.some((x) => x.kind === t.kind && x.value === t.value)).map((s) => `segment ${s.phaseLabel ?? s.displayLabel}${s.label && s.phaseLabel ? ` (${s.label})` : ''}`);
          const where = [...(t.review ? ['whole review'] : []), ...t.frames.map(String), ...onSegments];
          return `<tr><td>${esc(t.kind)}</td><td>${esc(t.label)}</td><td>${esc(where.join(', '))}</td></tr>`;
        })
        .join('')}</tbody></table>`
    : `<p class="muted">No tags.</p>`;
  const findings = shown
    .map((f, i) => {
      const found = f.tags.filter((t) => t.kind === 'finding' || t.kind === 'severity').map((t) => esc(t.label));
      const answer = f.analyses.find((a) => a.status === 'completed')?.answer ?? '';
      const first = answer.split('\n').find((l) => l.trim()) ?? '';
      return `<tr><td>${i + 1}</td><td>${esc(f.timecode)}</td><td>${esc(f.frameIndex ?? '—')}</td><td>${f.annotations.length}</td><td>${found.join(', ') || '—'}</td><td>${first ? esc(first.length > 140 ? `${first.slice(0, 139)}…` : first) : '—'}</td></tr>`;
    })
    .join('');
  const findingsTable = shown.length
    ? `<table class="summary findings"><thead><tr><th>#</th><th>Timecode</th><th>Frame</th><th>Marks</th><th>Findings</th><th>AI Final Answer (first line)</th></tr></thead><tbody>${findings}</tbody></table><p class="ai-label small">${esc(AI_DISCLAIMER)} (last column)</p>`
    : `<p class="muted">No frames were captured in this review.</p>`;
  return `<section class="summary-section"><h2>Summary of tags and findings</h2>${tagsTable}${findingsTable}</section>`;
}

/** "Part 1 · name.mp4 · frames 0–44 · from 00:00:00.000 (0:02)", one line per part. */
function partsList(parts: NonNullable<NonNullable<ReviewReportV1['video']>['parts']>): string {
  return parts
    .map(
      (p) =>
        `<div class="part">Part ${p.index + 1}${p.fileName !== null ? ` · ${esc(p.fileName)}` : ''} · frames ${p.firstFrame}–${p.firstFrame + p.frameCount - 1} · from ${esc(formatTimecode(p.startSeconds))} (${esc(formatDuration(p.durationSeconds))})</div>`,
    )
    .join('');
}

function headerSection(doc: ReviewReportV1): string {
  const row = (label: string, value: string) => `<tr><th>${esc(label)}</th><td>${value}</td></tr>`;
  const hiddenValue = '<span class="muted">not included</span>';
  const v = doc.video;
  const by = doc.review.finalisedBy !== null ? ` by ${esc(doc.review.finalisedBy)}` : '';
  const role = doc.review.finalisedRole ? `, ${esc(ROLE_LABELS[doc.review.finalisedRole])}` : '';
  const status = doc.review.status === 'final' ? `Final (signed off${by}${role}, ${esc(dateTime(doc.review.finalisedAt))})` : 'Draft (not finalised)';
  return (
    `<header class="report-header"><h1>Cataract surgery review</h1>` +
    `<table class="header-table"><tbody>` +
    row('Case', `<b>${esc(doc.case.code)}</b>`) +
    row('Surgery date', doc.fields.surgeryDate ? esc(doc.case.surgeryDate ?? '—') : hiddenValue) +
    row('Eye', esc(doc.case.eye ?? '—')) +
    row('Surgeon', doc.case.surgeon !== null ? esc(doc.case.surgeon || '—') : hiddenValue) +
    row('Reviewer', doc.review.reviewer !== null ? esc(doc.review.reviewer || '—') : hiddenValue) +
    row('Video', v ? `${v.fileName !== null ? `${esc(v.fileName)} · ` : ''}${esc(formatDuration(v.durationSeconds))} · ${v.width} × ${v.height} · ${n(v.fps)} fps` : '—') +
    (v?.parts?.length ? row('Recorded in parts', partsList(v.parts)) : '') +
    row('Review status', status) +
    row('Exported', esc(dateTime(doc.generatedAt))) +
    (doc.case.notes ? row('Case notes', `<div class="text">${esc(doc.case.notes)}</div>`) : '') +
    `</tbody></table>` +
    `<p class="research-note">Research use only. Text marked “${esc(AI_DISCLAIMER)}” was written by a vision-language model and must not guide clinical decisions.</p>` +
    `</header>`
  );
}

function closingSection(doc: ReviewReportV1): string {
  const notes = doc.reviewNotes.length
    ? notesBlock(doc.reviewNotes, doc.fields.reviewer).replace('<h4>Reviewer notes</h4>', '<h2>Review notes</h2>')
    : `<h2>Review notes</h2><p class="muted">${doc.fields.notes ? 'No notes on the review as a whole.' : 'Notes were not included in this report.'}</p>`;
  const tags = doc.reviewTags.length ? `<h3>Tags on the whole review</h3>${tagChips(doc.reviewTags)}` : '';
  const signer = doc.signOff?.reviewer ? ` by <b>${esc(doc.signOff.reviewer)}</b>` : '';
  const signerRole = doc.signOff?.role ? ` (${esc(ROLE_LABELS[doc.signOff.role])})` : '';
  const sign = doc.signOff
    ? `<div class="signoff" data-testid="sign-off"><h2>Sign-off</h2><p>This review was finalised${signer}${signerRole} on <b>${esc(dateTime(doc.signOff.finalisedAt))}</b> and locked against changes.</p>` +
      `<table class="sign-table"><tbody><tr><th>Reviewer</th><td>${doc.signOff.reviewer ? esc(doc.signOff.reviewer) : '<span class="muted">not included</span>'}</td></tr>` +
      `<tr><th>Role</th><td>${doc.signOff.role ? esc(ROLE_LABELS[doc.signOff.role]) : '—'}</td></tr><tr><th>Finalised</th><td>${esc(dateTime(doc.signOff.finalisedAt))}</td></tr></tbody></table>` +
      `<div class="sign-lines"><div><span></span>Reviewer signature</div><div><span></span>Date</div></div></div>`
    : `<div class="signoff draft"><h2>Sign-off</h2><p>Draft: this review has not been finalised.</p></div>`;
  return `<section class="closing page-break">${notes}${tags}${sign}<p class="muted footer-note">${esc(doc.generator.name)} ${esc(doc.generator.version)} · report format ${esc(doc.format)} v${doc.version}</p></section>`;
}


/** The full report page. `images` holds every frame's bytes by sha256. */
export function renderReportHtml(doc: ReviewReportV1, images: FrameImages, options: HtmlOptions = {}): string {
  const paper = options.paperSize ?? 'A4';
  const css = CSS.replace('PAPER', paper === 'Letter' ? 'letter' : 'A4').replace('PAGEWIDTH', paper === 'Letter' ? '215.9mm' : '210mm');
  const shown = printedFrames(doc);
  const frames = shown.map((f, i) => frameSection(doc, f, i + 1, images)).join('');
  const rest = `<div class="after-first-page">${frames}${assessmentSection(doc)}${teachingSection(doc)}${closingSection(doc)}</div>`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="generator" content="${esc(doc.generator.name)} ${esc(doc.generator.version)}">` +
    `<title>Review report — ${esc(doc.case.code)}</title><style>${css}</style></head>` +
    `<body class="${options.firstPageOnly ? 'first-page-only' : ''}">` +
    headerSection(doc) +
    timelineFigure(doc, shown) +
    summarySection(doc, shown) +
    (options.firstPageOnly ? '' : rest) +
    `</body></html>`
  );
}
