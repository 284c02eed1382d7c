// The audit log as audit.list reads it, the same suite on the workstation's library on SQLite and on a real
// PostgreSQL server: newest first, by entity, by review (and kind), by kind, paged back with beforeId and limit.
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, listAudit } from '../../electron/core/audit/audit-store';
import type { WorkstationDb } from '../../electron/core/db/workstation-db';
import { seedReviewRows, STORE_BACKENDS } from '../fixtures/store-backends';

describe.each(STORE_BACKENDS)('the audit log on $name', (backend) => {
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  let db: Kysely<WorkstationDb>;
  let reviewA: number;
  let reviewB: number;
  beforeEach(async () => {
    db = await backend.fresh();
    reviewA = (await seedReviewRows(db, { code: 'A' })).reviewId;
    reviewB = (await seedReviewRows(db, { code: 'B' })).reviewId;
    const at = (n: number) => `2026-03-01T08:00:${String(n).padStart(2, '0')}.000Z`;
    const rows = [
      { entity: 'note', entityId: 1, reviewId: reviewA, action: 'create', before: null, after: { text: 'a' } },
      { entity: 'note', entityId: 1, reviewId: reviewA, action: 'update', before: { text: 'a' }, after: { text: 'b' } },
      { entity: 'annotation', entityId: 1, reviewId: reviewA, action: 'create', before: null, after: { label: 'rhexis' } },
      { entity: 'note', entityId: 2, reviewId: reviewB, action: 'create', before: null, after: { text: 'c' } },
      { entity: 'rubric', entityId: 7, reviewId: null, action: 'create', before: null, after: { id: 'dept' } },
      { entity: 'note', entityId: 1, reviewId: reviewA, action: 'delete', before: { text: 'b' }, after: null },
    ] as const;
    for (const [i, r] of rows.entries()) await appendAudit(db, { ...r, actor: i % 2 ? 'Dr B' : 'Dr A', at: at(i) });
  });

  const summary = (entries: Awaited<ReturnType<typeof listAudit>>) => entries.map((e) => `${e.entity}:${e.entityId}:${e.action}`);

  it('lists newest first, with the states before and after and who and when', async () => {
    const all = await listAudit(db, {});
    expect(summary(all)).toEqual(['note:1:delete', 'rubric:7:create', 'note:2:create', 'annotation:1:create', 'note:1:update', 'note:1:create']);
    expect(all[4]).toEqual({ id: all[4]!.id, entity: 'note', entityId: 1, reviewId: reviewA, action: 'update', before: { text: 'a' }, after: { text: 'b' }, actor: 'Dr B', at: '2026-03-01T08:00:01.000Z' });
  });

  it('filters by entity, by review and kind, by kind', async () => {
    expect(summary(await listAudit(db, { entity: 'note', entityId: 1 }))).toEqual(['note:1:delete', 'note:1:update', 'note:1:create']);
    expect(summary(await listAudit(db, { entity: 'annotation', entityId: 1 }))).toEqual(['annotation:1:create']);
    expect(summary(await listAudit(db, { reviewId: reviewA }))).toEqual(['note:1:delete', 'annotation:1:create', 'note:1:update', 'note:1:create']);
    expect(summary(await listAudit(db, { reviewId: reviewA, entity: 'annotation' }))).toEqual(['annotation:1:create']);
    expect(summary(await listAudit(db, { reviewId: reviewB }))).toEqual(['note:2:create']);
    expect(summary(await listAudit(db, { entity: 'rubric' }))).toEqual(['rubric:7:create']);
    expect(await listAudit(db, { reviewId: 999 })).toEqual([]);
  });

  it('pages back from an entry', async () => {
    const first = await listAudit(db, { reviewId: reviewA, limit: 2 });
    expect(summary(first)).toEqual(['note:1:delete', 'annotation:1:create']);
    const next = await listAudit(db, { reviewId: reviewA, limit: 2, beforeId: first.at(-1)!.id });
    expect(summary(next)).toEqual(['note:1:update', 'note:1:create']);
    expect(await listAudit(db, { reviewId: reviewA, limit: 2, beforeId: next.at(-1)!.id })).toEqual([]);
  });
});
