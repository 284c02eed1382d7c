// Structured skill assessment on an in-memory library: the default phaco template, self-assessment and assessor's
// scores decided by the role in Settings, moments and segments, audit rows, the review lock, template import
// (validated, nothing changed on bad input, kept in the library), the trainee page's data, and the scores in the
// report's JSON (against the schema file), CSV and HTML; migration 0012 on a library written before it.
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import BetterSqlite3 from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ReviewerRole } from '../../electron/api/schemas';
import { ReviewReportV1, DEFAULT_REPORT_FIELDS, type ReportFields } from '../../electron/api/schemas-reports';
import { createAssessmentServices, type AssessmentServices } from '../../electron/core/assessment/assessment-services';
import { DEFAULT_RUBRIC } from '../../electron/core/assessment/rubrics-store';
import { createCasesStore } from '../../electron/core/cases/cases-store';
import { workstationKysely } from '../../electron/core/db/workstation-db';
import { migrate } from '../../electron/core/db/migrate';
import { MIGRATIONS } from '../../electron/core/db/migrations/index';
import { assessmentCsv } from '../../electron/core/reports/report-assessment';
import { buildReportDocument } from '../../electron/core/reports/report-document';
import { renderReportHtml } from '../../electron/core/reports/report-html';
import { createReviewServices, type ReviewServices } from '../../electron/core/reviews/review-services';
import { createReviewsStore } from '../../electron/core/reviews/reviews-store';
import { TAXONOMY } from '../../electron/core/taxonomy/taxonomy';
import { csvObjects } from '../fixtures/report-readers';
import { seedReview, type SeededReview } from '../fixtures/review-library';

const REPO = path.resolve(__dirname, '../..');
const PHACO = { rubricId: DEFAULT_RUBRIC.id, rubricVersion: DEFAULT_RUBRIC.version };

