// Create or edit a case. The contract's own CaseInput schema gives the client-side messages; the server's
// messages (details "field: message", or a conflict on the code) are shown on the same fields.
import { useRef, useState, type FormEvent } from 'react';
import type { Case } from '../../../electron/api/schemas';
import { CaseInput } from '../../../electron/api/schemas';
import { api } from '../api';
import { Button } from '../ui/Button';
import { errorMessage, fieldErrorsFrom } from '../ui/errors';
import { Field } from '../ui/Field';
import { ErrorBanner } from '../ui/notify';

const FIELDS = ['code', 'surgeryDate', 'eye', 'surgeon', 'notes'] as const;
type FieldName = (typeof FIELDS)[number];
type Errors = Partial<Record<FieldName, string>>;

interface Draft {
  code: string;
  surgeryDate: string;
  eye: '' | 'OD' | 'OS' | 'OU';
  surgeon: string;
  notes: string;
}

function draftFrom(c?: Case | null): Draft {
  return { code: c?.code ?? '', surgeryDate: c?.surgeryDate ?? '', eye: c?.eye ?? '', surgeon: c?.surgeon ?? '', notes: c?.notes ?? '' };
}

function toInput(d: Draft) {
  return { code: d.code.trim(), surgeryDate: d.surgeryDate || null, eye: d.eye || null, surgeon: d.surgeon.trim(), notes: d.notes };
}

export function CaseForm({ initial, onSaved, onCancel }: { initial?: Case | null; onSaved: (c: Case) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftFrom(initial));
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const editing = !!initial;

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    if (errors[key]) setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const focusFirstError = (errs: Errors) => {
    const first = FIELDS.find((f) => errs[f]);
    if (first) requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus());
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (saving) return;
    setFormError(null);
    const input = toInput(draft);
    const parsed = CaseInput.safeParse(input);
    if (!parsed.success) {
      const errs: Errors = {};
      for (const issue of parsed.error.issues) {
        const f = issue.path[0] as FieldName;
        if (FIELDS.includes(f) && !errs[f]) errs[f] = issue.message;
      }
      setErrors(errs);
      focusFirstError(errs);
      return;
    }
    setSaving(true);
    try {
      const saved = initial ? await api.cases.update({ id: initial.id, patch: parsed.data }) : await api.cases.create(parsed.data);
      onSaved(saved);
    } catch (err) {
      const errs = fieldErrorsFrom(err, FIELDS, { strip: 'patch.', conflictField: 'code' });
      setErrors(errs);
      setFormError(errorMessage(err));
      focusFirstError(errs);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form ref={formRef} className="case-form" data-testid="case-form" onSubmit={submit} noValidate>
      {formError && <ErrorBanner title={editing ? 'The case was not saved.' : 'The case was not created.'} message={formError} />}
      <Field id="case-code" name="code" label="Case code" required error={errors.code} hint="A de-identified code, e.g. CAT-2024-017. Never a patient name.">
        {(p) => (
          <input
            {...p}
            name="code"
            data-testid="case-code"
            value={draft.code}
            onChange={(e) => set('code', e.target.value)}
            autoComplete="off"
            spellCheck={false}
            maxLength={60}
            autoFocus
          />
        )}
      </Field>
      <div className="form-row">
        <Field id="case-date" name="surgeryDate" label="Surgery date" error={errors.surgeryDate}>
          {(p) => <input {...p} name="surgeryDate" type="date" data-testid="case-date" value={draft.surgeryDate} onChange={(e) => set('surgeryDate', e.target.value)} />}
        </Field>
        <Field id="case-eye" name="eye" label="Eye" error={errors.eye}>
          {(p) => (
            <select {...p} name="eye" data-testid="case-eye" value={draft.eye} onChange={(e) => set('eye', e.target.value as Draft['eye'])}>
              <option value="">Not recorded</option>
              <option value="OD">OD — right eye</option>
              <option value="OS">OS — left eye</option>
              <option value="OU">OU — both eyes</option>
            </select>
          )}
        </Field>
      </div>
      <Field id="case-surgeon" name="surgeon" label="Surgeon" error={errors.surgeon}>
        {(p) => <input {...p} name="surgeon" data-testid="case-surgeon" value={draft.surgeon} onChange={(e) => set('surgeon', e.target.value)} autoComplete="off" />}
      </Field>
      <Field id="case-notes" name="notes" label="Notes" error={errors.notes}>
        {(p) => <textarea {...p} name="notes" data-testid="case-notes" rows={4} value={draft.notes} onChange={(e) => set('notes', e.target.value)} />}
      </Field>
      <div className="dialog-actions">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" busy={saving} data-testid="case-save">
          {editing ? 'Save changes' : 'Create case'}
        </Button>
      </div>
    </form>
  );
}
