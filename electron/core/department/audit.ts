// The department audit log: every write to the library adds one row in the same transaction, naming the user.
import type { Kysely, Transaction } from 'kysely';
import type { WorkstationError } from '../../api/errors';
import type { LibraryDb } from './db';
import { deletedByError } from './messages';

export type AuditEntity = 'user' | 'session' | 'review' | 'annotation' | 'note' | 'tag';

export interface AuditWrite {
  at: string;
  userId: number;
  /** e.g. 'annotation.update', 'review.sign-off', 'user.login-failed' */
  action: string;
  entity: AuditEntity;
  entityId: number | null;
  detail?: Record<string, unknown>;
}

export interface AuditEntry {
  id: number;
  at: string;
  userId: number;
  /** The user's display name. */
  user: string;
  action: string;
  entity: string;
  entityId: number | null;
  detail: Record<string, unknown> | null;
}

export async function writeAudit(trx: Transaction<LibraryDb>, entry: AuditWrite): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      at: entry.at,
      user_id: entry.userId,
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId,
      detail_json: entry.detail ? JSON.stringify(entry.detail) : null,
    })
    .execute();
}

export interface AuditFilter {
  entity?: AuditEntity;
  entityId?: number;
  action?: string;
  userId?: number;
  /** Newest first, at most this many (default 500). */
  limit?: number;
}

/** The audit trail, newest first. */
export async function readAudit(db: Kysely<LibraryDb> | Transaction<LibraryDb>, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  let q = db
    .selectFrom('audit_log')
    .innerJoin('users', 'users.id', 'audit_log.user_id')
    .select(['audit_log.id', 'audit_log.at', 'audit_log.user_id', 'users.display_name', 'audit_log.action', 'audit_log.entity', 'audit_log.entity_id', 'audit_log.detail_json']);
  if (filter.entity !== undefined) q = q.where('audit_log.entity', '=', filter.entity);
  if (filter.entityId !== undefined) q = q.where('audit_log.entity_id', '=', filter.entityId);
  if (filter.action !== undefined) q = q.where('audit_log.action', '=', filter.action);
  if (filter.userId !== undefined) q = q.where('audit_log.user_id', '=', filter.userId);
  const rows = await q.orderBy('audit_log.id', 'desc').limit(filter.limit ?? 500).execute();
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    userId: r.user_id,
    user: r.display_name,
    action: r.action,
    entity: r.entity,
    entityId: r.entity_id,
    detail: r.detail_json ? (JSON.parse(r.detail_json) as Record<string, unknown>) : null,
  }));
}

/**
 * A versioned row (annotation, note, tag) that is not there: "deleted by X at T" when the audit log knows who deleted
 * it, else `notFound`.
 */
export async function goneError(db: Kysely<LibraryDb> | Transaction<LibraryDb>, entity: 'annotation' | 'note' | 'tag', id: number, notFound: WorkstationError): Promise<WorkstationError> {
  const [deleted] = await readAudit(db, { entity, entityId: id, action: `${entity}.delete`, limit: 1 });
  return deleted ? deletedByError(entity, deleted.user, deleted.at) : notFound;
}
