// Department accounts: created by an administrator (the first one by bootstrapAdmin on an empty library), signed in
// with a password (scrypt, passwords.ts), held as sessions. A session token is 32 random bytes the client keeps; the
// library stores only its sha256. Five wrong passwords in a row lock the account for 15 minutes.
//
// An unknown username and a wrong password get the same message and cost the same scrypt run, so the answer does
// not tell which usernames exist (only the lockout, which has to name itself, does).
import { createHash, randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import { WorkstationError } from '../../api/errors';
import { isUniqueViolation } from '../db/kysely-dialects';
import { createAccountAdmin, type AccountAdmin } from './account-admin';
import { writeAudit } from './audit';
import type { Clock, LibraryDb, LibraryDbHandle } from './db';
import { formatTime, parseOrThrow } from './messages';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword, type ScryptParams } from './passwords';
import { requireAdmin, ROLES, type LibraryUser } from './roles';

export const Username = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/, 'A username is 2 to 64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit.');
export const Password = z.string().min(10, 'A password has at least 10 characters.').max(256, 'A password has at most 256 characters.');
export const NewUser = z
  .object({
    username: Username,
    displayName: z.string().trim().min(1, 'Enter the name other reviewers will see.').max(120, 'A display name has at most 120 characters.'),
    role: z.enum(ROLES),
    password: Password,
  })
  .strict();
export type NewUser = z.input<typeof NewUser>;

export interface AccountsOptions {
  now?: Clock;
  /** Cost of new hashes (stored hashes keep their own). */
  scrypt?: ScryptParams;
  /** How a password is checked against a stored hash (passwords.ts; a test watches which hashes are checked). */
  verify?: (password: string, hash: string) => Promise<boolean>;
  /** How long a session lasts after sign-in (default 12 hours). */
  sessionTtlMs?: number;
  /** Wrong passwords in a row that lock the account (default 5) … */
  maxFailedLogins?: number;
  /** … for this long (default 15 minutes). */
  lockoutMs?: number;
}

export interface SignedIn {
  /** The session token: give it back on every call; it is never stored in the library. */
  token: string;
  user: LibraryUser;
  expiresAt: string;
}

/** Administration (list, role, disable / enable, password reset, unlock): account-admin.ts. */
export interface Accounts extends AccountAdmin {
  /** The first administrator of an empty library; refused once any account exists. */
  bootstrapAdmin(input: Omit<NewUser, 'role'>): Promise<LibraryUser>;
  /** A new account (administrators only). */
  createUser(actor: LibraryUser, input: NewUser): Promise<LibraryUser>;
  login(username: string, password: string): Promise<SignedIn>;
  /** The user a token signs in, or null when it is unknown, expired, or the account is disabled. */
  session(token: string): Promise<LibraryUser | null>;
  logout(token: string): Promise<void>;
  /** Needs the current password; ends the user's other sessions. */
  changePassword(token: string, currentPassword: string, newPassword: string): Promise<void>;
}

export const WRONG_LOGIN = 'Wrong username or password.';

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

type UserRow = { id: number; username: string; display_name: string; role: LibraryUser['role'] };
const toUser = (r: UserRow): LibraryUser => ({ id: r.id, username: r.username, displayName: r.display_name, role: r.role });

