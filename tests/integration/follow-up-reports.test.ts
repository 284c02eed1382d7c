// A two-question conversation on a captured frame (real services, the tiny model) in every report: the PDF and HTML
// show each question and answer inside the AI-labelled block, the JSON report carries the turns (and validates
// against the published schema), the analyses CSV has one row per turn.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AI_DISCLAIMER, ReviewReportV1 } from '../../electron/api/schemas-reports';
import type { AnalysisTurn } from '../../electron/api/schemas';
import { csvObjects, pdfText, squash } from '../fixtures/report-readers';
import { reportSuite } from '../fixtures/report-suite';

describe('follow-up questions in review reports', () => {
  const suite = reportSuite({ frames: 1, modelAnalyses: 1, caseCode: 'CAT-FU-001', finalise: false }, 'fu-reports-');
  const turns: AnalysisTurn[] = [];
  let files: Record<'pdf' | 'html' | 'json' | 'analyses', string>;

  beforeAll(async () => {
    const { s, fx } = suite;
    const analysisId = fx.analyses[0]!.id;
    for (const question of ['What is the main risk at this moment?', 'Which instrument is in use and where?']) {
      const { jobId } = await s.call('analysis.ask', { analysisId, question, maxTokens: 12 });
      const end = await s.waitFor('analysis.status', (p) => p.jobId === jobId && ['completed', 'failed', 'cancelled'].includes(p.status), 120_000);
      expect(end.status, end.message ?? '').toBe('completed');
      turns.push(end.turn!);
    }
    expect(turns[1]!.timings.imageEncoded).toBe(false);
    // Questions are asked while the review is a draft (a finalised one is locked), then it is signed off.
    await s.call('settings.update', { reviewerRole: 'attending' });
    await s.call('reviews.finalise', { id: fx.reviewId });
    await expect(s.call('analysis.ask', { analysisId, question: 'And now?', maxTokens: 4 })).rejects.toThrow(/finalised .* locked/);
    const out = suite.newFolder('all');
    const { end } = await suite.exportTo(out, ['pdf', 'html', 'json', 'csv']);
    expect(end.state, end.message ?? '').toBe('completed');
    const base = path.join(out, `${fx.caseCode}-review-${fx.reviewId}`);
    files = { pdf: `${base}.pdf`, html: `${base}.html`, json: `${base}.json`, analyses: `${base}-analyses.csv` };
  }, 300_000);

  it('PDF and HTML: each question and answer, after the AI label', () => {
    for (const text of [pdfText(files.pdf), fs.readFileSync(files.html, 'utf8')]) {
      const flat = squash(text.replace(/&#39;|&quot;|&amp;/g, (m) => ({ '&#39;': "'", '&quot;': '"', '&amp;': '&' })[m]!));
      const label = flat.indexOf(squash(AI_DISCLAIMER));
      expect(label).toBeGreaterThanOrEqual(0);
      expect(flat).toContain(squash('Follow-up questions'));
      for (const t of turns) {
        expect(flat.indexOf(squash(t.question))).toBeGreaterThan(label);
        if (t.answer.trim()) expect(flat).toContain(squash(t.answer));
      }
    }
  });

  it('JSON: the turns with their provenance and timings, valid against the report schema', () => {
    const doc = ReviewReportV1.parse(JSON.parse(fs.readFileSync(files.json, 'utf8')));
    const a = doc.frames[0]!.analyses.find((x) => x.status === 'completed')!;
    expect(a.turns.map((t) => [t.position, t.question, t.answer])).toEqual(turns.map((t) => [t.position, t.question, t.answer]));
    expect(a.turns[1]!.timings.encodeMs).toBe(0);
    expect(a.turns[0]!.provenance.promptLayout).toBe('gemma3-hf-chat-v2');
  });

  it('CSV: one row per turn after its analysis, with the question and the answer', () => {
    const rows = csvObjects(fs.readFileSync(files.analyses, 'utf8'));
    const forTurns = rows.filter((r) => r.turn !== '0');
    expect(forTurns.map((r) => [r.turn, r.question, r.final_answer])).toEqual(turns.map((t) => [String(t.position), t.question, t.answer]));
    expect(forTurns.every((r) => r.ai_notice === AI_DISCLAIMER)).toBe(true);
  });
});
