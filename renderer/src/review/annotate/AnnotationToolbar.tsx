// The annotation tools over the frame, in one compact row: tools (V select, B box, R arrow, E ellipse, F freehand,
// T text), colours, the label (the taxonomy, or a free label), delete, undo/redo, and the list of this frame's
// annotations (what a screen reader and the keyboard use instead of the canvas).
//
// The label picker does one thing at a time: with an annotation selected it relabels that annotation only; with none
// selected it labels the next shape drawn, once (then it goes back to "No label"), so a label never sticks to every
// shape that follows.
import { useState } from 'react';
import type { Annotation } from '../../../../electron/api/schemas-review';
import { CharCount, tooLong } from '../../ui/CharCount';
import { tip, type ShortcutId } from '../workspace/shortcuts';
import { useAnnotate, type Tool } from './annotate-context';

export const TOOLS: { id: Tool; label: string; key: string; shortcut: ShortcutId; icon: string }[] = [
  { id: 'select', label: 'Select', key: 'V', shortcut: 'select', icon: 'M5 3l13 8-6 1.5L9.5 19z' },
  { id: 'box', label: 'Box', key: 'B', shortcut: 'box', icon: 'M4 6h16v12H4z' },
  { id: 'arrow', label: 'Arrow', key: 'R', shortcut: 'arrow', icon: 'M5 19L18 6M10 6h8v8' },
  { id: 'ellipse', label: 'Ellipse', key: 'E', shortcut: 'ellipse', icon: 'M12 6c5 0 8.5 2.7 8.5 6s-3.5 6-8.5 6-8.5-2.7-8.5-6S7 6 12 6z' },
  { id: 'freehand', label: 'Freehand', key: 'F', shortcut: 'freehand', icon: 'M3 16c3-6 5-8 7-6s0 6 3 6 4-7 8-9' },
  { id: 'text', label: 'Text', key: 'T', shortcut: 'text', icon: 'M5 6h14M12 6v13M9 19h6' },
];

const FREE = '__free__';
const LABEL_MAX = 120;

function Icon({ d }: { d: string }) {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" strokeLinecap="round">
      <path d={d} />
    </svg>
  );
}

export function AnnotationToolbar() {
  const a = useAnnotate();
  const [freeText, setFreeText] = useState<string | null>(null);
  const [freeError, setFreeError] = useState<string | null>(null);
  if (!a) return null;
  const list = a.session.forFrame(a.frame?.id ?? null);
  const selected = list.find((x) => x.id === a.selectedId) ?? null;
  const t = a.taxonomy;
  const colors = t?.annotationColors ?? ['#ffd400', '#ff3b30', '#34c759', '#0a84ff'];
  const currentLabel = selected ? selected.label : a.label;
  const known = t ? [t.phases, t.instruments, t.anatomy, t.findings, t.severity].some((l) => l.some((x) => x.id === currentLabel)) : false;

  const setLabel = (value: string | null) => {
    if (selected) {
      if (!a.readOnly) void a.session.update(selected.id, { label: value }).catch(() => {});
    } else a.setLabel(value);
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
  const commitFree = () => {
    if (freeText === null) return;
    const why = tooLong(freeText, LABEL_MAX, 'A label');
    if (why) {
      setFreeError(why);
      return;
    }
    setLabel(freeText.trim() || null);
    setFreeText(null);
    setFreeError(null);
  };

  return (
    <div className="annotation-toolbar" role="toolbar" aria-label="Annotation tools" data-testid="annotation-toolbar">
      <div className="tool-group" role="group" aria-label="Tools">
        {TOOLS.map((tool) => (
          <button
            key={tool.id}
            type="button"
            className={`tool-button${a.tool === tool.id ? ' is-active' : ''}`}
            aria-pressed={a.tool === tool.id}
            aria-keyshortcuts={tool.key}
            aria-label={tool.label}
            title={tip(tool.shortcut, tool.label)}
            aria-disabled={a.readOnly && tool.id !== 'select' ? true : undefined}
            data-testid={`tool-${tool.id}`}
            onClick={() => (a.readOnly && tool.id !== 'select' ? a.refuseLocked() : a.setTool(tool.id))}
          >
            <Icon d={tool.icon} />
            <span className="tool-key">{tool.key}</span>
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
            title={`Colour ${c}${selected ? ' (the selected annotation)' : ' (the next shapes)'}`}
            className={`color-swatch${(selected?.color ?? a.color) === c ? ' is-active' : ''}`}
            style={{ background: c }}
            data-testid="annotation-color"
            data-color={c}
            onClick={() => setColor(c)}
          />
        ))}
      </div>
      <label className="annotation-label-picker" title={selected ? 'Label of the selected annotation' : 'Label for the next shape you draw (once)'}>
        <span className="picker-caption">{selected ? 'Label' : 'Next label'}</span>
        <select
          data-testid="annotation-label"
          data-scope={selected ? 'selected' : 'next'}
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
        <span className="annotation-free">
          <input
            className="annotation-free-label"
            data-testid="annotation-free-label"
            placeholder="Label, then Enter"
            autoFocus
            value={freeText}
            aria-invalid={freeError ? true : undefined}
            onChange={(e) => {
              setFreeText(e.target.value);
              setFreeError(null);
            }}
            onKeyDown={(e) => {
              e.stopPropagation();
              if (e.key === 'Enter') commitFree();
              else if (e.key === 'Escape') setFreeText(null);
            }}
          />
          <CharCount value={freeText} max={LABEL_MAX} />
          {freeError && (
            <span className="field-error" role="alert" data-testid="annotation-free-label-error">
              {freeError}
            </span>
          )}
        </span>
      )}
      <div className="tool-group annotation-actions" role="group" aria-label="Edit">
        <button type="button" className="tool-button" onClick={remove} disabled={!selected || a.readOnly} data-testid="annotation-delete" title={tip('remove')} aria-label="Delete the selected annotation">
          <Icon d="M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13" />
        </button>
        <button
          type="button"
          className="tool-button"
          onClick={() => void a.session.undo().then((f) => f !== null && a.showFrame(f)).catch(() => {})}
          disabled={!a.session.canUndo}
          data-testid="annotation-undo"
          title={tip('undo')}
          aria-label="Undo"
        >
          <Icon d="M9 7L4 12l5 5M4 12h10a6 6 0 0 1 0 12" />
        </button>
        <button
          type="button"
          className="tool-button"
          onClick={() => void a.session.redo().then((f) => f !== null && a.showFrame(f)).catch(() => {})}
          disabled={!a.session.canRedo}
          data-testid="annotation-redo"
          title={tip('redo')}
          aria-label="Redo"
        >
          <Icon d="M15 7l5 5-5 5M20 12H10a6 6 0 0 0 0 12" />
        </button>
      </div>
      <AnnotationList list={list} />
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
