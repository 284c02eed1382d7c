// Settings → Department library: sign in to the department's shared library (its server's address, your account,
// and the certificate file where the hospital signs its own), see who you are signed in as and the department's
// reviews, sign out. The address and user name are remembered; the password never is.
import { useEffect, useState, type FormEvent } from 'react';
import { DEPARTMENT_ROLE_LABELS, type DepartmentLink, type DepartmentReview } from '../../../electron/api/schemas-department';
import { api } from '../api';
import { BrowseButton } from '../ui/BrowseButton';
import { Button } from '../ui/Button';
import { errorMessage, fieldErrorsFrom } from '../ui/errors';
import { Field } from '../ui/Field';
import { useNotify } from '../ui/notify';
import { DepartmentReviewLink } from '../department/ReviewLink';
import { useDepartmentLink } from './use-department-link';
import './engine-settings.css';
import '../department/department.css';

type FieldName = 'url' | 'username' | 'password' | 'caFile';

function ReviewList({ reviews, base }: { reviews: DepartmentReview[] | null; base: string }) {
  if (reviews === null) return <p className="muted">Loading the department’s reviews…</p>;
  if (reviews.length === 0) return <p className="muted">The department library has no reviews yet. Publish one from its review screen.</p>;
  return (
    <ul className="department-reviews" data-testid="department-reviews">
      {reviews.slice(0, 8).map((r) => (
        <li key={r.id}>
          <span className="department-review-title">{r.title}</span>
          <span className={`department-review-status is-${r.status}`}>{r.status === 'final' || r.signedOffBy ? `Signed off by ${r.signedOffBy ?? '—'}` : 'Draft'}</span>
          <DepartmentReviewLink base={base} reviewId={r.id} testId="department-review-open">
            Open ↗
          </DepartmentReviewLink>
        </li>
      ))}
      {reviews.length > 8 && <li className="muted">and {reviews.length - 8} more</li>}
    </ul>
  );
}

function Connected({ link, onDisconnect, busy }: { link: NonNullable<DepartmentLink['connection']>; onDisconnect(): void; busy: boolean }) {
  const [reviews, setReviews] = useState<DepartmentReview[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    api.department.reviews({}).then(
      (list) => alive && setReviews(list),
      (err: unknown) => alive && setProblem(errorMessage(err)),
    );
    return () => {
      alive = false;
    };
  }, [link.connectedAt]);
  return (
    <div className="department-connected" data-testid="department-connected">
      <p className="engine-test is-ok" role="status">
        ✓ Signed in to <code>{link.url}</code> as <strong>{link.user.displayName}</strong> ({DEPARTMENT_ROLE_LABELS[link.user.role]})
      </p>
      <dl className="facts">
        <div>
          <dt>Library</dt>
          <dd>
            {link.server.database === 'postgresql' ? 'PostgreSQL' : 'SQLite'} · server {link.server.version}
            {link.server.tls ? '' : ' · not encrypted (this computer only)'}
          </dd>
        </div>
        <div>
          <dt>You may</dt>
          <dd>{link.permissions.signOff ? 'review, publish and sign off' : 'review and publish (an attending signs off)'}</dd>
        </div>
      </dl>
      {problem ? (
        <p className="engine-test is-problem" role="alert">
          {problem}
        </p>
      ) : (
        <ReviewList reviews={reviews} base={link.url} />
      )}
      <div className="row-actions">
        <Button onClick={onDisconnect} busy={busy} data-testid="department-disconnect">
          Sign out
        </Button>
      </div>
    </div>
  );
}

export function DepartmentSettings() {
  const notify = useNotify();
  const link = useDepartmentLink();
  const [url, setUrl] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [caFile, setCaFile] = useState('');
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [filled, setFilled] = useState(false);

  useEffect(() => {
    if (filled || !link?.remembered) return;
    setFilled(true);
    setUrl(link.remembered.url);
    setUsername(link.remembered.username);
    setCaFile(link.remembered.caFile ?? '');
  }, [link, filled]);

  async function connect(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    setErrors({});
    try {
      await api.department.connect({ url: url.trim(), username: username.trim(), password, ...(caFile.trim() ? { caFile: caFile.trim() } : {}) });
      setPassword('');
    } catch (err) {
      const fields = fieldErrorsFrom(err, ['url', 'username', 'password', 'caFile'] as const);
      setErrors(fields);
      if (!Object.keys(fields).length) setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function disconnect() {
    setBusy(true);
    try {
      await api.department.disconnect({});
      notify.info('Signed out of the department library.');
    } catch (err) {
      notify.error(err, 'Could not sign out.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="page-section" aria-labelledby="department-title" data-testid="department-settings">
      <h2 id="department-title">Department library</h2>
      <div className="card form-card">
        {link === null ? (
          <p className="muted">…</p>
        ) : link.connection ? (
          <Connected link={link.connection} onDisconnect={() => void disconnect()} busy={busy} />
        ) : (
          <form className="engine-remote" onSubmit={(e) => void connect(e)} noValidate data-testid="department-connect-form">
            <p className="muted">
              Your department&apos;s shared library: publish reviews for an attending to sign off, and see colleagues&apos; reviews. This computer&apos;s own library stays
              as it is.
            </p>
            <Field id="department-url" name="url" label="Server address" error={errors.url} hint="As your IT department gives it, for example https://review.hospital.org:8443.">
              {(p) => (
                <input {...p} type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://review.hospital.org:8443" autoComplete="url" spellCheck={false} data-testid="department-url" />
              )}
            </Field>
            <div className="form-row">
              <Field id="department-username" name="username" label="User name" error={errors.username}>
                {(p) => <input {...p} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" spellCheck={false} data-testid="department-username" />}
              </Field>
              <Field id="department-password" name="password" label="Password" error={errors.password}>
                {(p) => <input {...p} type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" data-testid="department-password" />}
              </Field>
            </div>
            <Field
              id="department-ca"
              name="caFile"
              label="Certificate file (optional)"
              error={errors.caFile}
              hint="Only if the hospital signs its own certificates: the .pem file your IT department gives you."
            >
              {(p) => (
                <div className="inline-control">
                  <input {...p} value={caFile} onChange={(e) => setCaFile(e.target.value)} placeholder="/path/to/hospital-ca.pem" spellCheck={false} data-testid="department-ca" />
                  <BrowseButton
                    purpose="certificate"
                    disabled={busy}
                    onPath={(chosen) => {
                      setCaFile(chosen);
                      setErrors(({ caFile: _, ...rest }) => rest);
                    }}
                    onError={(message) => setErrors((e) => ({ ...e, caFile: message }))}
                    testId="department-ca-browse"
                  />
                </div>
              )}
            </Field>
            <div className="row-actions">
              <Button type="submit" variant="primary" busy={busy} disabled={!url.trim() || !username.trim() || !password} data-testid="department-connect">
                Sign in
              </Button>
            </div>
            {problem && (
              <p className="engine-test is-problem" role="alert" data-testid="department-problem">
                {problem}
              </p>
            )}
          </form>
        )}
      </div>
    </section>
  );
}
