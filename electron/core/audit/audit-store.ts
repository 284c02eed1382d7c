// The audit log's writer for the async stores (Kysely, on SQLite and PostgreSQL): one row per change, written in the
// transaction that makes the change. The same table and row shape as audit-log.ts, which the synchronous
// repositories still use (and which reads the log for audit.list) until they move here too.
import type { Generated, Kysely } from 'kysely';
import type { AuditAction, AuditEntity } from '../../api/schemas-review';
import type { WorkstationDb } from '../db/workstation-db';
import type { AuditRecord } from './audit-log';

export interface AuditLogTable {
  id: Generated<number>;
  entity: AuditEntity;
  entity_id: number;
  review_id: number | null;
  action: AuditAction;
  before_json: string | null;
  after_json: string | null;
  actor: string;
  at: string;
}

export interface AuditDb {
  audit_log: AuditLogTable;
}

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/** Call inside the transaction that makes the change. */
export async function appendAudit(db: Kysely<WorkstationDb>, a: AuditRecord): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ entity: a.entity, entity_id: a.entityId, review_id: a.reviewId, action: a.action, before_json: json(a.before), after_json: json(a.after), actor: a.actor, at: a.at })
    .execute();
}
