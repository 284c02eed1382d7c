// Settings: the theme, the review screen's theme and the number of daily backups (saved as soon as they are chosen),
// and who the reviewer is: name and role (resident, attending, educator), saved with their button. A review is
// signed off under that name and role.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { REVIEWER_ROLE_LABELS, ReviewerRole, type Settings } from '../../../electron/api/schemas';
import { api } from '../api';
import { useSettings } from '../app/settings-context';
import { Button } from '../ui/Button';
import { CharCount, tooLong } from '../ui/CharCount';
import { fieldErrorsFrom } from '../ui/errors';
import { Field } from '../ui/Field';
import { useNotify } from '../ui/notify';
import { EngineSettings } from './EngineSettings';
import { FfmpegAbout } from './FfmpegAbout';
import { LogFolder } from './LogFolder';
import { VideoSettings } from './VideoSettings';
import { CpuSettings } from './CpuSettings';
import { WorkAheadSettings } from './WorkAheadSettings';
import { DepartmentSettings } from './DepartmentSettings';

type Theme = Settings['theme'];
type Saved = 'theme' | 'reviewer' | 'backups' | null;
const BACKUP_CHOICES = [3, 7, 14, 30, 90];

function SavedMark({ testId }: { testId: string }) {
  return (
    <span className="saved" role="status" data-testid={testId}>
      ✓ Saved
    </span>
  );
}

