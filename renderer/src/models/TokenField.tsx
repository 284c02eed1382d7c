// The Hugging Face access token for gated models: set or clear it. The page only ever learns "set" or "not set";
// the token goes to the secret store (the OS key store in the app) and is never shown again.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api';
import { Button } from '../ui/Button';
import { Field } from '../ui/Field';
import { fieldErrorsFrom } from '../ui/errors';
import { useNotify } from '../ui/notify';

export function TokenField() {
  const notify = useNotify();
  const [isSet, setIsSet] = useState<boolean | null>(null);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<'save' | 'clear' | null>(null);

  useEffect(() => {
    api.secrets
      .status({})
      .then((s) => setIsSet(s.secrets.find((x) => x.name === 'huggingface-token')?.set ?? false))
      .catch(() => setIsSet(null));
  }, []);

  async function save(next: string | null) {
    setBusy(next === null ? 'clear' : 'save');
    try {
      const s = await api.secrets.set({ name: 'huggingface-token', value: next });
      setIsSet(s.secrets.find((x) => x.name === 'huggingface-token')?.set ?? false);
      setValue('');
      setError(undefined);
      notify.info(next === null ? 'The Hugging Face token was removed.' : 'The Hugging Face token was saved.');
    } catch (err) {
      setError(fieldErrorsFrom(err, ['value'] as const).value);
      notify.error(err, 'The token was not saved.');
    } finally {
      setBusy(null);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!value.trim()) {
      setError('Paste the token (it starts with hf_).');
      return;
    }
    void save(value.trim());
  }

  return (
    <form className="card form-card" onSubmit={submit} noValidate data-testid="token-form">
      <p className="muted">
        MedGemma is gated on Hugging Face: accept its terms on the model page with your account, create an access token (read) in your Hugging Face settings, and
        paste it here. It stays on this computer (encrypted with the system key store in the app; in a file only your account can read under the browser
        host) and is sent only with the downloads of gated catalog models.
      </p>
      <p>
        Token:{' '}
        <strong data-testid="token-status" data-set={isSet === true}>
          {isSet === null ? '…' : isSet ? 'set' : 'not set'}
        </strong>
      </p>
      <div className="form-row">
        <Field id="hf-token" name="value" label={isSet ? 'Replace the token' : 'Access token'} error={error}>
          {(p) => (
            <input {...p} type="password" data-testid="token-input" value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" spellCheck={false} placeholder="hf_…" />
          )}
        </Field>
      </div>
      <div className="row-actions">
        <Button type="submit" variant="primary" busy={busy === 'save'} disabled={busy === 'clear'} data-testid="token-save">
          Save token
        </Button>
        {isSet && (
          <Button onClick={() => void save(null)} busy={busy === 'clear'} disabled={busy === 'save'} data-testid="token-clear">
            Clear
          </Button>
        )}
      </div>
    </form>
  );
}
