// The annotation toolbar above the frame: tools (V select, B box, R arrow, E ellipse, F freehand, T text), colours,
// the label picker (the taxonomy, or a free label), delete, undo/redo, and the list of this frame's annotations
// (what a screen reader and the keyboard use instead of the canvas).
import { useState } from 'react';
import type { Annotation } from '../../../../electron/api/schemas-review';
import { Button } from '../../ui/Button';
import { useAnnotate, type Tool } from './annotate-context';

export const TOOLS: { id: Tool; label: string; key: string }[] = [
  { id: 'select', label: 'Select', key: 'V' },
  { id: 'box', label: 'Box', key: 'B' },
  { id: 'arrow', label: 'Arrow', key: 'R' },
  { id: 'ellipse', label: 'Ellipse', key: 'E' },
  { id: 'freehand', label: 'Freehand', key: 'F' },
  { id: 'text', label: 'Text', key: 'T' },
];

const FREE = '__free__';

export function AnnotationToolbar() {
  const a = useAnnotate();
  const [freeText, setFreeText] = useState<string | null>(null);
  if (!a) return null;
  const list = a.session.forFrame(a.frame?.id ?? null);
  const selected = list.find((x) => x.id === a.selectedId) ?? null;
  const t = a.taxonomy;
  const colors = t?.annotationColors ?? ['#ffd400', '#ff3b30', '#34c759', '#0a84ff'];
  const currentLabel = selected ? selected.label : a.label;
  const known = t ? [t.phases, t.instruments, t.anatomy, t.findings, t.severity].some((l) => l.some((x) => x.id === currentLabel)) : false;

  const setLabel = (value: string | null) => {
    a.setLabel(value);
    if (selected && !a.readOnly) void a.session.update(selected.id, { label: value }).catch(() => {});
  };
  const setColor = (c: string) => {
    a.setColor(c);
    if (selected && !a.readOnly) void a.session.update(selected.id, { color: c }).catch(() => {});
  };
  const remove = () => {
    if (!selected || a.readOnly) return;
    a.select(null);
    void a.session.remove(selected.id).catch(() => {});
  };

  return (
    <div className="annotation-toolbar" role="toolbar" aria-label="Annotation tools" data-testid="annotation-toolbar">
      <div className="annotation-tools">
        {TOOLS.map((tool) => (
          <button
            key={tool.id}
            type="button"
            className={`tool-button${a.tool === tool.id ? ' is-active' : ''}`}
            aria-pressed={a.tool === tool.id}
            aria-keyshortcuts={tool.key}
            title={`${tool.label} (${tool.key})`}
            disabled={a.readOnly && tool.id !== 'select'}
            data-testid={`tool-${tool.id}`}
            onClick={() => a.setTool(tool.id)}
          >
            {tool.label} <kbd>{tool.key}</kbd>
          </button>
        ))}
      </div>
      <div className="annotation-colors" role="radiogroup" aria-label="Colour">
        {colors.map((c) => (
          <button
            key={c}
            type="button"
            role="radio"
            aria-checked={(selected?.color ?? a.color) === c}
            aria-label={`Colour ${c}`}
            className={`color-swatch${(selected?.color ?? a.color) === c ? ' is-active' : ''}`}
            style={{ background: c }}
            data-testid="annotation-color"
            data-color={c}
            onClick={() => setColor(c)}
          />
        ))}
      </div>
      <label className="annotation-label-picker">
        <span className="sr-only">Label</span>
        <select
          data-testid="annotation-label"
          value={freeText !== null ? FREE : currentLabel === null ? '' : known ? currentLabel : FREE}
          onChange={(e) => {
            const v = e.target.value;
            if (v === FREE) setFreeText(currentLabel && !known ? currentLabel : '');
            else {
              setFreeText(null);
              setLabel(v || null);
            }
          }}
          disabled={a.readOnly && !!selected}
        >
          <option value="">No label</option>
          {t &&
            (
              [
                ['Phase', t.phases],
                ['Instrument', t.instruments],
                ['Anatomy', t.anatomy],
                ['Finding', t.findings],
                ['Severity', t.severity],
              ] as const
            ).map(([group, terms]) => (
              <optgroup key={group} label={group}>
                {terms.map((x) => (
                  <option key={`${group}-${x.id}`} value={x.id}>
                    {x.label}
                  </option>
                ))}
              </optgroup>
            ))}
          <option value={FREE}>{currentLabel && !known ? `Free: ${currentLabel}` : 'Free label…'}</option>
        </select>
      </label>
      {freeText !== null && (
        <input
          className="annotation-free-label"
          data-testid="annotation-free-label"
          placeholder="Label, then Enter"
          maxLength={120}
          autoFocus
          value={freeText}
          onChange={(e) => setFreeText(e.target.value)}
          onKeyDown={(e) => {
            e.stopPropagation();
            if (e.key === 'Enter') {
              setLabel(freeText.trim() || null);
              setFreeText(null);
            } else if (e.key === 'Escape') setFreeText(null);
          }}
        />
      )}
      <div className="annotation-actions">
        <Button size="sm" onClick={remove} disabled={!selected || a.readOnly} data-testid="annotation-delete" title="Delete the selected annotation (Delete)">
          Delete
        </Button>
        <Button size="sm" onClick={() => void a.session.undo().then((f) => f !== null && a.showFrame(f)).catch(() => {})} disabled={!a.session.canUndo} data-testid="annotation-undo" title="Undo (Ctrl+Z)">
          Undo
        </Button>
        <Button size="sm" onClick={() => void a.session.redo().then((f) => f !== null && a.showFrame(f)).catch(() => {})} disabled={!a.session.canRedo} data-testid="annotation-redo" title="Redo (Ctrl+Shift+Z)">
          Redo
        </Button>
      </div>
      <AnnotationList list={list} />
      {a.readOnly && <p className="muted annotation-readonly">This review is final: set it back to draft to change its annotations.</p>}
    </div>
  );
}

function AnnotationList({ list }: { list: Annotation[] }) {
  const a = useAnnotate()!;
  return (
    <ul className="sr-only" aria-label="Annotations on this frame" data-testid="annotation-list">
      {list.map((x) => (
        <li key={x.id} data-annotation-id={x.id} data-kind={x.kind} data-label={x.label ?? ''}>
          <button type="button" onClick={() => a.select(x.id)} aria-pressed={a.selectedId === x.id}>
            {x.kind}
            {x.label ? `: ${a.labelText(x.label)}` : ''}
          </button>
        </li>
      ))}
    </ul>
  );
}
