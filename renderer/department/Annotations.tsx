// A review's annotations grouped by frame: kind, label, the note's text, who drew it and who changed it last; edit a
// label (the edit keeps the version it started from, so someone else's change in between is refused, not
// overwritten), delete.
import { useState, type FormEvent } from 'react';
import { formatTime, type Annotation } from './api';

const KIND_LABELS: Record<Annotation['kind'], string> = { text: 'Note', box: 'Box', ellipse: 'Ellipse', arrow: 'Arrow', freehand: 'Freehand' };

/** The label being edited, and the version of the annotation it was read at. */
export interface LabelDraft {
  id: number;
  version: number;
  label: string;
}

export interface AnnotationsProps {
  annotations: Annotation[];
  /** Draft reviews only: a signed-off review shows no edit or delete buttons. */
  editable: boolean;
  editing: LabelDraft | null;
  busy: boolean;
  onEdit(draft: LabelDraft | null): void;
  onSaveLabel(draft: LabelDraft): void;
  onDelete(annotation: Annotation): void;
  /** false: one frame's annotations, without the "Frame N" heading (a published review's side panel). */
  grouped?: boolean;
}

function groupByFrame(annotations: Annotation[]): Array<[number, Annotation[]]> {
  const groups = new Map<number, Annotation[]>();
  for (const a of annotations) groups.set(a.frameIndex, [...(groups.get(a.frameIndex) ?? []), a]);
  return [...groups.entries()].sort(([x], [y]) => x - y);
}

function LabelEditor({ draft, busy, onEdit, onSave }: { draft: LabelDraft; busy: boolean; onEdit: (d: LabelDraft | null) => void; onSave: (d: LabelDraft) => void }) {
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSave(draft);
  };
  return (
    <form className="dept-label-editor" onSubmit={submit}>
      <label htmlFor={`label-${draft.id}`} className="sr-only">
        Label
      </label>
      <input id={`label-${draft.id}`} value={draft.label} maxLength={120} onChange={(e) => onEdit({ ...draft, label: e.target.value })} autoFocus />
      <button type="submit" className="btn btn-sm btn-primary" disabled={busy}>
        Save label
      </button>
      <button type="button" className="btn btn-sm btn-ghost" onClick={() => onEdit(null)}>
        Cancel
      </button>
    </form>
  );
}

function AnnotationRow({ a, ...p }: Omit<AnnotationsProps, 'annotations'> & { a: Annotation }) {
  const [confirming, setConfirming] = useState(false);
  const editing = p.editing?.id === a.id ? p.editing : null;
  const edited = a.version > 1 ? ` · changed by ${a.updatedBy}, ${formatTime(a.updatedAt)}` : '';
  return (
    <li className="dept-annotation" data-testid="annotation">
      <span className="dept-swatch" style={{ background: a.color }} aria-hidden="true" />
      <div className="dept-annotation-body">
        <div className="dept-annotation-head">
          <span className="pill">{KIND_LABELS[a.kind]}</span>
          {a.label ? <strong className="dept-label">{a.label}</strong> : <span className="muted">No label</span>}
        </div>
        {a.kind === 'text' && <p className="dept-note">{a.geometry.text}</p>}
        <p className="dept-meta">
          {a.author}, {formatTime(a.createdAt)}
          {edited}
        </p>
        {editing && <LabelEditor draft={editing} busy={p.busy} onEdit={p.onEdit} onSave={p.onSaveLabel} />}
      </div>
      {p.editable && !editing && (
        <div className="dept-row-actions">
          {confirming ? (
            <>
              <button type="button" className="btn btn-sm btn-danger" disabled={p.busy} onClick={() => p.onDelete(a)}>
                Delete
              </button>
              <button type="button" className="btn btn-sm btn-ghost" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <>
              <button type="button" className="btn btn-sm" onClick={() => p.onEdit({ id: a.id, version: a.version, label: a.label ?? '' })}>
                Edit label
              </button>
              <button type="button" className="btn btn-sm btn-ghost" aria-label={`Delete ${a.label ?? KIND_LABELS[a.kind].toLowerCase()}`} onClick={() => setConfirming(true)}>
                Delete…
              </button>
            </>
          )}
        </div>
      )}
    </li>
  );
}

export function Annotations({ annotations, grouped = true, ...p }: AnnotationsProps) {
  if (!annotations.length) return <p className="muted dept-empty">No annotations yet.</p>;
  if (!grouped) {
    return (
      <ul className="dept-frame card dept-list">
        {annotations.map((a) => (
          <AnnotationRow key={a.id} a={a} {...p} />
        ))}
      </ul>
    );
  }
  return (
    <div className="dept-frames">
      {groupByFrame(annotations).map(([frame, list]) => (
        <section key={frame} className="dept-frame card" aria-label={`Frame ${frame}`}>
          <h3>
            Frame {frame} <span className="count">{list.length}</span>
          </h3>
          <ul>
            {list.map((a) => (
              <AnnotationRow key={a.id} a={a} {...p} />
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
