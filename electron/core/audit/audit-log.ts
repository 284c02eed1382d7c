// The audit log for the synchronous repositories: one row per change, written in the same transaction as the change
// itself (so a change without its audit row, or the reverse, cannot exist). The async stores write through
// audit-store.ts, which also reads the log (audit.list, and an entity's state before its last deletion for undo).
import type { Database, Statement } from 'better-sqlite3';
import type { AuditAction, AuditEntity } from '../../api/schemas-review';

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
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;
