// Installed models: what each is, where it came from, which one is active and what it runs on; activate one
// (device preference + context size) or remove one (with confirmation, saying which files go and which stay).
import { useState } from 'react';
import type { DevicePreference, InstalledModel } from '../../../electron/api/schemas';
import { api } from '../api';
import { useInference } from '../app/inference-context';
import { useSettings } from '../app/settings-context';
import { Button } from '../ui/Button';
import { ConfirmDialog, Dialog } from '../ui/Dialog';
import { EmptyState } from '../ui/EmptyState';
import { Field } from '../ui/Field';
import { formatBytes, formatDateTime } from '../ui/format';
import { useNotify } from '../ui/notify';
import { DEVICES, parseContextSize } from './devices';

const SOURCE_LABEL: Record<InstalledModel['source'], string> = { catalog: 'Catalog download', imported: 'Imported', converted: 'Converted' };
const STORAGE_LABEL: Record<InstalledModel['storage'], string> = {
  download: 'in the data folder',
  copy: 'copied into the data folder',
  hardlink: 'hard-linked into the data folder',
  reference: 'used in place',
};

function TrainingBadge({ m }: { m: InstalledModel }) {
  if (m.fineTuned === true) return <span className="pill pill-tuned">Cataract fine-tune</span>;
  if (m.fineTuned === false) return <span className="pill pill-base">Base model, not fine-tuned</span>;
  return null;
}

function RunsOn({ m, preference }: { m: InstalledModel; preference: DevicePreference }) {
  if (m.loaded && m.device) return <span data-testid="installed-device">{m.device}</span>;
  if (m.active) return <span className="muted">Not loaded (prefers {preference})</span>;
  return <span className="muted">—</span>;
}

export function InstalledModels({ models, onChanged }: { models: InstalledModel[] | null; onChanged: () => Promise<void> }) {
  const notify = useNotify();
  const { setStatus } = useInference();
  const { settings } = useSettings();
  const [activating, setActivating] = useState<InstalledModel | null>(null);
  const [removing, setRemoving] = useState<InstalledModel | null>(null);
  const [busy, setBusy] = useState(false);

  if (!models) return <p className="muted">Reading the installed models…</p>;
  if (models.length === 0) {
    return (
      <EmptyState title="No model installed yet">
        Download one from the catalog below, import GGUF files you already have, or convert the fine-tuned checkpoint with scripts/convert-model and import
        the result.
      </EmptyState>
    );
  }

  async function remove(m: InstalledModel) {
    setBusy(true);
    try {
      const r = await api.models.remove({ id: m.id });
      notify.info(r.deletedFiles.length ? `Removed ${m.title} and deleted its files.` : `Removed ${m.title}; its files were kept.`);
      setRemoving(null);
      setStatus(await api.inference.status({}));
      await onChanged();
    } catch (err) {
      notify.error(err, 'The model was not removed.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <div className="table-wrap card">
        <table className="models-table" data-testid="installed-models">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Type</th>
              <th scope="col">Size</th>
              <th scope="col">sha256</th>
              <th scope="col">Source</th>
              <th scope="col">Runs on</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.id} data-testid="installed-model" data-model-id={m.id} data-active={m.active} data-loaded={m.loaded} className={m.active ? 'is-active' : undefined}>
                <td>
                  <div className="model-title">
                    {m.title}
                    {m.active && (
                      <span className="pill pill-state-ready" data-testid="active-marker">
                        Active
                      </span>
                    )}
                  </div>
                  <div className="model-sub">
                    <code>{m.id}</code> <TrainingBadge m={m} />
                  </div>
                  {m.missingFiles.length > 0 && (
                    <p className="status-card-problem" data-testid="missing-files">
                      Missing: {m.missingFiles.join(', ')}
                    </p>
                  )}
                </td>
                <td>
                  {m.quantization ?? '—'}
                  <div className="model-sub">
                    {(m.parameterCount / 1e9 >= 0.1 ? `${(m.parameterCount / 1e9).toFixed(1)} B` : `${(m.parameterCount / 1e6).toFixed(2)} M`)} params
                    {m.imageSize ? ` · ${m.imageSize}px` : ''}
                  </div>
                </td>
                <td>{formatBytes(m.text.sizeBytes + m.mmproj.sizeBytes)}</td>
                <td>
                  <code title={`${m.text.fileName}: ${m.text.sha256}\n${m.mmproj.fileName}: ${m.mmproj.sha256}`} data-testid="installed-sha">
                    {m.text.sha256.slice(0, 12)}
                  </code>
                </td>
                <td>
                  {SOURCE_LABEL[m.source]}
                  <div className="model-sub" title={`Added ${formatDateTime(m.addedAt)}`}>
                    {STORAGE_LABEL[m.storage]}
                  </div>
                </td>
                <td>
                  <RunsOn m={m} preference={settings.devicePreference} />
                </td>
                <td className="row-buttons">
                  <Button size="sm" variant={m.active ? 'secondary' : 'primary'} onClick={() => setActivating(m)} disabled={m.missingFiles.length > 0} data-testid="model-activate">
                    {m.loaded ? 'Reload' : 'Activate'}
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setRemoving(m)} data-testid="model-remove">
                    Remove
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {activating && <ActivateDialog model={activating} onClose={() => setActivating(null)} onDone={onChanged} />}
      <ConfirmDialog
        open={removing !== null}
        title="Remove this model?"
        danger
        busy={busy}
        confirmLabel={removing?.storage === 'reference' ? 'Remove from the list' : 'Remove and delete files'}
        onCancel={() => setRemoving(null)}
        onConfirm={() => removing && void remove(removing)}
        message={
          removing && (
            <>
              <p>
                <strong>{removing.title}</strong>
                {removing.loaded ? ' is loaded now: it will be unloaded first.' : '.'}
              </p>
              {removing.storage === 'reference' ? (
                <p>Its files are your own and stay where they are:</p>
              ) : (
                <p>
                  Its files in the workstation&apos;s data folder ({formatBytes(removing.text.sizeBytes + removing.mmproj.sizeBytes)}) are deleted
                  {removing.storage === 'hardlink' ? ' (they are hard links: your original files stay)' : ''}:
                </p>
              )}
              <p className="paths">
                <code>{removing.text.path}</code>
                <code>{removing.mmproj.path}</code>
              </p>
            </>
          )
        }
      />
    </>
  );
}