export function SettingsView() {
  const notify = useNotify();
  const { settings, loaded, update } = useSettings();
  const [reviewerName, setReviewerName] = useState(settings.reviewerName);
  const [reviewerRole, setReviewerRole] = useState<Settings['reviewerRole']>(settings.reviewerRole);
  const [errors, setErrors] = useState<{ theme?: string; reviewerName?: string; reviewerRole?: string; backupsToKeep?: string }>({});
  const [busy, setBusy] = useState<Saved>(null);
  const [saved, setSaved] = useState<Saved>(null);
  const [info, setInfo] = useState<{ version: string; dataDir: string; platform: string; transport: string } | null>(null);
  const synced = useRef(false);

  useEffect(() => {
    if (!loaded || synced.current) return;
    synced.current = true;
    setReviewerName(settings.reviewerName);
    setReviewerRole(settings.reviewerRole);
  }, [loaded, settings]);

  useEffect(() => {
    api.app.info({}).then(setInfo, () => setInfo(null));
  }, []);

  async function save(what: Exclude<Saved, null>, patch: Partial<Settings>) {
    setBusy(what);
    setSaved(null);
    try {
      await update(patch);
      setErrors({});
      setSaved(what);
    } catch (err) {
      setErrors(fieldErrorsFrom(err, ['theme', 'reviewerName', 'reviewerRole', 'backupsToKeep'] as const));
      notify.error(err, 'Settings were not saved.');
    } finally {
      setBusy(null);
    }
  }

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const long = tooLong(reviewerName, 120, 'A name');
    if (long) {
      setErrors({ reviewerName: long });
      return;
    }
    void save('reviewer', { reviewerName: reviewerName.trim(), reviewerRole });
  };
  const reviewerDirty = reviewerName.trim() !== settings.reviewerName || reviewerRole !== settings.reviewerRole;

  return (
    <div className="page settings-page">
      <header className="page-header">
        <h1>Settings</h1>
      </header>
      <form className="card form-card narrow" onSubmit={onSubmit} noValidate data-testid="settings-form">
        <Field id="theme-select" name="theme" label="Theme" error={errors.theme} hint="System follows your computer's light or dark setting. Saved as soon as you choose.">
          {(p) => (
            <div className="inline-control">
              <select
                {...p}
                data-testid="theme-select"
                value={settings.theme}
                disabled={busy === 'theme'}
                onChange={(e) => void save('theme', { theme: e.target.value as Theme })}
              >
                <option value="system">System</option>
                <option value="light">Light</option>
                <option value="dark">Dark</option>
              </select>
              {saved === 'theme' && <SavedMark testId="settings-saved" />}
            </div>
          )}
        </Field>
        <Field id="review-theme-select" name="reviewTheme" label="Review screen" hint="The review screen is dark by default, like a viewing room; it can follow the theme above instead.">
          {(p) => (
            <div className="inline-control">
              <select {...p} data-testid="review-theme-select" value={settings.reviewTheme} disabled={busy === 'theme'} onChange={(e) => void save('theme', { reviewTheme: e.target.value as Settings['reviewTheme'] })}>
                <option value="dark">Dark</option>
                <option value="light">Light</option>
                <option value="app">Same as the app</option>
              </select>
            </div>
          )}
        </Field>
        <fieldset className="reviewer-fieldset">
          <legend>Reviewer</legend>
          <p className="field-hint">A review is finalised and signed off under this name and role; the reports print both.</p>
          <div className="form-row">
            <Field id="reviewer-name" name="reviewerName" label="Name" error={errors.reviewerName}>
              {(p) => (
                <input
                  {...p}
                  data-testid="reviewer-name"
                  value={reviewerName}
                  autoComplete="name"
                  onChange={(e) => {
                    setReviewerName(e.target.value);
                    if (saved === 'reviewer') setSaved(null);
                  }}
                />
              )}
            </Field>
            <Field id="reviewer-role" name="reviewerRole" label="Role" error={errors.reviewerRole}>
              {(p) => (
                <select
                  {...p}
                  data-testid="reviewer-role"
                  value={reviewerRole ?? ''}
                  onChange={(e) => {
                    setReviewerRole(e.target.value ? ReviewerRole.parse(e.target.value) : null);
                    if (saved === 'reviewer') setSaved(null);
                  }}
                >
                  <option value="">Not set</option>
                  {ReviewerRole.options.map((r) => (
                    <option key={r} value={r}>
                      {REVIEWER_ROLE_LABELS[r]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <CharCount value={reviewerName} max={120} />
        </fieldset>
        <Field
          id="backups-to-keep"
          name="backupsToKeep"
          label="Daily backups to keep"
          error={errors.backupsToKeep}
          hint="The library is backed up once a day while the app runs; older backups are removed. Saved as soon as you choose."
        >
          {(p) => (
            <div className="inline-control">
              <select
                {...p}
                data-testid="backups-to-keep"
                value={settings.backupsToKeep}
                disabled={busy === 'backups'}
                onChange={(e) => void save('backups', { backupsToKeep: Number(e.target.value) })}
              >
                {[...new Set([...BACKUP_CHOICES, settings.backupsToKeep])]
                  .sort((a, b) => a - b)
                  .map((n) => (
                    <option key={n} value={n}>
                      {n} {n === 1 ? 'day' : 'days'}
                    </option>
                  ))}
              </select>
              {saved === 'backups' && <SavedMark testId="settings-saved" />}
            </div>
          )}
        </Field>
        <div className="row-actions">
          <Button type="submit" variant="primary" busy={busy === 'reviewer'} disabled={!reviewerDirty} data-testid="settings-save">
            Save reviewer
          </Button>
          {saved === 'reviewer' && <SavedMark testId="settings-saved" />}
        </div>
      </form>
      <EngineSettings />
      <DepartmentSettings />
      <CpuSettings />
      <WorkAheadSettings />
      <VideoSettings />
      {info && (
        <section className="page-section about">
          <h2>About this workstation</h2>
          <dl className="facts facts-2 card">
            <div>
              <dt>Version</dt>
              <dd>{info.version}</dd>
            </div>
            <div>
              <dt>Running as</dt>
              <dd>
                {info.transport === 'browser-host' ? 'Browser host' : 'Desktop app'} · {info.platform}
              </dd>
            </div>
            <div className="fact-wide">
              <dt>Data folder</dt>
              <dd>
                <code>{info.dataDir}</code>
              </dd>
            </div>
            <LogFolder />
            <FfmpegAbout />
          </dl>
        </section>
      )}
    </div>
  );
}
