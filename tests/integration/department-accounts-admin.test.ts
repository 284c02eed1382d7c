// Account administration, the same suite on SQLite and on a real PostgreSQL server: the accounts with their state, a
// role change, disable / enable (its sessions end at once), a password reset (its sessions end, the old password
// fails, the lockout is cleared), unlock after a lockout, the last active administrator kept, anyone else refused;
// every change audited under the administrator's name. Then the routes through a real server (SQLite, loopback HTTP).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DepartmentAccount } from '../../electron/api/department-wire';
import { createAccounts, WRONG_LOGIN } from '../../electron/core/department/accounts';
import { DepartmentClient } from '../../electron/core/department/client';
import { inProcessReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer } from '../../electron/host/department/server';
import { BACKENDS, FAST_SCRYPT, openDepartment, PASSWORDS, refusal } from '../fixtures/department-library';
import { until } from '../fixtures/engine-gate';

const MINUTE = 60_000;

describe.each(BACKENDS)('department account administration on $name', (backend) => {
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());
  afterEach(() => backend.closeAll());

  it('lists the accounts with role, state, creation and last sign-in; changes a role at once, audited', async () => {
    const { accounts, admin, resident, clock, store } = await openDepartment(backend);
    clock.advance(5 * MINUTE);
    const session = await accounts.login('rhea', PASSWORDS.resident);
    const list = await accounts.listUsers(admin);
    expect(list.map((a) => [a.username, a.role])).toEqual([
      ['admin', 'admin'],
      ['rhea', 'resident'],
      ['amir', 'attending'],
      ['edna', 'educator'],
    ]);
    expect(list[1]).toEqual({
      id: resident.id,
      username: 'rhea',
      displayName: 'Dr Rhea Resident',
      role: 'resident',
      disabled: false,
      lockedUntil: null,
      createdAt: '2025-03-14T09:00:00.000Z',
      lastSignInAt: '2025-03-14T09:05:00.000Z',
    });
    expect(list[2]!.lastSignInAt).toBeNull();

    const promoted = await accounts.updateUser(admin, resident.id, { role: 'attending' });
    expect(promoted).toMatchObject({ role: 'attending', disabled: false });
    // The session reads the role again: no sign-in needed.
    expect(await accounts.session(session.token)).toMatchObject({ role: 'attending' });
    // The same role again writes nothing.
    await accounts.updateUser(admin, resident.id, { role: 'attending' });
    const trail = await store.audit({ entity: 'user', entityId: resident.id, action: 'user.role-change' });
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ user: 'Ada Admin', detail: { username: 'rhea', from: 'resident', to: 'attending' } });

    expect((await refusal(accounts.updateUser(admin, resident.id, { role: 'surgeon' as never }))).message).toBe('A role is resident, attending, educator or admin.');
    expect((await refusal(accounts.updateUser(admin, resident.id, {}))).message).toBe('Say what to change: the role, or disabled.');
    const missing = await refusal(accounts.updateUser(admin, 9999, { disabled: true }));
    expect([missing.code, missing.message]).toEqual(['not-found', 'Account 9999 does not exist.']);
  });

  it('disabling ends the sessions at once and refuses sign-in; enabling lets the user sign in again', async () => {
    const { accounts, admin, attending, store } = await openDepartment(backend);
    const a = await accounts.login('amir', PASSWORDS.attending);
    const b = await accounts.login('amir', PASSWORDS.attending);
    expect(await accounts.updateUser(admin, attending.id, { disabled: true })).toMatchObject({ disabled: true, lastSignInAt: null });
    expect(await accounts.session(a.token)).toBeNull();
    expect(await accounts.session(b.token)).toBeNull();
    expect((await refusal(accounts.login('amir', PASSWORDS.attending))).message).toBe('This account is disabled. Ask an administrator.');

    expect(await accounts.updateUser(admin, attending.id, { disabled: false })).toMatchObject({ disabled: false });
    expect(await accounts.session(a.token)).toBeNull(); // ended for good
    await accounts.login('amir', PASSWORDS.attending);

    const trail = await store.audit({ entity: 'user', entityId: attending.id });
    expect(trail.filter((e) => e.action === 'user.disable' || e.action === 'user.enable').map((e) => [e.action, e.user, e.detail])).toEqual([
      ['user.enable', 'Ada Admin', { username: 'amir' }],
      ['user.disable', 'Ada Admin', { username: 'amir', sessionsEnded: 2 }],
    ]);
  });

  it('a password reset ends the sessions, the old password fails, the new one works, the lockout is cleared', async () => {
    const { accounts, admin, educator, store } = await openDepartment(backend);
    const old = await accounts.login('edna', PASSWORDS.educator);
    for (let i = 1; i <= 5; i++) await refusal(accounts.login('edna', `wrong-${i}`));
    expect((await accounts.listUsers(admin)).find((u) => u.id === educator.id)!.lockedUntil).toBe('2025-03-14T09:15:00.000Z');

    expect((await refusal(accounts.resetPassword(admin, educator.id, 'short'))).message).toBe('A password has at least 10 characters.');
    const reset = await accounts.resetPassword(admin, educator.id, 'edna-temporary-1');
    expect(reset).toMatchObject({ lockedUntil: null, lastSignInAt: null });
    expect(await accounts.session(old.token)).toBeNull();
    expect((await refusal(accounts.login('edna', PASSWORDS.educator))).message).toBe(WRONG_LOGIN);
    expect((await accounts.login('edna', 'edna-temporary-1')).user.id).toBe(educator.id);

    const [row] = await store.audit({ entity: 'user', entityId: educator.id, action: 'user.password-reset' });
    expect(row).toMatchObject({ user: 'Ada Admin', userId: admin.id, detail: { username: 'edna', sessionsEnded: 1 } });
    expect(JSON.stringify(await store.audit())).not.toContain('edna-temporary-1');
  });

  it('unlocks an account locked by wrong passwords; unlocking one that is not locked writes nothing', async () => {
    const { accounts, admin, attending, store } = await openDepartment(backend);
    for (let i = 1; i <= 5; i++) await refusal(accounts.login('amir', `wrong-${i}`));
    expect((await refusal(accounts.login('amir', PASSWORDS.attending))).message).toMatch(/^This account is locked after 5 wrong passwords/);

    expect(await accounts.unlockUser(admin, attending.id)).toMatchObject({ lockedUntil: null });
    expect((await accounts.login('amir', PASSWORDS.attending)).user.id).toBe(attending.id);
    await accounts.unlockUser(admin, attending.id);
    const trail = await store.audit({ entity: 'user', entityId: attending.id, action: 'user.unlock' });
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ user: 'Ada Admin', detail: { username: 'amir', lockedUntil: '2025-03-14T09:15:00.000Z' } });
  });

  it('keeps an active administrator: the last one cannot disable or demote themselves; with a second one they can', async () => {
    const { accounts, admin, attending, store } = await openDepartment(backend);
    const own = await accounts.login('admin', PASSWORDS.admin);
    const disable = await refusal(accounts.updateUser(admin, admin.id, { disabled: true }));
    expect(disable.code).toBe('conflict');
    expect(disable.message).toBe('You are the last active administrator, so you cannot disable your own account: make another account an administrator first.');
    expect((await refusal(accounts.updateUser(admin, admin.id, { role: 'attending' }))).message).toBe(
      'You are the last active administrator, so you cannot demote your own account: make another account an administrator first.',
    );
    expect(await accounts.session(own.token)).toMatchObject({ role: 'admin' });
    expect(await store.audit({ entity: 'user', entityId: admin.id, action: 'user.role-change' })).toEqual([]);

    // A disabled administrator does not count.
    await accounts.updateUser(admin, attending.id, { role: 'admin', disabled: true });
    await refusal(accounts.updateUser(admin, admin.id, { role: 'educator' }));
    await accounts.updateUser(admin, attending.id, { disabled: false });
    expect(await accounts.updateUser(admin, admin.id, { role: 'educator' })).toMatchObject({ role: 'educator' });
    const amir = { ...attending, role: 'admin' as const };
    expect((await refusal(accounts.updateUser(amir, attending.id, { disabled: true }))).message).toMatch(/^You are the last active administrator/);

    // Two administrators demote each other at the same moment: one of them stays.
    await accounts.updateUser(amir, admin.id, { role: 'admin' });
    const both = await Promise.allSettled([accounts.updateUser(admin, attending.id, { role: 'attending' }), accounts.updateUser(amir, admin.id, { role: 'resident' })]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await accounts.listUsers(admin)).filter((u) => u.role === 'admin' && !u.disabled)).toHaveLength(1);
  });

  it('refuses everyone but an administrator (403), before looking at what they send', async () => {
    const { accounts, resident, attending, educator, admin } = await openDepartment(backend);
    for (const actor of [resident, attending, educator]) {
      for (const call of [
        accounts.listUsers(actor),
        accounts.updateUser(actor, actor.id, { role: 'admin' }),
        accounts.updateUser(actor, admin.id, { nonsense: 1 } as never),
        accounts.resetPassword(actor, admin.id, 'x'),
        accounts.unlockUser(actor, admin.id),
      ]) {
        const err = await refusal(call);
        expect([err.code, err.message]).toEqual(['forbidden', 'Only an administrator can manage accounts.']);
      }
    }
    expect((await accounts.listUsers(admin)).map((u) => u.role)).toEqual(['admin', 'resident', 'attending', 'educator']);
  });
});