function ActivateDialog({ model, onClose, onDone }: { model: InstalledModel; onClose: () => void; onDone: () => Promise<void> }) {
  const notify = useNotify();
  const { setStatus } = useInference();
  const { settings, update } = useSettings();
  const [device, setDevice] = useState<DevicePreference>(settings.devicePreference);
  const [contextSize, setContextSize] = useState(String(settings.contextSize));
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function activate() {
    const ctx = parseContextSize(contextSize);
    if ('error' in ctx) {
      setError(ctx.error);
      return;
    }
    setError(undefined);
    setBusy(true);
    try {
      const r = await api.models.activate({ id: model.id, device, contextSize: ctx.value });
      setStatus(r.status);
      await update({ devicePreference: device, contextSize: ctx.value }).catch(() => undefined);
      notify.info(`${model.title} is active${r.status.device ? ` on ${r.status.device.backend.toUpperCase()}` : ''}.`);
      onClose();
      await onDone();
    } catch (err) {
      notify.error(err, 'The model was not loaded.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open title={`Activate ${model.title}`} onClose={onClose} testId="activate-dialog">
      <form
        className="form-card"
        onSubmit={(e) => {
          e.preventDefault();
          void activate();
        }}
      >
        <p className="muted">The model is loaded in the inference process; the one loaded before is replaced.</p>
        <div className="form-row">
          <Field id="activate-device" name="device" label="Device">
            {(p) => (
              <select {...p} data-testid="activate-device" value={device} onChange={(e) => setDevice(e.target.value as DevicePreference)}>
                {DEVICES.map((d) => (
                  <option key={d.value} value={d.value}>
                    {d.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="activate-context" name="contextSize" label="Context size (tokens)" error={error}>
            {(p) => <input {...p} data-testid="activate-context" type="number" min={1024} max={32768} step={1024} value={contextSize} onChange={(e) => setContextSize(e.target.value)} />}
          </Field>
        </div>
        <div className="dialog-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} data-testid="activate-confirm">
            Load model
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
