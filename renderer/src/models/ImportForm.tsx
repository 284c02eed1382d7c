// Importing model files this computer already has: a text GGUF + its mmproj, or a folder holding them (e.g. the
// output folder of scripts/convert-model), copied, hard-linked or used where they are.
import { useEffect, useState, type FormEvent } from 'react';
import type { ImportProgress, StorageMode } from '../../../electron/api/schemas';
import { api } from '../api';
import { Button } from '../ui/Button';
import { fieldErrorsFrom } from '../ui/errors';
import { Field } from '../ui/Field';
import { formatBytes } from '../ui/format';
import { useNotify } from '../ui/notify';
import { BrowseButton } from '../ui/BrowseButton';

const FIELDS = ['modelPath', 'mmprojPath', 'folder', 'mode', 'title'] as const;
type Errors = Partial<Record<(typeof FIELDS)[number], string>>;

const MODES: { value: StorageMode; label: string }[] = [
  { value: 'copy', label: 'Copy into the workstation’s data folder (the originals can then be moved or deleted)' },
  { value: 'hardlink', label: 'Hard link into the data folder (no extra space; same disk only)' },
  { value: 'reference', label: 'Use the files where they are (nothing copied; moving them breaks the model)' },
];

export function ImportForm({ onImported }: { onImported: () => Promise<void> }) {
  const notify = useNotify();
  const [kind, setKind] = useState<'files' | 'folder'>('files');
  const [modelPath, setModelPath] = useState('');
  const [mmprojPath, setMmprojPath] = useState('');
  const [folder, setFolder] = useState('');
  const [mode, setMode] = useState<StorageMode>('copy');
  const [title, setTitle] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [notes, setNotes] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<ImportProgress | null>(null);

  // While importing: what it is hashing or copying, and how far.
  useEffect(() => {
    if (!busy) return;
    setProgress(null);
    return api.on('models.importProgress', setProgress);
  }, [busy]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const errs: Errors = {};
    if (kind === 'files') {
      if (!modelPath.trim()) errs.modelPath = 'Enter the path of the GGUF text model.';
      if (!mmprojPath.trim()) errs.mmprojPath = 'Enter the path of the mmproj (vision projector) GGUF.';
    } else if (!folder.trim()) {
      errs.folder = 'Enter the folder that holds the GGUF files.';
    }
    setErrors(errs);
    setNotes([]);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const input = {
        ...(kind === 'files' ? { modelPath: modelPath.trim(), mmprojPath: mmprojPath.trim() } : { folder: folder.trim() }),
        mode,
        ...(title.trim() ? { title: title.trim() } : {}),
      };
      const r = await api.models.import(input);
      setNotes(r.notes);
      notify.info(`Installed ${r.model.title}. Activate it to use it.`);
      setModelPath('');
      setMmprojPath('');
      setFolder('');
      setTitle('');
      await onImported();
    } catch (err) {
      if ((err as { code?: string } | null)?.code === 'cancelled') notify.info('The import was cancelled. Nothing was installed.');
      else {
        setErrors(fieldErrorsFrom(err, FIELDS));
        notify.error(err, 'The model was not imported.');
      }
    } finally {
      setBusy(false);
      setProgress(null);
    }
  }

  return (
    <form className="card form-card" onSubmit={submit} noValidate data-testid="import-form">
      <fieldset className="choice">
        <legend className="field-label">What to import</legend>
        <label>
          <input type="radio" name="import-kind" checked={kind === 'files'} onChange={() => setKind('files')} data-testid="import-kind-files" /> Two files
        </label>
        <label>
          <input type="radio" name="import-kind" checked={kind === 'folder'} onChange={() => setKind('folder')} data-testid="import-kind-folder" /> A folder
        </label>
      </fieldset>
      {kind === 'files' ? (
        <>
          <Field id="import-model-path" name="modelPath" label="Text model (GGUF)" required error={errors.modelPath} hint="Full path, e.g. /models/medgemma-cataract-Q4_K_M.gguf">
            {(p) => (
              <div className="inline-control">
                <input {...p} data-testid="import-model-path" value={modelPath} onChange={(e) => setModelPath(e.target.value)} spellCheck={false} autoComplete="off" />
                <BrowseButton purpose="model" onPath={setModelPath} />
              </div>
            )}
          </Field>
          <Field id="import-mmproj-path" name="mmprojPath" label="Vision projector (mmproj GGUF)" required error={errors.mmprojPath} hint="Full path, e.g. /models/mmproj-medgemma-cataract-f16.gguf. Prefer the f16 projector: a Q8_0 one measured no faster on a CPU.">
            {(p) => (
              <div className="inline-control">
                <input {...p} data-testid="import-mmproj-path" value={mmprojPath} onChange={(e) => setMmprojPath(e.target.value)} spellCheck={false} autoComplete="off" />
                <BrowseButton purpose="mmproj" onPath={setMmprojPath} />
              </div>
            )}
          </Field>
        </>
      ) : (
        <Field
          id="import-folder"
          name="folder"
          label="Folder"
          required
          error={errors.folder}
          hint="Every .gguf in it is inspected: the Gemma 3 text model (Q4_K_M preferred, then Q8_0) and its gemma3 mmproj (f16 preferred) are picked."
        >
          {(p) => (
            <div className="inline-control">
              <input {...p} data-testid="import-folder" value={folder} onChange={(e) => setFolder(e.target.value)} spellCheck={false} autoComplete="off" />
              <BrowseButton purpose="folder" title="Choose the folder with the GGUF files" onPath={setFolder} />
            </div>
          )}
        </Field>
      )}
      <Field id="import-mode" name="mode" label="How to keep the files" error={errors.mode}>
        {(p) => (
          <select {...p} data-testid="import-mode" value={mode} onChange={(e) => setMode(e.target.value as StorageMode)}>
            {MODES.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="import-title" name="title" label="Name shown in the list (optional)" error={errors.title}>
        {(p) => <input {...p} data-testid="import-title" value={title} maxLength={120} onChange={(e) => setTitle(e.target.value)} />}
      </Field>
      <div className="row-actions">
        <Button type="submit" variant="primary" busy={busy} data-testid="import-submit">
          {busy ? 'Checking and importing…' : 'Import'}
        </Button>
        {busy && (
          <Button onClick={() => void api.models.cancelImport({}).catch((err: unknown) => notify.error(err, 'The import could not be cancelled.'))} data-testid="import-cancel">
            Cancel
          </Button>
        )}
      </div>
      {busy && progress && (
        <p className="import-progress" role="status" data-testid="import-progress" data-step={progress.step}>
          {progress.step === 'hashing' ? 'Identifying' : 'Copying'} {progress.fileName}: {formatBytes(progress.bytesDone)} of {formatBytes(progress.bytesTotal)}
          <progress max={progress.bytesTotal || 1} value={progress.bytesDone} aria-label={`${progress.step} ${progress.fileName}`} />
        </p>
      )}
      {notes.length > 0 && (
        <ul className="import-notes muted" data-testid="import-notes">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </form>
  );
}
