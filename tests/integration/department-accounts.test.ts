// Department accounts, the same suite on SQLite and on a real PostgreSQL server: passwords are stored as scrypt
// hashes, sign-in gives a session that expires, five wrong passwords lock the account for 15 minutes (the clock is
// the test's), an unknown username is answered like a wrong password, only an administrator creates accounts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts, WRONG_LOGIN } from '../../electron/core/department/accounts';
import { hashParams, verifyPassword } from '../../electron/core/department/passwords';
import { BACKENDS, openDepartment, PASSWORDS, refusal } from '../fixtures/department-library';

const MINUTE = 60_000;

describe.each(BACKENDS)('department accounts on $name', (backend) => {
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());
  afterEach(() => backend.closeAll());

  it('stores a salted scrypt hash, never the password or the session token; signs in and out', async () => {
    const { accounts, handle, resident } = await openDepartment(backend);
    const rows = await handle.db.selectFrom('users').select(['username', 'password_hash']).orderBy('id').execute();
    for (const row of rows) {
      expect(row.password_hash).toMatch(/^scrypt\$N=\d+,r=\d+,p=\d+\$/);
      expect(row.password_hash).not.toContain(PASSWORDS.resident);
    }
    expect(new Set(rows.map((r) => r.password_hash.split('$')[2])).size).toBe(rows.length);

    const signedIn = await accounts.login('RHEA', PASSWORDS.resident);
    expect(signedIn.user).toEqual(resident);
    expect(signedIn.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signedIn.expiresAt).toBe('2025-03-14T21:00:00.000Z');
    const sessions = await handle.db.selectFrom('sessions').selectAll().execute();
    expect(sessions).toHaveLength(1);
    expect(JSON.stringify(sessions)).not.toContain(signedIn.token);

    expect(await accounts.session(signedIn.token)).toEqual(resident);
    expect(await accounts.session(`${signedIn.token.slice(0, -1)}x`)).toBeNull();
    await accounts.logout(signedIn.token);
    expect(await accounts.session(signedIn.token)).toBeNull();
  });

  it('answers an unknown username exactly like a wrong password, after the same scrypt work', async () => {
    const { handle } = await openDepartment(backend);
    // Which stored hashes a sign-in checks, at what cost: an unknown username must run one scrypt check at the cost of
    // a real account's hash (a decoy), or the answer's timing would say that the account does not exist. (Counted,
    // not timed: timings on a loaded 2-core machine are noise.)
    const checked: Array<ReturnType<typeof hashParams>> = [];
    const accounts = createAccounts(handle, {
      scrypt: { N: 2 ** 12, r: 8, p: 1 },
      verify: async (password, hash) => {
        checked.push(hashParams(hash));
        return verifyPassword(password, hash);
      },
    });
    // amir's hash was made at the fixture's cost: re-hash it at this one, so both paths would run the same scrypt.
    await accounts.changePassword((await accounts.login('amir', PASSWORDS.attending)).token, PASSWORDS.attending, 'a-slower-password');
    checked.length = 0;
    const wrong = await refusal(accounts.login('amir', 'not-the-password'));
    const afterWrong = checked.splice(0);
    const unknown = await refusal(accounts.login('nobody-here', 'not-the-password'));
    const afterUnknown = checked.splice(0);
    expect(wrong.message).toBe(WRONG_LOGIN);
    expect(unknown.message).toBe(WRONG_LOGIN);
    expect(unknown.code).toBe(wrong.code);
    expect(afterWrong).toEqual([{ N: 2 ** 12, r: 8, p: 1 }]);
    expect(afterUnknown).toEqual(afterWrong);
    expect((await refusal(accounts.login('', 'x'))).message).toBe(WRONG_LOGIN);
    expect(checked).toHaveLength(1);
  });

  it('locks the account after five wrong passwords for 15 minutes, saying until when; then lets the right password in', async () => {
    const { accounts, clock, store } = await openDepartment(backend);
    for (let i = 1; i <= 4; i++) {
      expect((await refusal(accounts.login('rhea', `wrong-${i}`))).message).toBe(WRONG_LOGIN);
      clock.advance(MINUTE);
    }
    const locked = 'This account is locked after 5 wrong passwords in a row, until 2025-03-14 09:19 UTC. Try again then.';
    const fifth = await refusal(accounts.login('rhea', 'wrong-5'));
    expect(fifth.code).toBe('forbidden');
    expect(fifth.message).toBe(locked);

    clock.advance(14 * MINUTE);
    expect((await refusal(accounts.login('rhea', PASSWORDS.resident))).message).toBe(locked);
    // Others are not affected.
    await accounts.login('amir', PASSWORDS.attending);

    clock.advance(MINUTE);
    const signedIn = await accounts.login('rhea', PASSWORDS.resident);
    expect(signedIn.user.displayName).toBe('Dr Rhea Resident');
    // The count starts again after the window: four more wrong passwords do not lock it.
    for (let i = 1; i <= 4; i++) expect((await refusal(accounts.login('rhea', `wrong-again-${i}`))).message).toBe(WRONG_LOGIN);
    await accounts.login('rhea', PASSWORDS.resident);

    const trail = await store.audit({ entity: 'user', action: 'user.locked' });
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ user: 'Dr Rhea Resident', at: '2025-03-14T09:04:00.000Z' });
  });

  it('ends a session when it expires (12 hours) and on a password change (the other sessions)', async () => {
    const { accounts, clock, resident } = await openDepartment(backend);
    const first = await accounts.login('rhea', PASSWORDS.resident);
    clock.advance(11 * 60 * MINUTE);
    expect(await accounts.session(first.token)).toEqual(resident);
    clock.advance(MINUTE * 60);
    expect(await accounts.session(first.token)).toBeNull();

    const a = await accounts.login('rhea', PASSWORDS.resident);
    const b = await accounts.login('rhea', PASSWORDS.resident);
    const wrong = await refusal(accounts.changePassword(a.token, 'not-my-password', 'a-new-password-2'));
    expect(wrong.message).toBe('The current password is wrong; the password was not changed.');
    const short = await refusal(accounts.changePassword(a.token, PASSWORDS.resident, 'short'));
    expect(short.message).toBe('A password has at least 10 characters.');

    await accounts.changePassword(a.token, PASSWORDS.resident, 'a-new-password-2');
    expect(await accounts.session(a.token)).toEqual(resident);
    expect(await accounts.session(b.token)).toBeNull();
    expect((await refusal(accounts.login('rhea', PASSWORDS.resident))).message).toBe(WRONG_LOGIN);
    await accounts.login('rhea', 'a-new-password-2');
    await expect(refusal(accounts.changePassword(first.token, 'a-new-password-2', 'x'.repeat(12)))).resolves.toMatchObject({
      message: 'Your session has ended. Sign in again.',
    });
  });

  it('only an administrator creates accounts; usernames are unique whatever their case; the first admin only once', async () => {
    const { accounts, admin, resident, attending, store } = await openDepartment(backend);
    const newUser = { username: 'nico', displayName: 'Dr Nico New', role: 'resident', password: 'nico-password-1' } as const;
    for (const actor of [resident, attending]) {
      const err = await refusal(accounts.createUser(actor, newUser));
      expect(err.code).toBe('forbidden');
      expect(err.message).toBe('Only an administrator can create accounts.');
    }
    const taken = await refusal(accounts.createUser(admin, { ...newUser, username: 'Amir' }));
    expect(taken.code).toBe('conflict');
    expect(taken.message).toBe('The username "Amir" is taken. Choose another.');
    const badRole = await refusal(accounts.createUser(admin, { ...newUser, role: 'surgeon' as never }));
    expect(badRole.code).toBe('invalid-argument');
    const badName = await refusal(accounts.createUser(admin, { ...newUser, username: 'nico with spaces' }));
    expect(badName.message).toMatch(/^A username is 2 to 64 letters/);

    const nico = await accounts.createUser(admin, newUser);
    expect(nico).toMatchObject({ username: 'nico', displayName: 'Dr Nico New', role: 'resident' });
    expect((await accounts.login('NICO', 'nico-password-1')).user.id).toBe(nico.id);
    const created = await store.audit({ entity: 'user', entityId: nico.id, action: 'user.create' });
    expect(created.map((e) => e.user)).toEqual(['Ada Admin']);

    const again = await refusal(accounts.bootstrapAdmin({ username: 'root', displayName: 'Root', password: 'root-password-1' }));
    expect(again.code).toBe('forbidden');
  });

  it('verifies a hash made at another cost: the cost is stored with it', async () => {
    const { handle, accounts } = await openDepartment(backend);
    const stronger = createAccounts(handle, { scrypt: { N: 2 ** 13, r: 8, p: 2 } });
    expect((await stronger.login('edna', PASSWORDS.educator)).user.role).toBe('educator');
    const signedIn = await stronger.login('edna', PASSWORDS.educator);
    await stronger.changePassword(signedIn.token, PASSWORDS.educator, 'edna-password-2');
    const { password_hash } = await handle.db.selectFrom('users').select('password_hash').where('username', '=', 'edna').executeTakeFirstOrThrow();
    expect(hashParams(password_hash)).toEqual({ N: 2 ** 13, r: 8, p: 2 });
    expect((await accounts.login('edna', 'edna-password-2')).user.displayName).toBe('Edna Educator');
  });
});
