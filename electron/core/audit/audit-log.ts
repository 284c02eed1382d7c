// The audit log for the synchronous repositories: one row per change, written in the same transaction as the change
// itself (so a change without its audit row, or the reverse, cannot exist), and an entity's state before its last
// deletion (undo). The async stores write through audit-store.ts, which also reads the log for audit.list.
import type { Database, Statement } from 'better-sqlite3';
import type { Selectable } from 'kysely';
import type { AuditAction, AuditEntity } from '../../api/schemas-review';
import type { AuditLogTable } from './audit-store';

/** A row as the table holds it (the async stores' Kysely type of it). */
type AuditRow = Selectable<AuditLogTable>;

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
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;
