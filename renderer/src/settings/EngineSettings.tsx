// Settings → Engine: where analyses run. Local (the model files in Models), Remote (an OpenAI-compatible server
// such as vLLM, llama-server or `npm run serve-model`: its URL, the model it serves (from "Test connection"), and an
// API key that goes to the secret store only (the page learns "saved" or "not set", never the key)), or the shared
// engine of the department library the reviewer is signed in to (Settings → Department library).
import { useEffect, useState, type FormEvent } from 'react';
import type { RemoteConnectionTest } from '../../../electron/api/schemas';
import { api } from '../api';
import { useInference } from '../app/inference-context';
import { useNavigate } from '../app/navigation';
import { useSettings } from '../app/settings-context';
import { useDepartmentLink } from './use-department-link';
import { Button } from '../ui/Button';
import { errorMessage } from '../ui/errors';
import { Field } from '../ui/Field';
import { useNotify } from '../ui/notify';
import './engine-settings.css';

type Engine = 'local' | 'remote' | 'department';

export function EngineSettings() {
  const notify = useNotify();
  const navigate = useNavigate();
  const { settings, loaded, update } = useSettings();
  const { status, setStatus } = useInference();
  const [engine, setEngine] = useState<Engine>(settings.engine);
  const [url, setUrl] = useState(settings.remoteUrl ?? '');
  const [model, setModel] = useState(settings.remoteModel ?? '');
  const [models, setModels] = useState<string[]>(settings.remoteModel ? [settings.remoteModel] : []);
  const [key, setKey] = useState('');
  const [keySaved, setKeySaved] = useState<boolean | null>(null);
  const [test, setTest] = useState<RemoteConnectionTest | null>(null);
  const [useError, setUseError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'test' | 'use' | 'clear' | 'local' | 'department' | null>(null);
  const [departmentError, setDepartmentError] = useState<string | null>(null);
  const link = useDepartmentLink();
  const departmentConnection = link?.connection ?? null;
  const [synced, setSynced] = useState(false);

  useEffect(() => {
    if (!loaded || synced) return;
    setSynced(true);
    setEngine(settings.engine);
    setUrl(settings.remoteUrl ?? '');
    setModel(settings.remoteModel ?? '');
    if (settings.remoteModel) setModels([settings.remoteModel]);
  }, [loaded, synced, settings]);

  const readKeyStatus = () =>
    api.secrets
      .status({})
      .then((s) => setKeySaved(s.secrets.find((x) => x.name === 'remote-api-key')?.set ?? false))
      .catch(() => setKeySaved(null));
  useEffect(() => {
    void readKeyStatus();
  }, []);

  const remoteLoaded = status?.model?.engine === 'remote' && status.state === 'ready';

  async function chooseLocal() {
    setEngine('local');
    if (settings.engine === 'local') return;
    setBusy('local');
    try {
      await update({ engine: 'local' });
      notify.info(remoteLoaded ? 'The local engine is used from the next model you load or activate in Models.' : 'Analyses will use the local model files (Models).');
    } catch (err) {
      notify.error(err, 'The engine was not changed.');
    } finally {
      setBusy(null);
    }
  }

  async function useDepartment() {
    setBusy('department');
    setDepartmentError(null);
    try {
      const st = await api.inference.load({ engine: 'department' });
      setStatus(st);
      await update({}); // re-read: the department's engine is now the saved one
      notify.info(`Analyses now run on the department's engine (${st.model?.remoteModel ?? 'its model'}).`);
    } catch (err) {
      setDepartmentError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  async function testConnection(e?: FormEvent) {
    e?.preventDefault();
    setBusy('test');
    setTest(null);
    setUseError(null);
    try {
      const r = await api.inference.testConnection({ url: url.trim(), ...(model ? { model } : {}), ...(key ? { apiKey: key } : {}) });
      setTest(r);
      if (r.models.length) {
        setModels(r.models);
        if (!model || !r.models.includes(model)) setModel(r.models[0]!);
      }
    } catch (err) {
      setTest({ ok: false, models: [], multimodal: null, message: errorMessage(err) });
    } finally {
      setBusy(null);
    }
  }

  async function useServer() {
    setBusy('use');
    setUseError(null);
    try {
      const st = await api.inference.load({ engine: 'remote', url: url.trim(), model, ...(key ? { apiKey: key } : {}) });
      setStatus(st);
      setKey('');
      await readKeyStatus();
      await update({}); // re-read: the server and model are now the saved engine
      notify.info(`Analyses now run on ${st.model?.serverUrl ?? url} (${model}).`);
    } catch (err) {
      setUseError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  async function clearKey() {
    setBusy('clear');
    try {
      const s = await api.secrets.set({ name: 'remote-api-key', value: null });
      setKeySaved(s.secrets.find((x) => x.name === 'remote-api-key')?.set ?? false);
      setKey('');
      notify.info('The API key was removed.');
    } catch (err) {
      notify.error(err, 'The API key was not removed.');
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="page-section engine-settings" aria-labelledby="engine-title" data-testid="engine-settings">
      <h2 id="engine-title">Engine</h2>
      <div className="card form-card">
        <fieldset className="engine-choice" disabled={busy === 'local'}>
          <legend className="field-label">Where analyses run</legend>
          <label>
            <input type="radio" name="engine" value="local" checked={engine === 'local'} onChange={() => void chooseLocal()} data-testid="engine-local" />
            Local — the model files on this computer
          </label>
          <label>
            <input type="radio" name="engine" value="remote" checked={engine === 'remote'} onChange={() => setEngine('remote')} data-testid="engine-remote" />
            Remote — an OpenAI-compatible server (vLLM, llama-server, serve-model)
          </label>
          <label>
            <input type="radio" name="engine" value="department" checked={engine === 'department'} onChange={() => setEngine('department')} data-testid="engine-department" />
            Department — the shared engine of the department library
          </label>
        </fieldset>

        {engine === 'department' ? (
          <div className="engine-remote" data-testid="engine-department-panel">
            {!departmentConnection ? (
              <p className="muted" data-testid="engine-department-signed-out">
                Sign in to your department library first (Settings → Department library, below). Its server runs the analyses on its own engine and takes turns between reviewers.
              </p>
            ) : !departmentConnection.server.engine ? (
              <p className="engine-test is-problem" role="status" data-testid="engine-department-none">
                The department server at {departmentConnection.url} has no model engine configured, so it cannot analyse frames. Ask its administrator to start it with --engine-url.
              </p>
            ) : (
              <>
                <p className="muted">
                  The frame, the prompt and the settings go to the department server at <code>{departmentConnection.url}</code>, signed in as {departmentConnection.user.displayName}; it asks its engine and
                  takes turns between reviewers. Signing out there stops it.
                </p>
                <div className="row-actions">
                  <Button variant="primary" onClick={() => void useDepartment()} busy={busy === 'department'} data-testid="engine-department-use">
                    Use the department&apos;s engine
                  </Button>
                </div>
              </>
            )}
            {departmentError && (
              <p className="engine-test is-problem" role="alert" data-testid="engine-department-error">
                {departmentError}
              </p>
            )}
            {settings.engine === 'department' && status?.model?.engine === 'remote' && status.state === 'ready' && (
              <p className="muted" data-testid="engine-department-in-use">
                In use: <code>{status.model.serverUrl}</code> · {status.model.remoteModel}
              </p>
            )}
          </div>
        ) : engine === 'local' ? (
          <p className="muted">
            The model files are loaded, activated and tested in{' '}
            <button type="button" className="link" onClick={() => navigate('models')} data-testid="engine-go-models">
              Models
            </button>
            .
          </p>
        ) : (
          <form className="engine-remote" onSubmit={(e) => void testConnection(e)} noValidate>
            <p className="muted">
              The frame, the prompt and the settings are sent to this server for each analysis; nothing else leaves the workstation. Use a server on your department&apos;s
              network.
            </p>
            <Field id="remote-url" name="url" label="Server URL" hint="For example http://gpu-server:8000 (a trailing /v1 is fine).">
              {(p) => (
                <input {...p} type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://gpu-server:8000" autoComplete="off" spellCheck={false} data-testid="remote-url" />
              )}
            </Field>
            <Field id="remote-model" name="model" label="Model" hint={models.length ? 'As the server lists it.' : 'Test the connection to list the server\u2019s models.'}>
              {(p) => (
                <select {...p} value={model} onChange={(e) => setModel(e.target.value)} disabled={models.length === 0} data-testid="remote-model">
                  {models.length === 0 && <option value="">—</option>}
                  {models.map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field id="remote-key" name="apiKey" label="API key" hint="Only if the server asks for one. Kept in the system key store; never shown again.">
              {(p) => (
                <div className="inline-control">
                  <input
                    {...p}
                    type="password"
                    value={key}
                    onChange={(e) => setKey(e.target.value)}
                    placeholder={keySaved ? 'saved (type to replace)' : 'not set'}
                    autoComplete="off"
                    spellCheck={false}
                    data-testid="remote-key"
                  />
                  <span className="muted engine-key-status" data-testid="remote-key-status" data-set={keySaved === true}>
                    {keySaved === null ? '…' : keySaved ? 'saved' : 'not set'}
                  </span>
                  {keySaved && (
                    <Button size="sm" variant="ghost" onClick={() => void clearKey()} busy={busy === 'clear'} data-testid="remote-key-clear">
                      Clear
                    </Button>
                  )}
                </div>
              )}
            </Field>
            <div className="row-actions">
              <Button type="submit" busy={busy === 'test'} disabled={!url.trim() || busy === 'use'} data-testid="remote-test">
                Test connection
              </Button>
              <Button variant="primary" onClick={() => void useServer()} busy={busy === 'use'} disabled={!url.trim() || !model || busy === 'test'} data-testid="remote-use">
                Use this server
              </Button>
            </div>
            {test && (
              <p className={`engine-test ${test.ok ? 'is-ok' : 'is-problem'}`} role="status" data-testid="remote-test-result" data-ok={test.ok ? 'true' : 'false'}>
                {test.ok ? '✓ ' : '✗ '}
                {test.message}
              </p>
            )}
            {test?.multimodal === false && (
              <p className="engine-test is-warning" role="alert" data-testid="remote-test-warning">
                This model does not take images, so it cannot analyse frames. Serve a vision model (with its mmproj / vision tower) and test again.
              </p>
            )}
            {useError && (
              <p className="engine-test is-problem" role="alert" data-testid="remote-use-error">
                {useError}
              </p>
            )}
            {remoteLoaded && (
              <p className="muted" data-testid="remote-in-use">
                In use: <code>{status?.model?.serverUrl}</code> · {status?.model?.remoteModel}
              </p>
            )}
          </form>
        )}
      </div>
    </section>
  );
}
