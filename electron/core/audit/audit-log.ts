// The audit log: one row per change to an annotation, tag, segment or note, written in the same transaction as
// the change itself (so a change without its audit row, or the reverse, cannot exist).
import type { Database, Statement } from 'better-sqlite3';
import type { AuditAction, AuditEntity, AuditEntry } from '../../api/schemas-review';

interface AuditRow {
  id: number;
  entity: AuditEntity;
  entity_id: number;
  review_id: number | null;
  action: AuditAction;
  before_json: string | null;
  after_json: string | null;
  actor: string;
  at: string;
}

export interface AuditRecord {
  entity: AuditEntity;
  entityId: number;
  reviewId: number | null;
  action: AuditAction;
  before: unknown;
  after: unknown;
  actor: string;
  at: string;
}

const parse = (s: string | null): unknown => (s === null ? null : (JSON.parse(s) as unknown));

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    entity: r.entity,
    entityId: r.entity_id,
    reviewId: r.review_id,
    action: r.action,
    before: parse(r.before_json),
    after: parse(r.after_json),
    actor: r.actor,
    at: r.at,
  };
}

export interface AuditQuery {
  reviewId?: number | undefined;
  entity?: AuditEntity | undefined;
  entityId?: number | undefined;
  beforeId?: number | undefined;
  limit?: number | undefined;
}

export function createAuditLog(db: Database) {
  const insert: Statement<[string, number, number | null, string, string | null, string | null, string, string]> = db.prepare(
    `INSERT INTO audit_log (entity, entity_id, review_id, action, before_json, after_json, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const lastDelete = db.prepare<[string, number], AuditRow>(
    `SELECT * FROM audit_log WHERE entity = ? AND entity_id = ? AND action = 'delete' ORDER BY id DESC LIMIT 1`,
  );
  const MAX = 2 ** 62;
  const byEntity = db.prepare<[string, number, number, number], AuditRow>(
    'SELECT * FROM audit_log WHERE entity = ? AND entity_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
  );
  const byReview = db.prepare<[number, number, number], AuditRow>('SELECT * FROM audit_log WHERE review_id = ? AND id < ? ORDER BY id DESC LIMIT ?');
  const byReviewEntity = db.prepare<[number, string, number, number], AuditRow>(
    'SELECT * FROM audit_log WHERE review_id = ? AND entity = ? AND id < ? ORDER BY id DESC LIMIT ?',
  );
  const all = db.prepare<[number, number], AuditRow>('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?');
  const allEntity = db.prepare<[string, number, number], AuditRow>('SELECT * FROM audit_log WHERE entity = ? AND id < ? ORDER BY id DESC LIMIT ?');

  return {
    /** Call inside the transaction that makes the change. */
    record(a: AuditRecord): void {
      insert.run(
        a.entity,
        a.entityId,
        a.reviewId,
        a.action,
        a.before === null || a.before === undefined ? null : JSON.stringify(a.before),
        a.after === null || a.after === undefined ? null : JSON.stringify(a.after),
        a.actor,
        a.at,
      );
    },
    /** The state an entity had just before its most recent deletion, or null. */
    lastDeleted(entity: AuditEntity, entityId: number): unknown {
      const row = lastDelete.get(entity, entityId);
      return row ? parse(row.before_json) : null;
    },
    list(q: AuditQuery): AuditEntry[] {
      const before = q.beforeId ?? MAX;
      const limit = q.limit ?? 100;
      let rows: AuditRow[];
      if (q.entity !== undefined && q.entityId !== undefined) rows = byEntity.all(q.entity, q.entityId, before, limit);
      else if (q.reviewId !== undefined && q.entity !== undefined) rows = byReviewEntity.all(q.reviewId, q.entity, before, limit);
      else if (q.reviewId !== undefined) rows = byReview.all(q.reviewId, before, limit);
      else if (q.entity !== undefined) rows = allEntity.all(q.entity, before, limit);
      else rows = all.all(before, limit);
      if (q.reviewId !== undefined && q.entityId !== undefined) rows = rows.filter((r) => r.review_id === q.reviewId);
      return rows.map(toEntry);
    },
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;
