// The audit log on the workstation's library (Kysely, on SQLite and PostgreSQL): one row per change to an annotation,
// tag, segment, note, review, assessment, rubric or teaching record, written in the transaction that makes the change
// (so a change without its audit row, or the reverse, cannot exist); an entity's state before its last deletion
// (undo); and the reader behind audit.list. Every writer of the log is an async store now.
import type { Generated, Kysely, Selectable } from 'kysely';
import type { AuditAction, AuditEntity, AuditEntry } from '../../api/schemas-review';
import type { WorkstationDb } from '../db/workstation-db';

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

const parse = (s: string | null): unknown => (s === null ? null : (JSON.parse(s) as unknown));

/** The state an entity had just before its most recent deletion, or null (along the index audit_entity). */
export async function lastDeleted(db: Kysely<WorkstationDb>, entity: AuditEntity, entityId: number): Promise<unknown> {
  const row = await db
    .selectFrom('audit_log')
    .selectAll()
    .where('entity', '=', entity)
    .where('entity_id', '=', entityId)
    .where('action', '=', 'delete')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? parse(row.before_json) : null;
}

function toEntry(r: Selectable<AuditLogTable>): AuditEntry {
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

/**
 * The log, newest first: of one entity, one review (of one kind of entity), one kind, or all; `beforeId` pages
 * back from an entry, `limit` (default 100) per page.
 */
export async function listAudit(db: Kysely<WorkstationDb>, q: AuditQuery): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll();
  if (q.entity !== undefined) query = query.where('entity', '=', q.entity);
  if (q.entityId !== undefined) query = query.where('entity_id', '=', q.entityId);
  if (q.reviewId !== undefined) query = query.where('review_id', '=', q.reviewId);
  if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(q.limit ?? 100)
    .execute();
  return rows.map(toEntry);
}
