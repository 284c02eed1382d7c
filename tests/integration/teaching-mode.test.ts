// Teaching mode on an in-memory library: an attending turns it on (a resident cannot), the resident's response on a
// frame and on a segment (audited, one per author and target, refused on a finalised review), the model's analysis
// and the attending's note withheld from the resident until they answered (reveal refuses), shown side by side after;
// the attending reads every response; the report's JSON (valid against the schema file), teaching.csv and HTML carry
// the three with who and when, names only when included; migration 0013 keeps the audit log.
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import BetterSqlite3 from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { requests } from '../../electron/api/contract';
import type { Provenance, ReviewerRole } from '../../electron/api/schemas';
import { DEFAULT_REPORT_FIELDS, ReviewReportV1, type ReportFields } from '../../electron/api/schemas-reports';
import { createAnalysesStore } from '../../electron/core/analysis/analyses-store';
import { createCasesStore } from '../../electron/core/cases/cases-store';
import { workstationKysely } from '../../electron/core/db/workstation-db';
import { migrate } from '../../electron/core/db/migrate';
import { MIGRATIONS } from '../../electron/core/db/migrations/index';
import { createFrameStore } from '../../electron/core/frames/frame-store';
import { createFramesRepo } from '../../electron/core/frames/frames-repo';
import { buildReportDocument } from '../../electron/core/reports/report-document';
import { renderReportHtml } from '../../electron/core/reports/report-html';
import { teachingCsv } from '../../electron/core/reports/report-teaching';
import { createReviewServices, type ReviewServices } from '../../electron/core/reviews/review-services';
import { createReviewsStore } from '../../electron/core/reviews/reviews-store';
import { TAXONOMY } from '../../electron/core/taxonomy/taxonomy';
import { createTeachingServices, type TeachingServices } from '../../electron/core/teaching/teaching-services';
import { csvObjects } from '../fixtures/report-readers';
import { seedAnalysis, seedReview, type SeededReview } from '../fixtures/review-library';

const REPO = path.resolve(__dirname, '../..');
const ATTENDING = { name: 'Dr. Okafor', role: 'attending' as const };
const RESIDENT = { name: 'Dr. Lee', role: 'resident' as const };
const PROVENANCE: Provenance = {
  engine: 'local',
  engineVersion: '3.0.0',
  llamaCppRelease: 'b1',
  device: 'cpu',
  modelFile: 'm.gguf',
  modelSha256: 'a'.repeat(64),
  mmprojFile: 'p.gguf',
  mmprojSha256: 'b'.repeat(64),
  modelName: 'MedGemma cataract (test)',
};

