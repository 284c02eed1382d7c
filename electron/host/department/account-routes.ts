// The department server's account administration (added to the route table by routes.ts createRoutes): the accounts,
// a role change or disable / enable, a password reset, unlock. Administrators only: the store refuses anyone else
// (403, "Only an administrator can manage accounts."). Like the other routes: the body's shape is checked here (zod,
// unknown fields refused), the rules in the store (the password rules, the last active administrator).
import { z } from 'zod';
import { NewUser, type Accounts } from '../../core/department/accounts';
import { AccountPatch } from '../../core/department/account-admin';
import { parseOrThrow } from '../../core/department/messages';
import { requireAdmin } from '../../core/department/roles';
import type { Method, Reply, Route } from './routes';

const ResetPassword = z.object({ password: z.string({ error: 'Enter the new password.' }) }).strict();
const Empty = z.object({}).strict();

const ok = (value: unknown, status = 200): Reply => ({ status, value });

export function createAccountRoutes({ accounts, recheckStreams }: { accounts: Accounts; recheckStreams(): void }): Route[] {
  const route = (method: Method, pattern: string, handle: Route['handle']): Route => ({ method, pattern, handle });
  // Who may, before what the body says: a resident gets 403 whatever they send.
  const admin = (method: Method, pattern: string, handle: Route['handle']): Route =>
    route(method, pattern, async (ctx) => {
      requireAdmin(ctx.user, 'manage accounts');
      return handle(ctx);
    });
  const ended = (reply: Reply): Reply => {
    recheckStreams();
    return reply;
  };
  return [
    admin('GET', '/api/users', async ({ user }) => ok(await accounts.listUsers(user))),
    route('POST', '/api/users', async ({ user, body }) => ok(await accounts.createUser(user, parseOrThrow(NewUser, body)), 201)),
    // A disabled account's or a reset password's sessions end at once, and so do their open event streams.
    admin('PATCH', '/api/users/:id', async ({ user, ids: [id], body }) => ended(ok(await accounts.updateUser(user, id!, parseOrThrow(AccountPatch, body))))),
    admin('POST', '/api/users/:id/password', async ({ user, ids: [id], body }) => ended(ok(await accounts.resetPassword(user, id!, parseOrThrow(ResetPassword, body).password)))),
    admin('POST', '/api/users/:id/unlock', async ({ user, ids: [id], body }) => {
      parseOrThrow(Empty, body);
      return ok(await accounts.unlockUser(user, id!));
    }),
  ];
}
