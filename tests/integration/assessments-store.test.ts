// A review's skill assessments and the library's rubric templates, the same suite on the workstation's library on
// SQLite and on a real PostgreSQL server: the self-assessment and the assessor's (decided by the role), step scores
// with moments and segments, areas of focus, a template change clearing the scores, department templates imported
// (the same twice a no-op, a changed one refused); each write one transaction with its audit row (a rubric's has no
// review; nothing written when the audit row cannot be), the same refusals word for word, a finalised review locked,
// rows going with their review's case.
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createAssessmentsStore, type Assessor, type AssessmentsStore } from '../../electron/core/assessment/assessments-store';
import { createRubricsStore, DEFAULT_RUBRIC, type RubricsStore } from '../../electron/core/assessment/rubrics-store';
import { spannedTurns } from '../../electron/core/db/kysely-dialects';
import type { WorkstationDb } from '../../electron/core/db/workstation-db';
import { createSegmentsStore } from '../../electron/core/reviews/segments-store';
import { auditRows, countRows, seedReviewRows, STORE_BACKENDS, type SeededRows, eachFreshLibrary, testAt } from '../fixtures/store-backends';

const PHACO = DEFAULT_RUBRIC;
const ATTENDING: Assessor = { name: 'Dr. Okafor', role: 'attending' };
const RESIDENT: Assessor = { name: 'Dr. Lee', role: 'resident' };
const DEPT = {
  id: 'dept-phaco',
  name: 'Department phaco',
  version: 1,
  scale: [
    { value: 1, label: 'Needs help' },
    { value: 2, label: 'Independent' },
  ],
  steps: [{ id: 'incision', name: 'Our incision' }],
};

