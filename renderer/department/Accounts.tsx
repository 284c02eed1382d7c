// Accounts (administrators; #/accounts): every account with its role and state, a new account, and per account a
// role, Disable / Enable, Reset password and Unlock. The server decides (403 for anyone else, the last active
// administrator kept, the password rules): its refusal is shown in its own words next to the control that asked.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiFailure, call, errorText, formatTime, ROLE_LABELS, type Account, type Me, type Role } from './api';

const ROLES = Object.keys(ROLE_LABELS) as Role[];

/** What one row says after an action: the server's refusal, or what was done. */
interface RowNotice {
  id: number;
  text: string;
  error: boolean;
}

function AccountState({ account }: { account: Account }) {
  if (account.disabled) return <span className="pill acct-pill-disabled">Disabled</span>;
  if (account.lockedUntil) {
    return (
      <>
        <span className="pill acct-pill-locked">Locked</span>
        <div className="dept-meta acct-when">until {formatTime(account.lockedUntil)}</div>
      </>
    );
  }
  return <span className="pill pill-final">Active</span>;
}

function NewAccount({ onCreated, fail }: { onCreated: (a: Account) => void; fail: (err: unknown) => string }) {
  const empty = { username: '', displayName: '', role: 'resident' as Role, password: '' };
  const [form, setForm] = useState(empty);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = (field: keyof typeof empty) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [field]: e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await call<Account>('POST', '/api/users', { ...form, username: form.username.trim(), displayName: form.displayName.trim() });
      setForm(empty);
      onCreated(created);
    } catch (err) {
      setError(fail(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="acct-new card" onSubmit={(e) => void submit(e)} aria-labelledby="new-account-title" noValidate>
      <h2 id="new-account-title">New account</h2>
      <div className="acct-new-fields">
        <div className="field">
          <label htmlFor="new-username" className="field-label">
            Username
          </label>
          <input id="new-username" autoComplete="off" value={form.username} onChange={set('username')} maxLength={64} />
        </div>
        <div className="field">
          <label htmlFor="new-display-name" className="field-label">
            Display name
          </label>
          <input id="new-display-name" autoComplete="off" placeholder="e.g. Dr Nico New" value={form.displayName} onChange={set('displayName')} maxLength={120} />
        </div>
        <div className="field">
          <label htmlFor="new-role" className="field-label">
            Role
          </label>
          <select id="new-role" value={form.role} onChange={set('role')}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="new-password" className="field-label">
            Temporary password
          </label>
          <input id="new-password" type="password" autoComplete="new-password" value={form.password} onChange={set('password')} />
        </div>
      </div>
      <p className="field-hint">At least 10 characters. Give it to the reviewer in person; they sign in with it.</p>
      {error && (
        <p className="dept-error" role="alert">
          {error}
        </p>
      )}
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy || !form.username.trim() || !form.displayName.trim() || !form.password}>
          Create account
        </button>
      </div>
    </form>
  );
}

