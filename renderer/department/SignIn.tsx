// Sign-in: the server's words on a wrong password or a locked account, as they are.
import { useState, type FormEvent } from 'react';
import { call, errorText } from './api';

export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call('POST', '/api/login', { username: username.trim(), password });
      setPassword('');
      onSignedIn();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const shown = error ?? notice;
  return (
    <section className="dept-signin card" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      <p className="muted">The department’s shared review library. Accounts are created by an administrator.</p>
      <form className="form-card" onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="signin-username" className="field-label">
            Username
          </label>
          <input id="signin-username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor="signin-password" className="field-label">
            Password
          </label>
          <input
            id="signin-password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </div>
        {shown && (
          <p className="dept-error" role="alert">
            {shown}
          </p>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy || !username.trim() || !password}>
          {busy && <span className="spinner" aria-hidden="true" />}
          Sign in
        </button>
      </form>
    </section>
  );
}