describe('skill assessment', () => {
  let db: BetterSqlite3.Database;
  let who: { name: string; role: ReviewerRole | null };
  let reviews: ReviewServices;
  let a: AssessmentServices;
  let r: SeededReview;
  const events: Array<{ name: string; payload: unknown }> = [];

  beforeEach(() => {
    db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db);
    events.length = 0;
    who = { name: 'Dr. Okafor', role: 'attending' };
    reviews = createReviewServices({ db, actor: () => who.name, identity: () => who });
    a = createAssessmentServices({ db, identity: () => who, emit: (name, payload) => events.push({ name, payload }) });
    r = seedReview(db, { code: 'ASSESS-1', frames: 2 });
  });
  const h = () => a.handlers;

  it('ships the default phaco template: the ICO-OSCAR scale (2–5), not applicable and done by preceptor, step names only', async () => {
    const list = await h()['rubrics.list']({});
    const phaco = list.find((e) => e.template.id === 'ico-oscar-phaco')!;
    expect(phaco.source).toBe('builtin');
    expect(phaco.template.scale).toEqual([
      { value: 2, label: 'Novice' },
      { value: 3, label: 'Beginner' },
      { value: 4, label: 'Advanced beginner' },
      { value: 5, label: 'Competent' },
    ]);
    expect(phaco.template.marks.map((m) => m.label)).toEqual(['Not applicable', 'Done by preceptor']);
    expect(phaco.template.steps.length).toBeGreaterThanOrEqual(14);
    expect(phaco.template.steps.map((s) => s.name)).toContain('Hydrodissection');
    expect(phaco.template.steps.every((s) => s.descriptors === undefined)).toBe(true);
  });

  it('an assessor and the resident score the same review; each sees both, with moments, segments and audit rows', async () => {
    const seg = await reviews.handlers['segments.create']({ reviewId: r.reviewId, startFrame: 40, endFrame: 90, startTime: 1.33, endTime: 3, phase: 'capsulorhexis' });
    await h()['assessments.setRubric']({ reviewId: r.reviewId, ...PHACO });
    await h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', value: 4, comment: 'Good architecture.', moment: { frameIndex: 30, mediaTime: 1 } });
    await h()['assessments.score']({ reviewId: r.reviewId, stepId: 'rhexis-complete', value: 3, segmentId: seg.id });
    await h()['assessments.score']({ reviewId: r.reviewId, stepId: 'draping', value: 'preceptor' });
    // A later comment keeps the score and the moment.
    const assessor = await h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', comment: 'Good architecture; a little long.' });
    expect(assessor.myKind).toBe('assessor');
    expect(assessor.assessor!.scores.find((s) => s.stepId === 'incision')).toMatchObject({ value: 4, comment: 'Good architecture; a little long.', frameIndex: 30, mediaTime: 1, segmentId: null });
    expect(assessor.assessor!.scores.find((s) => s.stepId === 'rhexis-complete')).toMatchObject({ value: 3, segmentId: seg.id });
    expect(assessor.assessor).toMatchObject({ author: 'Dr. Okafor', authorRole: 'attending' });
    expect(assessor.self).toBeNull();

    who = { name: 'Dr. Lee', role: 'resident' };
    const before = await h()['assessments.get']({ reviewId: r.reviewId });
    expect(before.myKind).toBe('self');
    await expect(async () => h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', value: 5 })).rejects.toThrow(/Choose a rubric template first/);
    await h()['assessments.setRubric']({ reviewId: r.reviewId, ...PHACO });
    await h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', value: 5 });
    await h()['assessments.score']({ reviewId: r.reviewId, stepId: 'draping', value: 'na' });
    const both = await h()['assessments.setFocus']({ reviewId: r.reviewId, focus: 'Capsulorhexis control.' });
    expect(both.self).toMatchObject({ author: 'Dr. Lee', authorRole: 'resident', focus: 'Capsulorhexis control.' });
    expect(both.self!.scores.map((s) => [s.stepId, s.value])).toEqual([
      ['draping', 'na'],
      ['incision', 5],
    ]);
    // The resident's scores did not touch the assessor's.
    expect(both.assessor!.scores.find((s) => s.stepId === 'incision')!.value).toBe(4);
    expect(both.rubrics.map((t) => t.id)).toEqual(['ico-oscar-phaco']);

    const audit = await reviews.audit.list({ reviewId: r.reviewId, entity: 'assessment' });
    expect(audit.length).toBe(2 + 4 + 3);
    expect(audit[0]).toMatchObject({ action: 'update', actor: 'Dr. Lee', after: { kind: 'self', focus: 'Capsulorhexis control.' } });
    expect(audit.at(-1)).toMatchObject({ action: 'create', actor: 'Dr. Okafor', after: { kind: 'assessor', rubricId: 'ico-oscar-phaco' } });
    expect(events.filter((e) => e.name === 'library.changed').every((e) => (e.payload as { entity: string }).entity === 'assessment')).toBe(true);
    // The template used was copied into the library.
    expect(db.prepare("SELECT source FROM rubrics WHERE rubric_id = 'ico-oscar-phaco'").get()).toEqual({ source: 'builtin' });
  });

  it('refuses what the template does not allow, a segment of another review, a moment past the video, and an unnamed reviewer', async () => {
    await h()['assessments.setRubric']({ reviewId: r.reviewId, ...PHACO });
    await expect(async () => h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', value: 1 })).rejects.toThrow(/1 is not a score of .*2 Novice, 3 Beginner/);
    await expect(async () => h()['assessments.score']({ reviewId: r.reviewId, stepId: 'no-such-step', value: 2 })).rejects.toThrow(/has no step "no-such-step"/);
    const other = seedReview(db, { code: 'OTHER-1' });
    const seg = await reviews.handlers['segments.create']({ reviewId: other.reviewId, startFrame: 0, endFrame: 5, startTime: 0, endTime: 0.2, phase: null, label: 'x' });
    await expect(async () => h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', segmentId: seg.id })).rejects.toThrow(/not one of this review's phase segments/);
    await expect(async () => h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', moment: { frameIndex: 300, mediaTime: 10 } })).rejects.toThrow(/past the end of the video \(300 frames\)/);
    await expect(async () => h()['assessments.setRubric']({ reviewId: r.reviewId, rubricId: 'nope', rubricVersion: 1 })).rejects.toThrow(/no rubric template "nope"/);
    who = { name: '', role: 'attending' };
    await expect(async () => h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', value: 2 })).rejects.toThrow(/Set your name and role .* in Settings/);
    who = { name: 'Someone', role: null };
    expect((await h()['assessments.get']({ reviewId: r.reviewId })).myKind).toBeNull();
    expect((await h()['assessments.get']({ reviewId: r.reviewId })).assessor!.scores).toEqual([]);
  });

  it('a finalised review refuses every assessment change, with who locked it; reopened, it takes them again', async () => {
    await h()['assessments.setRubric']({ reviewId: r.reviewId, ...PHACO });
    await h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', value: 4 });
    reviews.lock.finalise(r.reviewId);
    const locked = /finalised by Dr\. Okafor \(Attending surgeon\) .* locked\. Reopen it \(with a reason\) to change the assessment\./;
    await expect(async () => h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', value: 5 })).rejects.toThrow(locked);
    await expect(async () => h()['assessments.setFocus']({ reviewId: r.reviewId, focus: 'x' })).rejects.toThrow(locked);
    who = { name: 'Dr. Lee', role: 'resident' };
    await expect(async () => h()['assessments.setRubric']({ reviewId: r.reviewId, ...PHACO })).rejects.toThrow(locked);
    const after = await h()['assessments.get']({ reviewId: r.reviewId });
    expect(after.self).toBeNull();
    expect(after.assessor!.scores.map((s) => s.value)).toEqual([4]);
    reviews.lock.reopen(r.reviewId, 'Self-assessment to add');
    await h()['assessments.setRubric']({ reviewId: r.reviewId, ...PHACO });
    expect((await h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', value: 3 })).self!.scores[0]!.value).toBe(3);
  });

  it('imports a department template into the library; a bad file gets an actionable message and changes nothing', async () => {
    const mine = { id: 'dept-phaco', name: 'Department phaco', version: 1, scale: [{ value: 1, label: 'Needs help' }, { value: 2, label: 'Independent' }], steps: [{ id: 'incision', name: 'Our incision', descriptors: { '1': 'Needed the attending.', '2': 'Alone.' } }] };
    const count = () => (db.prepare('SELECT count(*) AS n FROM rubrics').get() as { n: number }).n;
    const bad: Array<[string, RegExp]> = [
      ['not json {', /"dept.json" is not a JSON file .* Export the template as JSON/],
      ['[1, 2]', /is not a rubric template: it must be one JSON object/],
      [JSON.stringify({ ...mine, scale: [{ value: 3, label: 'A' }, { value: 2, label: 'B' }] }), /scale: List the scale lowest score first/],
      [JSON.stringify({ ...mine, steps: [mine.steps[0], mine.steps[0]] }), /steps → 2 → id: Step id "incision" is used twice/],
      [JSON.stringify({ ...mine, steps: [{ ...mine.steps[0], descriptors: { '4': 'x' } }] }), /There is no score 4 on the scale \(1, 2\)/],
      [JSON.stringify({ ...mine, id: 'Has Spaces' }), /id: Use lower-case letters/],
      [JSON.stringify({ ...mine, steps: [] }), /A template has at least one step/],
      [JSON.stringify({ ...mine, extra: 1 }), /nothing was imported/],
    ];
    for (const [text, message] of bad) {
      await expect(async () => h()['rubrics.import']({ text, fileName: 'dept.json' }), text.slice(0, 40)).rejects.toThrow(message);
      expect(count()).toBe(0);
    }
    expect(await reviews.audit.list({ entity: 'rubric' })).toEqual([]);

    const entry = await h()['rubrics.import']({ text: JSON.stringify(mine), fileName: 'dept.json' });
    expect(entry).toMatchObject({ source: 'library', importedBy: 'Dr. Okafor', template: { id: 'dept-phaco', marks: [{ id: 'na' }, { id: 'preceptor' }] } });
    // The same template again (other key order) is the same one; a changed one needs a new version.
    const reordered = JSON.stringify({ steps: mine.steps, scale: mine.scale, version: 1, name: mine.name, id: mine.id });
    expect((await h()['rubrics.import']({ text: reordered })).template.id).toBe('dept-phaco');
    await expect(async () => h()['rubrics.import']({ text: JSON.stringify({ ...mine, name: 'Renamed' }) })).rejects.toThrow(/already in this library\. Nothing was imported\. Give the changed template "version": 2/);
    await expect(async () => h()['rubrics.import']({ text: JSON.stringify({ ...DEFAULT_RUBRIC, name: 'Changed' }) })).rejects.toThrow(/shipped with the app/);
    expect(count()).toBe(1);
    expect(await reviews.audit.list({ entity: 'rubric' })).toHaveLength(1);
    expect((await h()['rubrics.list']({})).map((e) => e.template.id)).toEqual(['ico-oscar-phaco', 'dept-phaco']);

    // Scored with it; changing the template clears the scores (audited).
    await h()['assessments.setRubric']({ reviewId: r.reviewId, rubricId: 'dept-phaco', rubricVersion: 1 });
    await h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', value: 2 });
    const changed = await h()['assessments.setRubric']({ reviewId: r.reviewId, ...PHACO });
    expect(changed.assessor).toMatchObject({ rubricId: 'ico-oscar-phaco', scores: [] });
  });

  it('lists trainees (the cases\' surgeons) and charts one trainee\'s reviews oldest first', async () => {
    const setSurgeon = (caseId: number, surgeon: string, date: string) => db.prepare('UPDATE cases SET surgeon = ?, surgery_date = ? WHERE id = ?').run(surgeon, date, caseId);
    setSurgeon(r.caseId, 'Dr. Lee', '2026-03-10');
    const r2 = seedReview(db, { code: 'ASSESS-2' });
    setSurgeon(r2.caseId, 'dr. lee ', '2026-02-01');
    const r3 = seedReview(db, { code: 'ASSESS-3' });
    setSurgeon(r3.caseId, 'Dr. Other', '2026-01-01');
    for (const [review, score] of [
      [r.reviewId, 4],
      [r2.reviewId, 3],
    ] as const) {
      await h()['assessments.setRubric']({ reviewId: review, ...PHACO });
      await h()['assessments.score']({ reviewId: review, stepId: 'incision', value: score });
    }
    const list = await h()['trainees.list']({});
    expect(list).toEqual([
      { surgeon: 'Dr Test', cases: 0, reviews: 0, assessed: 0 },
      { surgeon: 'Dr. Lee', cases: 2, reviews: 2, assessed: 2 },
      { surgeon: 'Dr. Other', cases: 1, reviews: 1, assessed: 0 },
    ].filter((t) => t.cases > 0));
    const lee = await h()['trainees.get']({ surgeon: 'DR. LEE' });
    expect(lee.surgeon).toBe('Dr. Lee');
    expect(lee.reviews.map((x) => [x.caseCode, x.date, x.assessor?.scores])).toEqual([
      ['ASSESS-2', '2026-02-01', [{ stepId: 'incision', value: 3 }]],
      ['ASSESS-1', '2026-03-10', [{ stepId: 'incision', value: 4 }]],
    ]);
    expect(lee.rubrics.map((t) => t.id)).toEqual(['ico-oscar-phaco']);
    await expect(async () => h()['trainees.get']({ surgeon: 'Nobody' })).rejects.toThrow(/No case names "Nobody"/);
  });

  it('puts both assessments in the report: JSON (valid against the schema file), assessment.csv and the HTML table; names only when included', async () => {
    const seg = await reviews.handlers['segments.create']({ reviewId: r.reviewId, startFrame: 40, endFrame: 90, startTime: 1.33, endTime: 3, phase: 'capsulorhexis' });
    await h()['assessments.setRubric']({ reviewId: r.reviewId, ...PHACO });
    await h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', value: 4, comment: '=Good, "tidy"', moment: { frameIndex: 30, mediaTime: 1 } });
    await h()['assessments.score']({ reviewId: r.reviewId, stepId: 'rhexis-complete', value: 'preceptor', segmentId: seg.id });
    await h()['assessments.setFocus']({ reviewId: r.reviewId, focus: 'Nucleus rotation.' });
    who = { name: 'Dr. Lee', role: 'resident' };
    await h()['assessments.setRubric']({ reviewId: r.reviewId, ...PHACO });
    await h()['assessments.score']({ reviewId: r.reviewId, stepId: 'incision', value: 5 });

    const kase = await createCasesStore(workstationKysely(db)).get(r.caseId);
    const segments = await reviews.segments.list(r.reviewId);
    const audit = await reviews.audit.list({ reviewId: r.reviewId });
    const assessments = await a.assessments.forReview(r.reviewId, { name: '', role: null });
    const review = await createReviewsStore(workstationKysely(db)).get(r.reviewId);
    const doc = (fields: Partial<ReportFields>) =>
      buildReportDocument(
        {
          case: kase,
          review,
          video: null,
          frames: [],
          analyses: new Map(),
          annotations: [],
          tags: [],
          segments,
          notes: [],
          audit,
          taxonomy: TAXONOMY,
          timeline: null,
          assessments,
        },
        { ...DEFAULT_REPORT_FIELDS, ...fields },
        { generatedAt: new Date().toISOString(), appName: 'Test', appVersion: '0' },
      );
    const hidden = doc({});
    const json: unknown = JSON.parse(JSON.stringify(hidden));
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'resources', 'report-schema', 'review-report-v1.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
    expect(validate(json), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(ReviewReportV1.parse(json).assessments).toHaveLength(2);
    const [self, assessor] = hidden.assessments!;
    expect(self).toMatchObject({ kind: 'self', author: null, authorRole: 'resident' });
    expect(assessor).toMatchObject({ kind: 'assessor', author: null, authorRole: 'attending', focus: 'Nucleus rotation.', rubric: { id: 'ico-oscar-phaco', version: 1 } });
    expect(assessor!.steps).toHaveLength(DEFAULT_RUBRIC.steps.length);
    expect(assessor!.steps.find((s) => s.stepId === 'incision')).toMatchObject({ value: 4, label: 'Advanced beginner', frameIndex: 30, timecode: '00:00:01.000' });
    expect(assessor!.steps.find((s) => s.stepId === 'rhexis-complete')).toMatchObject({ value: 'preceptor', label: 'Done by preceptor', segmentId: seg.id, segmentLabel: 'Capsulorhexis' });
    expect(JSON.stringify(json)).not.toContain('Dr. Okafor');
    expect(JSON.stringify(json)).not.toContain('Dr. Lee');
    expect(doc({ reviewer: true }).assessments!.map((x) => x.author)).toEqual(['Dr. Lee', 'Dr. Okafor']);

    const rows = csvObjects(assessmentCsv(hidden));
    expect(rows).toHaveLength(2 * DEFAULT_RUBRIC.steps.length);
    expect(Object.keys(rows[0]!)).not.toContain('author');
    const incision = rows.filter((x) => x.step_id === 'incision');
    expect(incision.map((x) => [x.assessment, x.score, x.score_label])).toEqual([
      ['self', '5', 'Competent'],
      ['assessor', '4', 'Advanced beginner'],
    ]);
    expect(incision[1]).toMatchObject({ comment: '\'=Good, "tidy"', timecode: '00:00:01.000', author_role: 'Attending surgeon', areas_of_focus: 'Nucleus rotation.' });
    expect(csvObjects(assessmentCsv(doc({ reviewer: true })))[0]).toMatchObject({ author: 'Dr. Lee' });

    const html = renderReportHtml(hidden, new Map());
    expect(html).toContain('<h2>Skill assessment</h2>');
    expect(html).toMatch(/<tr data-step="incision"><td class="no">2<\/td><td class="step">Incision and paracentesis<\/td><td class="score" data-value="5"><b>5<\/b> Competent<\/td><td class="score" data-value="4"><b>4<\/b> Advanced beginner<\/td>/);
    expect(html).toContain('Areas of focus — Assessor');
    // A review without an assessment has no section.
    expect(renderReportHtml({ ...hidden, assessments: [] }, new Map())).not.toContain('data-testid="report-assessment"');
  });

  it('migration 0012 keeps the audit log (rows and ids) of a library written before it', () => {
    const old = new BetterSqlite3(':memory:');
    old.pragma('foreign_keys = ON');
    migrate(old, { migrations: MIGRATIONS.filter((m) => m.version < 12) });
    expect(old.pragma('user_version', { simple: true })).toBe(11);
    const seeded = seedReview(old, { code: 'OLD-1' });
    old.prepare("INSERT INTO audit_log (entity, entity_id, review_id, action, before_json, after_json, actor, at) VALUES ('note', 7, ?, 'create', NULL, '{}', 'A', 'x')").run(seeded.reviewId);
    const before = old.prepare('SELECT * FROM audit_log').all();
    migrate(old);
    expect(old.prepare('SELECT * FROM audit_log').all()).toEqual(before);
    old.prepare("INSERT INTO audit_log (entity, entity_id, review_id, action, before_json, after_json, actor, at) VALUES ('assessment', 1, NULL, 'update', NULL, NULL, 'A', 'x')").run();
    expect((old.prepare('SELECT max(id) AS id FROM audit_log').get() as { id: number }).id).toBeGreaterThan((before[0] as { id: number }).id);
  });
});