export function Accounts({ me, onSignedOut }: { me: Me; onSignedOut: (message: string) => void }) {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [notice, setNotice] = useState<RowNotice | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  /** The account whose new password is being typed, and what was typed. */
  const [resetting, setResetting] = useState<{ id: number; password: string } | null>(null);

  /** A refusal in words; 401 (the session ended, perhaps by this very change): back to sign-in. */
  const fail = useCallback(
    (err: unknown): string => {
      if (err instanceof ApiFailure && err.status === 401) onSignedOut(err.message);
      return errorText(err);
    },
    [onSignedOut],
  );

  const load = useCallback(async () => {
    try {
      setAccounts(await call<Account[]>('GET', '/api/users'));
      setLoadError(null);
    } catch (err) {
      setLoadError(fail(err));
    }
  }, [fail]);

  useEffect(() => {
    void load();
  }, [load]);

  const replace = (a: Account) => setAccounts((all) => all?.map((x) => (x.id === a.id ? a : x)) ?? null);

  /** One action on one account; its answer replaces the row, its refusal is shown under it. */
  const act = async (account: Account, work: () => Promise<Account>, done: string): Promise<boolean> => {
    setBusy(account.id);
    setNotice(null);
    try {
      replace(await work());
      setNotice({ id: account.id, text: done, error: false });
      return true;
    } catch (err) {
      setNotice({ id: account.id, text: fail(err), error: true });
      return false;
    } finally {
      setBusy(null);
    }
  };

  const patch = (a: Account, body: { role?: Role; disabled?: boolean }, done: string) => void act(a, () => call<Account>('PATCH', `/api/users/${a.id}`, body), done);

  const reset = async (e: FormEvent, a: Account) => {
    e.preventDefault();
    const password = resetting?.password ?? '';
    const ok = await act(a, () => call<Account>('POST', `/api/users/${a.id}/password`, { password }), `${a.displayName}’s password was reset; their sessions ended.`);
    if (ok) setResetting(null);
  };

  return (
    <section className="dept-page acct-page" aria-labelledby="accounts-title">
      <div className="dept-page-head">
        <h1 id="accounts-title">Accounts</h1>
        <button
          type="button"
          className="btn btn-sm"
          onClick={() => {
            setNotice(null);
            void load();
          }}
        >
          Refresh
        </button>
      </div>
      {loadError && (
        <p className="dept-error" role="alert">
          {loadError}
        </p>
      )}
      {accounts === null ? (
        !loadError && <p className="muted">Loading accounts…</p>
      ) : (
        <table className="dept-table card acct-table">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => {
              const rowBusy = busy === a.id;
              const said = notice?.id === a.id ? notice : null;
              const open = resetting?.id === a.id;
              return [
                <tr key={a.id} data-testid="account" data-username={a.username} className={a.disabled ? 'acct-disabled' : undefined}>
                  <td>
                    <div className="acct-name">
                      {a.displayName}
                      {a.id === me.user.id && <span className="acct-you"> (you)</span>}
                    </div>
                    <div className="dept-meta">
                      {a.username} · created {a.createdAt.slice(0, 10)}
                    </div>
                  </td>
                  <td>
                    <select aria-label={`Role of ${a.username}`} value={a.role} disabled={rowBusy} onChange={(e) => patch(a, { role: e.target.value as Role }, `${a.displayName} is now ${ROLE_LABELS[e.target.value as Role].toLowerCase()}.`)}>
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {ROLE_LABELS[r]}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <AccountState account={a} />
                  </td>
                  <td className="muted acct-when">{a.lastSignInAt ? formatTime(a.lastSignInAt) : '—'}</td>
                  <td>
                    <div className="dept-row-actions acct-actions">
                      {a.lockedUntil && (
                        <button type="button" className="btn btn-sm" disabled={rowBusy} onClick={() => void act(a, () => call<Account>('POST', `/api/users/${a.id}/unlock`, {}), `${a.displayName} can sign in again.`)}>
                          Unlock
                        </button>
                      )}
                      <button type="button" className="btn btn-sm" disabled={rowBusy || open} onClick={() => setResetting({ id: a.id, password: '' })}>
                        Reset password
                      </button>
                      {a.disabled ? (
                        <button type="button" className="btn btn-sm" disabled={rowBusy} onClick={() => patch(a, { disabled: false }, `${a.displayName} is enabled: they can sign in again.`)}>
                          Enable
                        </button>
                      ) : (
                        <button type="button" className="btn btn-sm btn-danger" disabled={rowBusy} onClick={() => patch(a, { disabled: true }, `${a.displayName} is disabled; their sessions ended.`)}>
                          Disable
                        </button>
                      )}
                    </div>
                  </td>
                </tr>,
                (open || said) && (
                  <tr key={`${a.id}-more`} className="acct-more">
                    <td colSpan={5}>
                      {open && (
                        <form className="dept-inline-form acct-reset" onSubmit={(e) => void reset(e, a)}>
                          <label htmlFor={`reset-${a.id}`} className="field-label">
                            New password for {a.username}
                          </label>
                          <input
                            id={`reset-${a.id}`}
                            type="password"
                            autoComplete="new-password"
                            value={resetting?.password ?? ''}
                            onChange={(e) => setResetting({ id: a.id, password: e.target.value })}
                            autoFocus
                          />
                          <button type="submit" className="btn btn-primary btn-sm" disabled={rowBusy || !resetting?.password}>
                            Set password
                          </button>
                          <button type="button" className="btn btn-sm btn-ghost" onClick={() => setResetting(null)}>
                            Cancel
                          </button>
                        </form>
                      )}
                      {said && (
                        <p className={said.error ? 'dept-error' : 'acct-done'} role={said.error ? 'alert' : 'status'}>
                          {said.text}
                        </p>
                      )}
                    </td>
                  </tr>
                ),
              ];
            })}
          </tbody>
        </table>
      )}
      {accounts !== null && (
        <NewAccount
          fail={fail}
          onCreated={(a) => {
            setAccounts((all) => [...(all ?? []), { ...a, disabled: false, lockedUntil: null, lastSignInAt: null, createdAt: new Date().toISOString() }]);
            setNotice({ id: a.id, text: `Account ${a.username} created: they can sign in with the temporary password.`, error: false });
            void load();
          }}
        />
      )}
    </section>
  );
}