export function createAccounts(handle: LibraryDbHandle, options: AccountsOptions = {}): Accounts {
  const { db } = handle;
  const now = options.now ?? (() => new Date());
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  const verify = options.verify ?? verifyPassword;
  const sessionTtlMs = options.sessionTtlMs ?? 12 * 3600_000;
  const maxFailed = options.maxFailedLogins ?? 5;
  const lockoutMs = options.lockoutMs ?? 15 * 60_000;
  // What an unknown username is checked against, so that it costs what a wrong password costs.
  let decoy: Promise<string> | undefined;

  const lockedError = (until: string) =>
    new WorkstationError('forbidden', `This account is locked after ${maxFailed} wrong passwords in a row, until ${formatTime(until)}. Try again then.`);

  async function insertUser(trx: Transaction<LibraryDb>, input: z.output<typeof NewUser>, hash: string): Promise<LibraryUser> {
    const taken = await trx.selectFrom('users').select('id').where((eb) => eb(eb.fn('lower', ['username']), '=', input.username.toLowerCase())).executeTakeFirst();
    if (taken) throw new WorkstationError('conflict', `The username "${input.username}" is taken. Choose another.`);
    const row = await trx
      .insertInto('users')
      .values({ username: input.username, display_name: input.displayName, role: input.role, password_hash: hash, disabled: 0, created_at: now().toISOString() })
      .returning(['id', 'username', 'display_name', 'role'])
      .executeTakeFirstOrThrow();
    return toUser(row);
  }

  async function create(actor: LibraryUser | null, raw: NewUser): Promise<LibraryUser> {
    const input = parseOrThrow(NewUser, raw);
    const hash = await hashPassword(input.password, params);
    try {
      return await db.transaction().execute(async (trx) => {
        if (actor === null) {
          const any = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
          if (any) throw new WorkstationError('forbidden', 'This library already has accounts: an administrator creates new ones.');
        }
        const user = await insertUser(trx, input, hash);
        const by = actor ?? user;
        await writeAudit(trx, { at: now().toISOString(), userId: by.id, action: 'user.create', entity: 'user', entityId: user.id, detail: { username: user.username, role: user.role } });
        return user;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new WorkstationError('conflict', `The username "${input.username}" is taken. Choose another.`);
      throw err;
    }
  }

  async function failedLogin(userId: number): Promise<string | null> {
    return db.transaction().execute(async (trx) => {
      const at = now();
      const { failed_logins } = await trx
        .updateTable('users')
        .set((eb) => ({ failed_logins: eb('failed_logins', '+', 1) }))
        .where('id', '=', userId)
        .returning('failed_logins')
        .executeTakeFirstOrThrow();
      let lockedUntil: string | null = null;
      if (failed_logins >= maxFailed) {
        lockedUntil = new Date(at.getTime() + lockoutMs).toISOString();
        await trx.updateTable('users').set({ failed_logins: 0, locked_until: lockedUntil }).where('id', '=', userId).execute();
      }
      await writeAudit(trx, {
        at: at.toISOString(),
        userId,
        action: lockedUntil ? 'user.locked' : 'user.login-failed',
        entity: 'user',
        entityId: userId,
        detail: lockedUntil ? { until: lockedUntil } : { failedInARow: failed_logins },
      });
      return lockedUntil;
    });
  }

  async function sessionRow(token: string) {
    if (typeof token !== 'string' || token.length < 32 || token.length > 128) return undefined;
    return db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.token_hash', 'sessions.expires_at', 'sessions.last_seen_at', 'users.id', 'users.username', 'users.display_name', 'users.role', 'users.disabled'])
      .where('sessions.token_hash', '=', tokenHash(token))
      .executeTakeFirst();
  }

  return {
    ...createAccountAdmin(handle, { now, password: Password, hash: (password) => hashPassword(password, params) }),

    bootstrapAdmin: (input) => create(null, { ...input, role: 'admin' }),

    async createUser(actor, input) {
      requireAdmin(actor, 'create accounts');
      return create(actor, input);
    },

    async login(username, password) {
      const name = Username.safeParse(username);
      const row = name.success
        ? await db
            .selectFrom('users')
            .select(['id', 'username', 'display_name', 'role', 'password_hash', 'locked_until', 'disabled'])
            .where((eb) => eb(eb.fn('lower', ['username']), '=', name.data.toLowerCase()))
            .executeTakeFirst()
        : undefined;
      if (!row) {
        decoy ??= hashPassword(randomBytes(16).toString('hex'), params);
        await verify(String(password), await decoy);
        throw new WorkstationError('forbidden', WRONG_LOGIN);
      }
      const at = now();
      if (row.locked_until && row.locked_until > at.toISOString()) throw lockedError(row.locked_until);
      if (!(await verify(String(password), row.password_hash))) {
        const lockedUntil = await failedLogin(row.id);
        throw lockedUntil ? lockedError(lockedUntil) : new WorkstationError('forbidden', WRONG_LOGIN);
      }
      if (Boolean(row.disabled)) throw new WorkstationError('forbidden', 'This account is disabled. Ask an administrator.');

      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(at.getTime() + sessionTtlMs).toISOString();
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('id', '=', row.id).execute();
        // Sessions that have run out are swept at the user's next sign-in.
        await trx.deleteFrom('sessions').where('user_id', '=', row.id).where('expires_at', '<=', at.toISOString()).execute();
        await trx
          .insertInto('sessions')
          .values({ token_hash: tokenHash(token), user_id: row.id, created_at: at.toISOString(), expires_at: expiresAt, last_seen_at: at.toISOString() })
          .execute();
        await writeAudit(trx, { at: at.toISOString(), userId: row.id, action: 'user.login', entity: 'session', entityId: null });
      });
      return { token, user: toUser(row), expiresAt };
    },

    async session(token) {
      const row = await sessionRow(token);
      if (!row) return null;
      const at = now();
      if (row.expires_at <= at.toISOString()) {
        await db.deleteFrom('sessions').where('token_hash', '=', row.token_hash).execute();
        return null;
      }
      if (Boolean(row.disabled)) return null;
      // Last seen, to the minute: not a write per call.
      if (at.getTime() - Date.parse(row.last_seen_at) >= 60_000) {
        await db.updateTable('sessions').set({ last_seen_at: at.toISOString() }).where('token_hash', '=', row.token_hash).execute();
      }
      return toUser(row);
    },

    async logout(token) {
      const row = await sessionRow(token);
      if (!row) return;
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('sessions').where('token_hash', '=', row.token_hash).execute();
        await writeAudit(trx, { at: now().toISOString(), userId: row.id, action: 'user.logout', entity: 'session', entityId: null });
      });
    },

    async changePassword(token, currentPassword, newPassword) {
      const row = await sessionRow(token);
      if (!row || row.expires_at <= now().toISOString()) throw new WorkstationError('forbidden', 'Your session has ended. Sign in again.');
      const next = parseOrThrow(Password, newPassword);
      const user = await db.selectFrom('users').select('password_hash').where('id', '=', row.id).executeTakeFirstOrThrow();
      if (!(await verify(String(currentPassword), user.password_hash))) {
        throw new WorkstationError('invalid-argument', 'The current password is wrong; the password was not changed.');
      }
      const hash = await hashPassword(next, params);
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', row.id).execute();
        await trx.deleteFrom('sessions').where('user_id', '=', row.id).where('token_hash', '!=', row.token_hash).execute();
        await writeAudit(trx, { at: now().toISOString(), userId: row.id, action: 'user.password-change', entity: 'user', entityId: row.id });
      });
    },
  };
}
