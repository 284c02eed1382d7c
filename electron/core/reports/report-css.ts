// The report's print stylesheet (report-html.ts fills in PAPER and PAGEWIDTH).
export const REPORT_CSS = `
@page {
  size: PAPER;
  margin: 14mm 14mm 16mm 14mm;
  @bottom-left { content: "Research use only: AI text is not for clinical decisions"; font: 7.5pt "DejaVu Sans", Arial, sans-serif; color: #666; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 7.5pt "DejaVu Sans", Arial, sans-serif; color: #666; }
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 10pt; line-height: 1.4; color: #111; background: #fff; }
@media screen { body { max-width: PAGEWIDTH; margin: 0 auto; padding: 14mm; } section.page-break { border-top: 1px dashed #bbb; margin-top: 10mm; padding-top: 8mm; } }
@media print { .page-break { break-before: page; } }
h1 { font-size: 18pt; margin: 0 0 4mm; }
h2 { font-size: 13pt; margin: 5mm 0 2.5mm; }
h3 { font-size: 11pt; margin: 4mm 0 2mm; }
h4 { font-size: 10pt; margin: 2.5mm 0 1mm; }
section.frame h2 { margin-top: 0; }
.frame-no { display: inline-block; min-width: 7mm; padding: 0 1.5mm; border-radius: 2mm; background: #111; color: #fff; text-align: center; }
.header-table { border-collapse: collapse; width: 100%; }
.header-table th { text-align: left; width: 32mm; color: #555; font-weight: 600; padding: 1mm 2mm 1mm 0; vertical-align: top; }
.header-table td { padding: 1mm 0; }
.research-note { border-left: 1.2mm solid #b45309; padding: 1.5mm 3mm; background: #fff7ed; margin: 4mm 0; }
.timeline { width: 100%; height: auto; display: block; }
table.legend, table.summary { border-collapse: collapse; width: 100%; margin: 2mm 0; font-size: 9pt; }
table.legend th, table.legend td, table.summary th, table.summary td { border-bottom: 0.3mm solid #ddd; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
table.summary thead, table.legend thead { display: table-header-group; }
table.summary tr, table.legend tr { break-inside: avoid; }
/* Segments: phase, times and frames on one line; the label keeps room for a short name; the tags take what is left. */
table.segments th, table.segments td:nth-child(1), table.segments td:nth-child(3), table.segments td:nth-child(4), table.segments td:nth-child(5) { white-space: nowrap; }
table.segments td:nth-child(2) { min-width: 40mm; }
.swatch { display: inline-block; width: 3mm; height: 3mm; border-radius: 0.6mm; margin-right: 1.5mm; vertical-align: -0.3mm; }
.frame-figure { position: relative; width: 100%; margin: 0 auto 2mm; background: #000; }
.frame-figure img, .frame-figure .overlay { position: absolute; inset: 0; width: 100%; height: 100%; display: block; }
.frame-figure .missing { position: absolute; inset: 0; color: #fff; display: flex; align-items: center; justify-content: center; }
.frame-meta { color: #333; margin: 1mm 0; font-variant-numeric: tabular-nums; }
ul.annotations { list-style: none; padding: 0; margin: 1mm 0; font-size: 9pt; }
ul.annotations li { margin: 0.5mm 0; }
.tags { margin: 1.5mm 0; }
.chip { display: inline-block; border: 0.3mm solid #bbb; border-radius: 3mm; padding: 0.3mm 2mm; margin: 0 1mm 1mm 0; font-size: 8.5pt; }
.chip-kind { color: #666; }
.ai { border: 0.4mm solid #b45309; border-radius: 1.5mm; padding: 2mm 3mm; margin: 2mm 0; break-inside: avoid; }
.ai-label { display: inline-block; font-weight: 700; color: #7c2d12; background: #ffedd5; padding: 0.3mm 2mm; border-radius: 1mm; margin: 0 0 1mm; font-size: 8.5pt; }
.ai-label.small { font-weight: 400; }
.ai-model { color: #555; font-size: 8.5pt; margin: 0 0 1mm; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
.thinking { color: #444; font-size: 9pt; }
.turn { border-top: 0.2mm solid #e5c9a8; padding-top: 1mm; margin-top: 1.5mm; }
.turn .question { margin: 0 0 0.5mm; }
.notes .note { border-left: 0.8mm solid #2563eb; padding: 0.5mm 2.5mm; margin: 1.5mm 0; }
.muted { color: #666; font-size: 8.5pt; margin: 0.5mm 0; }
.signoff { margin-top: 6mm; border: 0.4mm solid #111; padding: 3mm 4mm; break-inside: avoid; }
.signoff.draft { border-style: dashed; color: #555; }
.sign-table { margin-top: 2mm; }
.sign-table th { text-align: left; padding-right: 4mm; font-weight: 600; }
.sign-lines { display: flex; gap: 10mm; margin-top: 10mm; }
.sign-lines div { flex: 1; border-top: 0.3mm solid #111; padding-top: 1mm; font-size: 8.5pt; color: #555; }
.footer-note { margin-top: 6mm; }
body.first-page-only .after-first-page { display: none; }
/* Skill assessment: the self-assessment and the assessor's score side by side. */
table.assessment-table td.no { width: 6mm; color: #555; }
table.assessment-table td.step { min-width: 45mm; }
table.assessment-table th.score, table.assessment-table td.score { white-space: nowrap; width: 28mm; }
table.assessment-table td.score.mark { color: #555; font-style: italic; }
table.assessment-table td.score.none { color: #999; }
table.assessment-table .by { font-weight: 400; font-size: 8pt; }
table.assessment-table tr.group th { background: #f3f4f6; font-size: 8.5pt; color: #333; }
table.assessment-table .comment { margin: 0 0 0.8mm; font-size: 8.5pt; }
table.assessment-table .comment .kind { color: #555; font-weight: 600; }
/* Teaching mode: the resident's response, the model's analysis and the note side by side. */
table.teaching-table td { vertical-align: top; width: 30%; font-size: 8.5pt; }
table.teaching-table td.where { width: 10%; white-space: nowrap; }
table.teaching-table p { margin: 0 0 0.8mm; }
table.teaching-table .response + .response { border-top: 0.2mm solid #ddd; padding-top: 1mm; }
.focus { border-left: 0.8mm solid #15803d; padding: 0.5mm 2.5mm; margin: 2mm 0; }
`;
