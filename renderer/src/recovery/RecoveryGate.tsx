// Before the app: asks whether the library opened. When it could not be (corrupt, unreadable, from a newer app),
// the recovery screen replaces the app: restore a backup, open another library file, or quit. The damaged file
// is never changed; a restore sets it aside. After a restore the page reloads onto the opened library.
import { useEffect, useState, type ReactNode } from 'react';
import type { RecoveryStatus } from '../../../electron/api/schemas-review';
import { api } from '../api';
import { Button } from '../ui/Button';
import { errorMessage } from '../ui/errors';
import { formatBytes, formatDateTime } from '../ui/format';
import './recovery.css';
import { BrowseButton } from '../ui/BrowseButton';

export function RecoveryGate({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<RecoveryStatus | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    api.recovery
      .status({})
      .then((s) => alive && setStatus(s))
      .catch((err: unknown) => alive && setFailed(errorMessage(err)));
    const off = api.on('library.changed', (c) => {
      if (c.entity === 'library' && c.action === 'reopen') window.location.reload();
    });
    return () => {
      alive = false;
      off();
    };
  }, []);
  // Without an answer the app starts anyway: its own calls then say what is wrong.
  if (failed) return <>{children}</>;
  if (!status)
    return (
      <p className="muted recovery-checking" role="status">
        Checking the library…
      </p>
    );
  if (status.mode === 'recovery') return <RecoveryScreen initial={status} />;
  return <>{children}</>;
}

const PROBLEM_TITLE: Record<NonNullable<RecoveryStatus['problem']>['kind'], string> = {
  corrupt: 'The library is damaged',
  unreadable: 'The library cannot be read',
  'newer-version': 'The library is from a newer version of the app',
  other: 'The library could not be opened',
};

export function RecoveryScreen({ initial }: { initial: RecoveryStatus }) {
  const [status, setStatus] = useState(initial);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [other, setOther] = useState('');
  const run = async (what: string, fn: () => Promise<RecoveryStatus>) => {
    setBusy(what);
    setError(null);
    try {
      const next = await fn();
      setStatus(next);
      if (next.mode === 'normal') window.location.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };
  const problem = status.problem;
  return (
    <main className="recovery" data-testid="recovery-screen" data-problem={problem?.kind ?? ''}>
      <h1>{problem ? PROBLEM_TITLE[problem.kind] : 'The library could not be opened'}</h1>
      <p className="recovery-message" data-testid="recovery-problem">
        {problem?.message}
      </p>
      <p className="muted">
        Library file: <code>{status.file}</code>. It has not been changed. Restoring a backup moves it aside (as <code>library.damaged-…</code>) and never deletes it.
      </p>
      {error && (
        <p className="recovery-error" role="alert" data-testid="recovery-error">
          {error}
        </p>
      )}
      <section aria-label="Backups">
        <h2>Restore a backup</h2>
        {status.backups.length === 0 ? (
          <p className="muted">There are no backups in the data folder.</p>
        ) : (
          <table className="recovery-backups" data-testid="recovery-backups">
            <thead>
              <tr>
                <th>Taken</th>
                <th>Kind</th>
                <th>Size</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {status.backups.map((b) => (
                <tr key={b.name}>
                  <td>{formatDateTime(b.createdAt)}</td>
                  <td>{b.label === 'daily' ? 'Daily' : b.label.startsWith('pre-migration') ? 'Before an update' : b.label}</td>
                  <td>{formatBytes(b.sizeBytes)}</td>
                  <td>
                    <Button size="sm" variant="primary" busy={busy === b.name} disabled={busy !== null} onClick={() => void run(b.name, () => api.recovery.restore({ backup: b.name }))} data-testid="recovery-restore">
                      Restore this backup
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-label="Open another library">
        <h2>Open another library file</h2>
        <form
          className="recovery-other"
          onSubmit={(e) => {
            e.preventDefault();
            if (other.trim()) void run('other', () => api.recovery.openOther({ path: other.trim() }));
          }}
        >
          <input value={other} onChange={(e) => setOther(e.target.value)} placeholder="/path/to/library.sqlite" aria-label="Path of a library file" data-testid="recovery-other-path" />
          <BrowseButton purpose="library" disabled={busy !== null} onPath={setOther} />
          <Button type="submit" busy={busy === 'other'} disabled={busy !== null || !other.trim()} data-testid="recovery-open-other">
            Open
          </Button>
        </form>
      </section>
      <section aria-label="Quit">
        <Button onClick={() => window.close()} data-testid="recovery-quit">
          Quit
        </Button>
        {status.damagedFiles.length > 0 && <p className="muted">Set aside earlier: {status.damagedFiles.map((f) => f.split(/[\\/]/).pop()).join(', ')}</p>}
      </section>
    </main>
  );
}
