// Account administration (administrators only; part of `Accounts`, accounts.ts): the accounts with their state, a
// role change, disable / enable, a password reset and unlock. Every change writes an audit row naming the
// administrator, in the same transaction; a call that changes nothing writes nothing.
//
// Disabling an account and resetting its password end its sessions at once (their rows are deleted: the next request
// with one of their tokens is not signed in). A role change needs no such thing: every request reads the role again.
// The library always keeps an administrator who can sign in: the last active one cannot be disabled or demoted. On
// PostgreSQL the active administrators' rows are locked (FOR UPDATE) before that count, so two administrators who
// demote each other at once cannot both succeed; SQLite's write transactions are serial already (BEGIN IMMEDIATE).
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { DepartmentAccount } from '../../api/department-wire';
import { writeAudit } from './audit';
import type { Clock, LibraryDb, LibraryDbHandle } from './db';
import { accountNotFound, lastAdminError, parseOrThrow } from './messages';
import { requireAdmin, ROLES, type LibraryUser } from './roles';

export type { DepartmentAccount };

export const AccountPatch = z
  .object({
    role: z.enum(ROLES, { error: 'A role is resident, attending, educator or admin.' }).optional(),
    disabled: z.boolean({ error: 'Say disabled: true or false.' }).optional(),
  })
  .strict()
  .refine((p) => p.role !== undefined || p.disabled !== undefined, { message: 'Say what to change: the role, or disabled.' });
export type AccountPatch = z.input<typeof AccountPatch>;

export interface AccountAdmin {
  /** Every account, oldest first (administrators only). */
  listUsers(actor: LibraryUser): Promise<DepartmentAccount[]>;
  /** A new role and/or disabled (which ends the account's sessions); not the last active administrator's own. */
  updateUser(actor: LibraryUser, id: number, patch: AccountPatch): Promise<DepartmentAccount>;
  /** A new password set by the administrator: the account's sessions end, its lockout is cleared. */
  resetPassword(actor: LibraryUser, id: number, password: string): Promise<DepartmentAccount>;
  /** Clears a lockout (and the count of wrong passwords). */
  unlockUser(actor: LibraryUser, id: number): Promise<DepartmentAccount>;
}

export interface AccountAdminDeps {
  now: Clock;
  /** The password rules (accounts.ts Password) and how a new one is hashed (its scrypt cost). */
  password: z.ZodType<string>;
  hash(password: string): Promise<string>;
}

type Db = Kysely<LibraryDb> | Transaction<LibraryDb>;

async function readAccounts(db: Db, at: string, id?: number): Promise<DepartmentAccount[]> {
  let q = db
    .selectFrom('users')
    .leftJoin(
      (eb) => eb.selectFrom('sessions').select((s) => ['user_id', s.fn.max('created_at').as('last_sign_in')]).groupBy('user_id').as('s'),
      (join) => join.onRef('s.user_id', '=', 'users.id'),
    )
    .select(['users.id', 'users.username', 'users.display_name', 'users.role', 'users.disabled', 'users.locked_until', 'users.created_at', 's.last_sign_in']);
  if (id !== undefined) q = q.where('users.id', '=', id);
  const rows = await q.orderBy('users.id').execute();
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    disabled: Boolean(r.disabled),
    lockedUntil: r.locked_until && r.locked_until > at ? r.locked_until : null,
    createdAt: r.created_at,
    lastSignInAt: r.last_sign_in ?? null,
  }));
}

export function createAccountAdmin(handle: LibraryDbHandle, deps: AccountAdminDeps): AccountAdmin {
  const { db } = handle;
  const { now } = deps;

  async function one(trx: Db, id: number): Promise<DepartmentAccount> {
    const [account] = await readAccounts(trx, now().toISOString(), id);
    if (!account) throw accountNotFound(id);
    return account;
  }

  async function target(trx: Transaction<LibraryDb>, id: number) {
    let q = trx.selectFrom('users').select(['id', 'username', 'display_name', 'role', 'disabled', 'locked_until', 'failed_logins']).where('id', '=', id);
    if (handle.dialect === 'postgres') q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row) throw accountNotFound(id);
    return row;
  }

  /** The active administrators, locked until the transaction ends on PostgreSQL (in id order: no deadlock). */
  async function activeAdmins(trx: Transaction<LibraryDb>): Promise<number[]> {
    let q = trx.selectFrom('users').select('id').where('role', '=', 'admin').where('disabled', '=', 0).orderBy('id');
    if (handle.dialect === 'postgres') q = q.forUpdate();
    return (await q.execute()).map((r) => r.id);
  }

  async function endSessions(trx: Transaction<LibraryDb>, id: number): Promise<number> {
    const result = await trx.deleteFrom('sessions').where('user_id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  return {
    async listUsers(actor) {
      requireAdmin(actor, 'manage accounts');
      return readAccounts(db, now().toISOString());
    },

    async updateUser(actor, id, raw) {
      requireAdmin(actor, 'manage accounts');
      const patch = parseOrThrow(AccountPatch, raw);
      return db.transaction().execute(async (trx) => {
        const admins = await activeAdmins(trx); // first, then the target: the same lock order everywhere
        const row = await target(trx, id);
        const wasDisabled = Boolean(row.disabled);
        const role = patch.role ?? row.role;
        const disabled = patch.disabled ?? wasDisabled;
        if (admins.includes(id) && (role !== 'admin' || disabled) && admins.every((a) => a === id)) {
          throw lastAdminError(disabled ? 'disable' : 'demote', id === actor.id, row.display_name);
        }
        const at = now().toISOString();
        const audit = (action: string, detail: Record<string, unknown>) =>
          writeAudit(trx, { at, userId: actor.id, action, entity: 'user', entityId: id, detail: { username: row.username, ...detail } });
        if (role !== row.role) {
          await trx.updateTable('users').set({ role }).where('id', '=', id).execute();
          await audit('user.role-change', { from: row.role, to: role });
        }
        if (disabled !== wasDisabled) {
          await trx.updateTable('users').set({ disabled: disabled ? 1 : 0 }).where('id', '=', id).execute();
          await audit(disabled ? 'user.disable' : 'user.enable', disabled ? { sessionsEnded: await endSessions(trx, id) } : {});
        }
        return one(trx, id);
      });
    },

    async resetPassword(actor, id, password) {
      requireAdmin(actor, 'manage accounts');
      const hash = await deps.hash(parseOrThrow(deps.password, password));
      return db.transaction().execute(async (trx) => {
        const row = await target(trx, id);
        await trx.updateTable('users').set({ password_hash: hash, failed_logins: 0, locked_until: null }).where('id', '=', id).execute();
        const sessionsEnded = await endSessions(trx, id);
        await writeAudit(trx, { at: now().toISOString(), userId: actor.id, action: 'user.password-reset', entity: 'user', entityId: id, detail: { username: row.username, sessionsEnded } });
        return one(trx, id);
      });
    },

    async unlockUser(actor, id) {
      requireAdmin(actor, 'manage accounts');
      return db.transaction().execute(async (trx) => {
        const row = await target(trx, id);
        if (row.locked_until !== null || row.failed_logins > 0) {
          await trx.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('id', '=', id).execute();
          await writeAudit(trx, {
            at: now().toISOString(),
            userId: actor.id,
            action: 'user.unlock',
            entity: 'user',
            entityId: id,
            detail: { username: row.username, lockedUntil: row.locked_until, failedInARow: row.failed_logins },
          });
        }
        return one(trx, id);
      });
    },
  };
}
