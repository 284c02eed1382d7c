// Loading a text GGUF + mmproj straight from paths, without installing them (the model manager's Import keeps a
// record; this is the quick way to try files). Kept from the first Models view; the end-to-end tests use it.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { DevicePreference } from '../../../electron/api/schemas';
import { api } from '../api';
import { useInference } from '../app/inference-context';
import { useSettings } from '../app/settings-context';
import { Button } from '../ui/Button';
import { fieldErrorsFrom } from '../ui/errors';
import { Field } from '../ui/Field';
import { useNotify } from '../ui/notify';
import { DEVICES } from './devices';
import { BrowseButton } from '../ui/BrowseButton';

const FIELDS = ['modelPath', 'mmprojPath', 'device', 'contextSize'] as const;
type Errors = Partial<Record<(typeof FIELDS)[number], string>>;

export function LoadFilesForm() {
  const notify = useNotify();
  const { status, setStatus } = useInference();
  const { settings, loaded, update } = useSettings();
  const [modelPath, setModelPath] = useState('');
  const [mmprojPath, setMmprojPath] = useState('');
  const [device, setDevice] = useState<DevicePreference>('auto');
  const [contextSize, setContextSize] = useState('4096');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const prefilled = useRef(false);

  useEffect(() => {
    if (!loaded || prefilled.current) return;
    prefilled.current = true;
    setModelPath(settings.modelPath ?? '');
    setMmprojPath(settings.mmprojPath ?? '');
    setDevice(settings.devicePreference);
    setContextSize(String(settings.contextSize));
  }, [loaded, settings]);

  async function load(e: FormEvent) {
    e.preventDefault();
    const ctx = Number(contextSize);
    const errs: Errors = {};
    if (!modelPath.trim()) errs.modelPath = 'Enter the path of the GGUF text model.';
    if (!mmprojPath.trim()) errs.mmprojPath = 'Enter the path of the mmproj (vision projector) GGUF.';
    if (!Number.isInteger(ctx) || ctx < 1024 || ctx > 32768) errs.contextSize = 'Use a whole number from 1,024 to 32,768.';
    setErrors(errs);
    if (Object.keys(errs).length > 0) return;
    const input = { modelPath: modelPath.trim(), mmprojPath: mmprojPath.trim(), device, contextSize: ctx };
    setBusy(true);
    try {
      // Remember the choice first, so a typo in a path is still there to fix next time.
      await update({ modelPath: input.modelPath, mmprojPath: input.mmprojPath, devicePreference: device, contextSize: ctx });
      const next = await api.inference.load(input);
      setStatus(next);
      if (next.state === 'ready') notify.info(`Loaded ${next.model?.name ?? 'the model'}.`);
    } catch (err) {
      setErrors(fieldErrorsFrom(err, FIELDS));
      notify.error(err, 'The model was not loaded.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card form-card" onSubmit={load} noValidate data-testid="model-form">
      <Field id="model-path" name="modelPath" label="Text model (GGUF)" required error={errors.modelPath} hint="Full path, e.g. /models/medgemma-cataract-Q4_K_M.gguf">
        {(p) => (
          <div className="inline-control">
            <input {...p} data-testid="model-path" value={modelPath} onChange={(e) => setModelPath(e.target.value)} spellCheck={false} autoComplete="off" />
            <BrowseButton purpose="model" onPath={setModelPath} />
          </div>
        )}
      </Field>
      <Field id="mmproj-path" name="mmprojPath" label="Vision projector (mmproj GGUF)" required error={errors.mmprojPath} hint="Full path, e.g. /models/mmproj-medgemma-f16.gguf">
        {(p) => (
          <div className="inline-control">
            <input {...p} data-testid="mmproj-path" value={mmprojPath} onChange={(e) => setMmprojPath(e.target.value)} spellCheck={false} autoComplete="off" />
            <BrowseButton purpose="mmproj" onPath={setMmprojPath} />
          </div>
        )}
      </Field>
      <div className="form-row">
        <Field id="device-select" name="device" label="Device" error={errors.device}>
          {(p) => (
            <select {...p} data-testid="device-select" value={device} onChange={(e) => setDevice(e.target.value as DevicePreference)}>
              {DEVICES.map((d) => (
                <option key={d.value} value={d.value}>
                  {d.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="context-size" name="contextSize" label="Context size (tokens)" error={errors.contextSize}>
          {(p) => (
            <input {...p} data-testid="context-size" type="number" min={1024} max={32768} step={1024} value={contextSize} onChange={(e) => setContextSize(e.target.value)} />
          )}
        </Field>
      </div>
      <div className="row-actions">
        <Button type="submit" variant="primary" busy={busy || status?.state === 'loading'} data-testid="model-load">
          {status?.state === 'loading' ? 'Loading…' : 'Load model'}
        </Button>
      </div>
    </form>
  );
}