describe('teaching mode', () => {
  let db: BetterSqlite3.Database;
  let who: { name: string; role: ReviewerRole | null };
  let reviews: ReviewServices;
  let t: TeachingServices;
  let r: SeededReview;
  const events: Array<{ name: string; payload: unknown }> = [];
  const h = () => t.handlers;
  const frame = () => ({ frameId: r.frameIds[1]! });

  beforeEach(async () => {
    db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db);
    events.length = 0;
    who = { ...ATTENDING };
    reviews = createReviewServices({ db, actor: () => who.name, identity: () => who });
    t = createTeachingServices({ db, identity: () => who, emit: (name, payload) => events.push({ name, payload }) });
    r = seedReview(db, { code: 'TEACH-1', frames: 2 });
    const analysisId = seedAnalysis(db, r.frameIds[1]!, 'Enlarge the rhexis before phaco.', 'The rhexis is small.');
    const timings = { loadMs: null, encodeMs: 10, timeToFirstTokenMs: 20, decodeTokensPerSecond: 50, promptTokens: 300, generatedTokens: 12, totalMs: 400 };
    db.prepare('UPDATE analyses SET provenance_json = ?, params_json = ?, timings_json = ? WHERE id = ?').run(
      JSON.stringify(PROVENANCE),
      JSON.stringify({ maxTokens: 512, temperature: 0 }),
      JSON.stringify(timings),
      analysisId,
    );
    await reviews.handlers['notes.create']({ reviewId: r.reviewId, frameId: r.frameIds[1]!, text: 'Rhexis too small: watch the edge.' });
  });

  it('only an attending or educator turns teaching mode on; it is audited and tells open windows', async () => {
    who = { ...RESIDENT };
    await expect(async () => h()['teaching.setMode']({ reviewId: r.reviewId, on: true })).rejects.toThrow(/Only an attending or an educator/);
    who = { name: '', role: 'attending' };
    await expect(async () => h()['teaching.setMode']({ reviewId: r.reviewId, on: true })).rejects.toThrow(/Set your name and role/);
    who = { ...ATTENDING };
    const on = await h()['teaching.setMode']({ reviewId: r.reviewId, on: true });
    expect(on.mode).toMatchObject({ setBy: 'Dr. Okafor', setRole: 'attending' });
    expect(on.gated).toBe(false);
    expect((await reviews.audit.list({ reviewId: r.reviewId, entity: 'teaching' }))[0]).toMatchObject({ action: 'create', actor: 'Dr. Okafor' });
    expect(events.at(-1)).toMatchObject({ name: 'library.changed', payload: { entity: 'teaching', reviewId: r.reviewId } });
    who = { ...RESIDENT };
    expect((await h()['teaching.get']({ reviewId: r.reviewId })).gated).toBe(true);
    // A reviewer without a role answers first too (they may be the resident).
    who = { name: 'Someone', role: null };
    expect((await h()['teaching.get']({ reviewId: r.reviewId })).gated).toBe(true);
  });

  it('withholds the analysis and the note from the resident until they answer, then gives all three side by side', async () => {
    await h()['teaching.setMode']({ reviewId: r.reviewId, on: true });
    who = { ...RESIDENT };
    await expect(async () => h()['teaching.reveal']({ reviewId: r.reviewId, target: frame() })).rejects.toThrow(/write what you see and what you would do next on this frame first/);
    // The contract refuses an empty answer before any service sees it.
    expect(requests['teaching.respond'].input.safeParse({ reviewId: r.reviewId, target: frame(), seen: '   ', nextStep: 'x' }).error?.issues[0]?.message).toBe('Write what you see.');
    const s = await h()['teaching.respond']({ reviewId: r.reviewId, target: frame(), seen: 'A small capsulorhexis.', nextStep: 'Enlarge it before phaco.' });
    expect(s.responses).toHaveLength(1);
    expect(s.responses[0]).toMatchObject({ frameId: r.frameIds[1], author: 'Dr. Lee', authorRole: 'resident', seen: 'A small capsulorhexis.' });
    const shown = await h()['teaching.reveal']({ reviewId: r.reviewId, target: frame() });
    expect(shown.responses.map((x) => x.nextStep)).toEqual(['Enlarge it before phaco.']);
    expect(shown.analysis).toMatchObject({ answer: 'Enlarge the rhexis before phaco.', model: 'MedGemma cataract (test)', frameIndex: 30 });
    expect(shown.notes).toEqual([expect.objectContaining({ text: 'Rhexis too small: watch the edge.', author: 'Dr. Okafor' })]);
    // Another frame is still withheld; editing keeps one response (audited as an update).
    await expect(async () => h()['teaching.reveal']({ reviewId: r.reviewId, target: { frameId: r.frameIds[0]! } })).rejects.toThrow(/first/);
    await h()['teaching.respond']({ reviewId: r.reviewId, target: frame(), seen: 'A small rhexis, 4 mm.', nextStep: 'Enlarge it.' });
    expect((await reviews.audit.list({ reviewId: r.reviewId, entity: 'response' })).map((e) => e.action)).toEqual(['update', 'create']);

    // A second resident sees only their own; the attending reads both, any time.
    who = { name: 'Dr. Park', role: 'resident' };
    expect((await h()['teaching.get']({ reviewId: r.reviewId })).responses).toEqual([]);
    who = { ...ATTENDING };
    const all = await h()['teaching.reveal']({ reviewId: r.reviewId, target: frame() });
    expect(all.responses.map((x) => [x.author, x.seen])).toEqual([['Dr. Lee', 'A small rhexis, 4 mm.']]);
  });

  it('answers on a segment (the segment note and an analysis inside it), refuses a frame of another review, and respects the lock', async () => {
    const seg = await reviews.handlers['segments.create']({ reviewId: r.reviewId, startFrame: 20, endFrame: 40, startTime: 0.66, endTime: 1.33, phase: 'capsulorhexis', note: 'Tear started at 9 o’clock.' });
    await h()['teaching.setMode']({ reviewId: r.reviewId, on: true });
    who = { ...RESIDENT };
    await h()['teaching.respond']({ reviewId: r.reviewId, target: { segmentId: seg.id }, seen: 'A radial tear.', nextStep: 'Rescue with the Little manoeuvre.' });
    const shown = await h()['teaching.reveal']({ reviewId: r.reviewId, target: { segmentId: seg.id } });
    expect(shown.analysis?.frameIndex).toBe(30);
    expect(shown.notes).toEqual([expect.objectContaining({ kind: 'segment', text: 'Tear started at 9 o’clock.' })]);
    const other = seedReview(db, { code: 'TEACH-2', frames: 1 });
    await expect(async () => h()['teaching.respond']({ reviewId: r.reviewId, target: { frameId: other.frameIds[0]! }, seen: 'a', nextStep: 'b' })).rejects.toThrow(/does not belong/);

    who = { ...ATTENDING };
    db.prepare("UPDATE reviews SET status = 'final', finalised_at = '2026-12-01T10:00:00Z', finalised_by = 'Dr. Okafor', finalised_role = 'attending' WHERE id = ?").run(r.reviewId);
    who = { ...RESIDENT };
    await expect(async () => h()['teaching.respond']({ reviewId: r.reviewId, target: frame(), seen: 'a', nextStep: 'b' })).rejects.toThrow(/finalised by Dr. Okafor .* locked/);
    who = { ...ATTENDING };
    await expect(async () => h()['teaching.setMode']({ reviewId: r.reviewId, on: false })).rejects.toThrow(/locked/);
  });

  it('puts the three side by side in the report: JSON (valid against the schema file), teaching.csv and HTML; names only when included', async () => {
    await h()['teaching.setMode']({ reviewId: r.reviewId, on: true });
    who = { ...RESIDENT };
    await h()['teaching.respond']({ reviewId: r.reviewId, target: frame(), seen: '=A small capsulorhexis.', nextStep: 'Enlarge it before phaco.' });
    const frames = createFramesRepo(db, createFrameStore(fs.mkdtempSync('/tmp/teach-'))).listForReview(r.reviewId);
    const analyses = createAnalysesStore(workstationKysely(db));
    const kase = await createCasesStore(workstationKysely(db)).get(r.caseId);
    const notes = await reviews.notes.list(r.reviewId);
    const segments = await reviews.segments.list(r.reviewId);
    const audit = await reviews.audit.list({ reviewId: r.reviewId });
    const analysesByFrame = new Map(await Promise.all(frames.map(async (f) => [f.id, await analyses.listForFrame(f.id)] as const)));
    const teachingData = { mode: await t.teaching.mode(r.reviewId), responses: await t.teaching.allResponses(r.reviewId) };
    const review = await createReviewsStore(workstationKysely(db)).get(r.reviewId);
    const doc = (fields: Partial<ReportFields>) =>
      buildReportDocument(
        {
          case: kase,
          review,
          video: null,
          frames,
          analyses: analysesByFrame,
          annotations: [],
          tags: [],
          segments,
          notes,
          audit,
          taxonomy: TAXONOMY,
          timeline: null,
          teaching: teachingData,
        },
        { ...DEFAULT_REPORT_FIELDS, ...fields },
        { generatedAt: new Date().toISOString(), appName: 'Test', appVersion: '0' },
      );
    const hidden = doc({});
    const json: unknown = JSON.parse(JSON.stringify(hidden));
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'resources', 'report-schema', 'review-report-v1.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
    expect(validate(json), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const teaching = ReviewReportV1.parse(json).teaching!;
    expect(teaching.mode).toMatchObject({ setBy: null, setRole: 'attending' });
    expect(teaching.items).toHaveLength(1);
    expect(teaching.items[0]).toMatchObject({
      target: 'Frame 30',
      frameIndex: 30,
      responses: [{ author: null, authorRole: 'resident', seen: '=A small capsulorhexis.', nextStep: 'Enlarge it before phaco.' }],
      analysis: { answer: 'Enlarge the rhexis before phaco.', model: 'MedGemma cataract (test)' },
      notes: [{ author: null, text: 'Rhexis too small: watch the edge.' }],
    });
    expect(JSON.stringify(json)).not.toMatch(/Dr\. Lee|Dr\. Okafor/);
    const named = doc({ reviewer: true }).teaching!;
    expect([named.mode?.setBy, named.items[0]!.responses[0]!.author, named.items[0]!.notes[0]!.author]).toEqual(['Dr. Okafor', 'Dr. Lee', 'Dr. Okafor']);
    // Notes left out of the report are left out here too.
    expect(doc({ notes: false }).teaching!.items[0]!.notes).toEqual([]);

    const rows = csvObjects(teachingCsv(hidden));
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!)).not.toContain('resident');
    expect(rows[0]).toMatchObject({ target: 'Frame 30', resident_role: 'Resident', sees: "'=A small capsulorhexis.", analysis_answer: 'Enlarge the rhexis before phaco.', notes: 'Rhexis too small: watch the edge.' });
    expect(csvObjects(teachingCsv(doc({ reviewer: true })))[0]).toMatchObject({ resident: 'Dr. Lee', note_authors: 'Dr. Okafor' });

    const html = renderReportHtml(doc({ reviewer: true }), new Map());
    expect(html).toContain('data-testid="report-teaching"');
    const row = /<tr data-testid="report-teaching-row">(.*?)<\/tr>/s.exec(html)![1]!;
    expect(row).toContain('=A small capsulorhexis.');
    expect(row).toContain('Dr. Lee · Resident');
    expect(row).toContain('Enlarge the rhexis before phaco.');
    expect(row).toContain('research use only');
    expect(row).toContain('Rhexis too small: watch the edge.');
    // A review without responses has no section.
    expect(renderReportHtml({ ...hidden, teaching: undefined }, new Map())).not.toContain('data-testid="report-teaching"');
  });

  it('migration 0013 keeps the audit log (rows and ids) of a library written before it', () => {
    const old = new BetterSqlite3(':memory:');
    old.pragma('foreign_keys = ON');
    migrate(old, { migrations: MIGRATIONS.filter((m) => m.version < 13) });
    expect(old.pragma('user_version', { simple: true })).toBe(12);
    const seeded = seedReview(old, { code: 'OLD-1' });
    old.prepare("INSERT INTO audit_log (entity, entity_id, review_id, action, before_json, after_json, actor, at) VALUES ('assessment', 7, ?, 'create', NULL, '{}', 'A', 'x')").run(seeded.reviewId);
    const before = old.prepare('SELECT * FROM audit_log').all();
    migrate(old);
    expect(old.pragma('user_version', { simple: true })).toBe(13);
    expect(old.prepare('SELECT * FROM audit_log').all()).toEqual(before);
    old.prepare("INSERT INTO audit_log (entity, entity_id, review_id, action, before_json, after_json, actor, at) VALUES ('response', 1, NULL, 'create', NULL, NULL, 'A', 'x')").run();
    expect((old.prepare('SELECT max(id) AS id FROM audit_log').get() as { id: number }).id).toBeGreaterThan((before[0] as { id: number }).id);
  });
});