describe.each(STORE_BACKENDS)('assessments on $name', (backend) => {
  let db: Kysely<WorkstationDb>;
  let r: SeededRows;
  let rubrics: RubricsStore;
  let store: AssessmentsStore;
  eachFreshLibrary(backend, (fresh) => {
    ({ db, r } = fresh);
    const { now } = fresh;
    rubrics = createRubricsStore(db, now);
    store = createAssessmentsStore(db, { rubrics, now });
  });

  const count = (table: 'assessments' | 'assessment_scores' | 'rubrics' | 'audit_log') => countRows(db, table);
  const reviewUpdatedAt = async (id = r.reviewId) => (await db.selectFrom('reviews').select('updated_at').where('id', '=', id).executeTakeFirstOrThrow()).updated_at;

  it('the assessor and the resident each score the review; each sees both, in the template’s step order, every change audited', async () => {
    const created = await store.setRubric(r.reviewId, PHACO.id, PHACO.version, ATTENDING);
    expect(created).toMatchObject({ reviewId: r.reviewId, self: null, myKind: 'assessor', rubrics: [PHACO] });
    // testAt(0): the template copied into the library; testAt(1): the assessment.
    expect(created.assessor).toEqual({ id: created.assessor!.id, reviewId: r.reviewId, kind: 'assessor', rubricId: PHACO.id, rubricVersion: PHACO.version, author: 'Dr. Okafor', authorRole: 'attending', focus: '', createdAt: testAt(1), updatedAt: testAt(1), scores: [] });
    expect(await db.selectFrom('rubrics').select(['rubric_id', 'version', 'source', 'imported_at', 'imported_by']).execute()).toEqual([{ rubric_id: PHACO.id, version: PHACO.version, source: 'builtin', imported_at: testAt(0), imported_by: 'Dr. Okafor' }]);
    const id = created.assessor!.id;

    const seg = await createSegmentsStore(db, () => testAt(50)).create({ reviewId: r.reviewId, startFrame: 40, endFrame: 90, startTime: 1.6, endTime: 3.6, phase: 'capsulorhexis' }, 'Dr. Okafor');
    await store.score({ reviewId: r.reviewId, stepId: 'rhexis-complete', value: 3, segmentId: seg.id }, ATTENDING);
    await store.score({ reviewId: r.reviewId, stepId: 'incision', value: 4, comment: 'Good architecture.', moment: { frameIndex: 30, mediaTime: 1.2 } }, ATTENDING);
    // A later comment keeps the score and the moment.
    const commented = await store.score({ reviewId: r.reviewId, stepId: 'incision', comment: 'A little long.' }, { name: ' Dr. Ade ', role: 'educator' });
    await store.score({ reviewId: r.reviewId, stepId: 'draping', value: 'preceptor' }, ATTENDING);
    const incision = { stepId: 'incision', value: 4, comment: 'A little long.', frameIndex: 30, mediaTime: 1.2, segmentId: null, updatedAt: testAt(4) };
    expect(commented.assessor).toMatchObject({ author: 'Dr. Ade', authorRole: 'educator', updatedAt: testAt(4) });
    const order = (ids: string[]) => [...ids].sort((a, b) => PHACO.steps.findIndex((s) => s.id === a) - PHACO.steps.findIndex((s) => s.id === b));

    const mine = await store.setFocus(r.reviewId, 'Nucleus rotation.', ATTENDING);
    expect(mine.assessor!.scores.map((s) => s.stepId)).toEqual(order(['rhexis-complete', 'incision', 'draping']));
    expect(mine.assessor!.scores.find((s) => s.stepId === 'incision')).toEqual(incision);
    expect(mine.assessor!.scores.find((s) => s.stepId === 'rhexis-complete')).toMatchObject({ value: 3, segmentId: seg.id, frameIndex: null, mediaTime: null, comment: '' });
    expect(mine.assessor).toMatchObject({ focus: 'Nucleus rotation.', author: 'Dr. Okafor', updatedAt: testAt(6) });
    // The same focus again changes nothing.
    await store.setFocus(r.reviewId, 'Nucleus rotation.', ATTENDING);

    await store.setRubric(r.reviewId, PHACO.id, PHACO.version, RESIDENT);
    const both = await store.score({ reviewId: r.reviewId, stepId: 'incision', value: 'na' }, RESIDENT);
    expect(both.myKind).toBe('self');
    expect(both.self).toMatchObject({ kind: 'self', author: 'Dr. Lee', authorRole: 'resident', scores: [{ stepId: 'incision', value: 'na' }] });
    expect(both.assessor!.scores.find((s) => s.stepId === 'incision')!.value).toBe(4);
    expect(await store.forReview(r.reviewId, { name: '', role: null })).toEqual({ ...both, myKind: null });

    const audit = await auditRows(db);
    expect(audit.map((a) => [a.entity, a.entityId, a.reviewId, a.action, a.actor, a.at])).toEqual([
      ['assessment', id, r.reviewId, 'create', 'Dr. Okafor', testAt(1)],
      ['segment', seg.id, r.reviewId, 'create', 'Dr. Okafor', testAt(50)],
      ['assessment', id, r.reviewId, 'update', 'Dr. Okafor', testAt(2)],
      ['assessment', id, r.reviewId, 'update', 'Dr. Okafor', testAt(3)],
      ['assessment', id, r.reviewId, 'update', 'Dr. Ade', testAt(4)],
      ['assessment', id, r.reviewId, 'update', 'Dr. Okafor', testAt(5)],
      ['assessment', id, r.reviewId, 'update', 'Dr. Okafor', testAt(6)],
      ['assessment', both.self!.id, r.reviewId, 'create', 'Dr. Lee', testAt(7)],
      ['assessment', both.self!.id, r.reviewId, 'update', 'Dr. Lee', testAt(8)],
    ]);
    expect(audit[0]).toMatchObject({ before: null, after: { kind: 'assessor', rubricId: PHACO.id, rubricVersion: PHACO.version, author: 'Dr. Okafor', authorRole: 'attending' } });
    expect(audit[4]).toMatchObject({ before: { kind: 'assessor', step: { ...incision, comment: 'Good architecture.', updatedAt: testAt(3) } }, after: { kind: 'assessor', step: incision, author: 'Dr. Ade' } });
    expect(audit[6]).toMatchObject({ before: { kind: 'assessor', focus: '' }, after: { kind: 'assessor', focus: 'Nucleus rotation.', author: 'Dr. Okafor' } });
    // The review was worked on last when its assessment last changed ("Recent").
    expect(await reviewUpdatedAt()).toBe(testAt(8));
  });

  it('imports a department template (its audit row has no review); the same again is a no-op, a changed one is refused', async () => {
    const entry = await rubrics.importText(JSON.stringify(DEPT), 'dept.json', 'Dr. Okafor');
    expect(entry).toMatchObject({ source: 'library', importedAt: testAt(0), importedBy: 'Dr. Okafor', template: { id: 'dept-phaco', marks: [{ id: 'na' }, { id: 'preceptor' }] } });
    const reordered = JSON.stringify({ steps: DEPT.steps, scale: DEPT.scale, version: 1, name: DEPT.name, id: DEPT.id });
    expect(await rubrics.importText(reordered, undefined, 'Dr. Lee')).toEqual(entry);
    expect(await rubrics.importText(JSON.stringify(PHACO), undefined, 'Dr. Lee')).toEqual({ template: PHACO, source: 'builtin', importedAt: null, importedBy: null });
    await expect(rubrics.importText(JSON.stringify({ ...DEPT, name: 'Renamed' }), undefined, 'Dr. Lee')).rejects.toThrow(
      'A different template "dept-phaco" version 1 is already in this library. Nothing was imported. Give the changed template "version": 2 (or its own id) and import it again.',
    );
    await expect(rubrics.importText(JSON.stringify({ ...PHACO, name: 'Changed' }), undefined, 'Dr. Lee')).rejects.toThrow(`A different template "${PHACO.id}" version ${PHACO.version} is already shipped with the app.`);
    await expect(rubrics.importText('not json {', 'dept.json', 'Dr. Lee')).rejects.toThrow(/^"dept\.json" is not a JSON file \(.*\)\. Export the template as JSON and import it again\.$/);
    await expect(rubrics.importText('[1]', undefined, 'Dr. Lee')).rejects.toThrow('The file is not a rubric template: it must be one JSON object with id, name, version, scale and steps.');
    await rubrics.importText(JSON.stringify({ ...DEPT, name: 'Department phaco', version: 2 }), undefined, 'Dr. Lee');
    await rubrics.importText(JSON.stringify({ ...DEPT, id: 'a-first', name: 'department phaco' }), undefined, 'Dr. Lee');
    expect((await rubrics.list()).map((e) => [e.source, e.template.id, e.template.version])).toEqual([
      ['builtin', PHACO.id, PHACO.version],
      ['library', 'a-first', 1],
      ['library', 'dept-phaco', 2],
      ['library', 'dept-phaco', 1],
    ]);
    expect(await rubrics.get('dept-phaco', 2)).toMatchObject({ version: 2 });
    await expect(rubrics.get('nope', 1)).rejects.toThrow('There is no rubric template "nope" version 1 in this library. Import it first.');
    const audit = await auditRows(db);
    expect(audit).toHaveLength(3);
    expect(audit[0]).toEqual({ entity: 'rubric', entityId: expect.any(Number) as number, reviewId: null, action: 'create', before: null, after: { rubricId: 'dept-phaco', version: 1, name: 'Department phaco', steps: 1, fileName: 'dept.json' }, actor: 'Dr. Okafor', at: testAt(0) });
    expect(await count('rubrics')).toBe(3);

    // Scored with it; changing the template clears the scores (audited with the assessment as it was).
    await store.setRubric(r.reviewId, 'dept-phaco', 1, ATTENDING);
    const scored = await store.score({ reviewId: r.reviewId, stepId: 'incision', value: 2 }, ATTENDING);
    const changed = await store.setRubric(r.reviewId, PHACO.id, PHACO.version, ATTENDING);
    expect(changed.assessor).toMatchObject({ id: scored.assessor!.id, rubricId: PHACO.id, scores: [] });
    expect(changed.rubrics).toEqual([PHACO]);
    const { scores: _scores, ...rest } = scored.assessor!;
    expect((await auditRows(db)).at(-1)).toMatchObject({ action: 'update', before: { ...rest, scores: [{ stepId: 'incision', value: 2 }] }, after: { rubricId: PHACO.id, scores: [] } });
    expect(await count('assessment_scores')).toBe(0);
  });

  it('refuses what the template does not allow, a foreign segment, a moment past the video, an unnamed reviewer, writing nothing', async () => {
    const name = `Set your name and role (resident, attending or educator) in Settings → Reviewer first: an assessment records who scored it, and the role decides whether it is a self-assessment.`;
    await expect(store.setRubric(r.reviewId, PHACO.id, PHACO.version, { name: ' ', role: 'attending' })).rejects.toThrow(name);
    await expect(store.score({ reviewId: r.reviewId, stepId: 'incision', value: 2 }, { name: 'Someone', role: null })).rejects.toThrow(name);
    await expect(store.score({ reviewId: r.reviewId, stepId: 'incision', value: 2 }, ATTENDING)).rejects.toThrow('Choose a rubric template first: this review has no assessment of yours yet.');
    await expect(store.setFocus(r.reviewId, 'x', ATTENDING)).rejects.toThrow('Choose a rubric template first');
    await expect(store.setRubric(r.reviewId, 'nope', 1, ATTENDING)).rejects.toThrow('There is no rubric template "nope" version 1 in this library. Import it first.');
    await expect(store.setRubric(999, PHACO.id, PHACO.version, ATTENDING)).rejects.toThrow('Review 999 does not exist (it may have been deleted).');
    await expect(store.forReview(999, ATTENDING)).rejects.toThrow('Review 999 does not exist (it may have been deleted).');
    expect([await count('assessments'), await count('rubrics'), await count('audit_log')]).toEqual([0, 0, 0]);

    await store.setRubric(r.reviewId, PHACO.id, PHACO.version, ATTENDING);
    const scale = PHACO.scale.map((s) => `${s.value} ${s.label}`).join(', ');
    await expect(store.score({ reviewId: r.reviewId, stepId: 'incision', value: 1 }, ATTENDING)).rejects.toThrow(`1 is not a score of "${PHACO.name}" (${scale}).`);
    await expect(store.score({ reviewId: r.reviewId, stepId: 'incision', value: 'maybe' as 'na' }, ATTENDING)).rejects.toThrow(`"maybe" is not an answer "${PHACO.name}" allows.`);
    await expect(store.score({ reviewId: r.reviewId, stepId: 'no-such-step', value: 2 }, ATTENDING)).rejects.toThrow(`"${PHACO.name}" has no step "no-such-step".`);
    const other = await seedReviewRows(db, { code: 'CAT-2' });
    const seg = await createSegmentsStore(db).create({ reviewId: other.reviewId, startFrame: 0, endFrame: 5, startTime: 0, endTime: 0.2, phase: null }, 'Dr. Okafor');
    await expect(store.score({ reviewId: r.reviewId, stepId: 'incision', segmentId: seg.id }, ATTENDING)).rejects.toThrow(`Segment ${seg.id} is not one of this review's phase segments.`);
    await expect(store.score({ reviewId: r.reviewId, stepId: 'incision', segmentId: 9999 }, ATTENDING)).rejects.toThrow("Segment 9999 is not one of this review's phase segments.");
    await expect(store.score({ reviewId: r.reviewId, stepId: 'incision', moment: { frameIndex: 250, mediaTime: 10 } }, ATTENDING)).rejects.toThrow('Frame 250 is past the end of the video (250 frames).');
    expect([await count('assessment_scores'), await count('audit_log')]).toEqual([0, 2]);
  });

  it('refuses every change to a finalised review, naming who signed it off; reading it still works', async () => {
    await store.setRubric(r.reviewId, PHACO.id, PHACO.version, ATTENDING);
    const before = await store.score({ reviewId: r.reviewId, stepId: 'incision', value: 4 }, ATTENDING);
    await sql`update reviews set status = 'final', finalised_at = ${'2026-02-02T09:30:00.000Z'}, finalised_by = 'Dr Bo', finalised_role = 'attending' where id = ${r.reviewId}`.execute(db);
    const locked = 'This review was finalised by Dr Bo (Attending surgeon) on 2026-02-02 09:30 UTC and is locked. Reopen it (with a reason) to change the assessment.';
    await expect(store.score({ reviewId: r.reviewId, stepId: 'incision', value: 5 }, ATTENDING)).rejects.toThrow(locked);
    await expect(store.setFocus(r.reviewId, 'x', ATTENDING)).rejects.toThrow(locked);
    await expect(store.setRubric(r.reviewId, PHACO.id, PHACO.version, RESIDENT)).rejects.toThrow(locked);
    expect(await store.forReview(r.reviewId, ATTENDING)).toEqual(before);
    expect([await count('assessments'), await count('audit_log')]).toEqual([1, 2]);
  });

  it('writes nothing when its audit row cannot be written (one transaction), the template’s copy included', async () => {
    await sql`drop table audit_log`.execute(db);
    await expect(store.setRubric(r.reviewId, PHACO.id, PHACO.version, ATTENDING)).rejects.toThrow();
    await expect(rubrics.importText(JSON.stringify(DEPT), undefined, 'Dr. Okafor')).rejects.toThrow();
    expect([await count('assessments'), await count('rubrics')]).toEqual([0, 0]);
    expect(await reviewUpdatedAt()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('goes with its review’s case; a deleted segment leaves the score', async () => {
    await store.setRubric(r.reviewId, PHACO.id, PHACO.version, ATTENDING);
    const seg = await createSegmentsStore(db).create({ reviewId: r.reviewId, startFrame: 0, endFrame: 5, startTime: 0, endTime: 0.2, phase: null }, 'Dr. Okafor');
    await store.score({ reviewId: r.reviewId, stepId: 'incision', value: 3, segmentId: seg.id }, ATTENDING);
    await createSegmentsStore(db).delete(seg.id, 'Dr. Okafor');
    expect((await store.forReview(r.reviewId, ATTENDING)).assessor!.scores).toMatchObject([{ stepId: 'incision', value: 3, segmentId: null }]);
    await sql`delete from cases where id = ${r.caseId}`.execute(db);
    expect([await count('assessments'), await count('assessment_scores'), await count('rubrics')]).toEqual([0, 0, 1]);
  });

  it('kept every transaction within one turn of the event loop', () => {
    expect(spannedTurns.count).toBe(0);
  });
});