describe('the account routes through the department server (SQLite, loopback HTTP)', () => {
  const backend = BACKENDS.find((b) => b.name === 'SQLite')!;
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());
  afterEach(() => backend.closeAll());

  it('401 without a session, 403 for a non-administrator, 400 for a bad body; an administrator manages accounts', async () => {
    const { handle, store, resident, attending } = await openDepartment(backend);
    const accounts = createAccounts(handle, { scrypt: FAST_SCRYPT }); // the real clock: the client's cookie jar uses it
    const events = inProcessReviewEvents();
    // Pings a minute apart: a stream that ends sooner was ended by the change itself.
    const server = await startDepartmentServer({ accounts, store, events, pingMs: 60_000 });
    try {
      const patterns = server.routes.map((r) => `${r.method} ${r.pattern}`);
      expect(patterns).toEqual(expect.arrayContaining(['GET /api/users', 'PATCH /api/users/:id', 'POST /api/users/:id/password', 'POST /api/users/:id/unlock']));
      const client = () => new DepartmentClient({ baseUrl: server.url });
      const as = async (username: string, password: string) => {
        const c = client();
        await c.login(username, password);
        return c;
      };
      const calls: Array<[string, string, unknown?]> = [
        ['GET', '/api/users'],
        ['PATCH', `/api/users/${resident.id}`, { role: 'admin' }],
        ['POST', `/api/users/${resident.id}/password`, { password: 'a-new-password-9' }],
        ['POST', `/api/users/${resident.id}/unlock`, {}],
      ];
      const anonymous = client();
      const rhea = await as('rhea', PASSWORDS.resident);
      for (const [method, path, body] of calls) {
        await expect(anonymous.call(method, path, body)).rejects.toMatchObject({ status: 401 });
        await expect(rhea.call(method, path, body)).rejects.toMatchObject({ status: 403, error: { code: 'forbidden', message: 'Only an administrator can manage accounts.' } });
        await expect(rhea.call(method, path, { nonsense: true })).rejects.toMatchObject({ status: 403 });
      }

      const ada = await as('admin', PASSWORDS.admin);
      expect((await ada.call<DepartmentAccount[]>('GET', '/api/users')).map((u) => u.username)).toEqual(['admin', 'rhea', 'amir', 'edna']);
      await expect(ada.call('PATCH', `/api/users/${resident.id}`, { role: 'admin', isAdmin: true })).rejects.toMatchObject({ status: 400 });
      await expect(ada.call('POST', `/api/users/${resident.id}/password`, { password: 'short' })).rejects.toMatchObject({
        status: 400,
        error: { message: 'A password has at least 10 characters.' },
      });
      await expect(ada.call('PATCH', '/api/users/9999', { disabled: true })).rejects.toMatchObject({ status: 404 });
      const me = (await ada.call<{ user: { id: number } }>('GET', '/api/me')).user.id;
      await expect(ada.call('PATCH', `/api/users/${me}`, { disabled: true })).rejects.toMatchObject({ status: 409, error: { message: /^You are the last active administrator/ } });

      // Disabling ends the session: the resident's next request is not signed in, and the review she watches stops
      // streaming to her at once (not at the next minute's check); the admin's own stream goes on.
      const review = await store.reviews.create(attending, { title: 'Live' });
      const hers = rhea.events(review.id, () => undefined);
      const his = ada.events(review.id, () => undefined);
      await Promise.all([hers.ready, his.ready]);
      let herStreamEnded = false;
      void hers.ended.then(() => (herStreamEnded = true));
      expect(await ada.call('PATCH', `/api/users/${resident.id}`, { disabled: true })).toMatchObject({ disabled: true });
      await until(() => herStreamEnded, 'her stream to end', 10_000);
      await ada.call('GET', '/api/me');
      let hisStreamEnded = false;
      void his.ended.then(() => (hisStreamEnded = true));
      expect(hisStreamEnded).toBe(false);
      his.close();
      await expect(rhea.call('GET', '/api/reviews')).rejects.toMatchObject({ status: 401 });
      expect((await client().raw({ method: 'POST', path: '/api/login', body: { username: 'rhea', password: PASSWORDS.resident } })).status).toBe(401);
      await ada.call('PATCH', `/api/users/${resident.id}`, { disabled: false });

      // A reset: the attending's session ends, the old password fails, the new one signs in.
      const amir = await as('amir', PASSWORDS.attending);
      expect(await ada.call('POST', `/api/users/${attending.id}/password`, { password: 'amir-temporary-1' })).toMatchObject({ username: 'amir' });
      await expect(amir.call('GET', '/api/me')).rejects.toMatchObject({ status: 401 });
      await expect(as('amir', PASSWORDS.attending)).rejects.toMatchObject({ status: 401 });
      for (let i = 0; i < 4; i++) await expect(as('amir', 'wrong-password-0')).rejects.toMatchObject({ status: 401 });
      await expect(as('amir', 'amir-temporary-1')).rejects.toMatchObject({ status: 401, error: { message: /^This account is locked/ } });
      expect(await ada.call('POST', `/api/users/${attending.id}/unlock`, {})).toMatchObject({ lockedUntil: null });
      await as('amir', 'amir-temporary-1');
      expect((await store.audit({ entity: 'user', entityId: attending.id })).filter((e) => e.user === 'Ada Admin').map((e) => e.action)).toEqual([
        'user.unlock',
        'user.password-reset',
        'user.create',
      ]);
    } finally {
      await server.close();
      await events.close();
    }
  });
});
