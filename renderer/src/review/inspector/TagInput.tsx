// Type-ahead for tags: the Cataract-1K taxonomy (phase, instrument, anatomy) and the review vocabularies (finding,
// severity) matched on every word as the reviewer types, plus "free tag" for anything else. ↑/↓ move, Enter adds
// the highlighted one, Esc closes. An ARIA combobox with a listbox.
import { useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { TagKind, Taxonomy } from '../../../../electron/api/schemas-review';
import { CharCount, tooLong } from '../../ui/CharCount';

export interface TagChoice {
  kind: TagKind;
  value: string;
  label: string;
}

const KIND_LABEL: Record<TagKind, string> = { phase: 'Phase', instrument: 'Instrument', anatomy: 'Anatomy', finding: 'Finding', severity: 'Severity', free: 'Free tag' };
export const TAG_MAX = 80;

export function tagKindLabel(kind: TagKind): string {
  return KIND_LABEL[kind];
}

/** Terms whose label or id contains every typed word (prefix matches first), at most `limit`. */
export function matchTerms(taxonomy: Taxonomy | null, query: string, limit = 12): TagChoice[] {
  if (!taxonomy) return [];
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const all: TagChoice[] = [
    ...taxonomy.phases.map((t) => ({ kind: 'phase' as const, value: t.id, label: t.label })),
    ...taxonomy.instruments.map((t) => ({ kind: 'instrument' as const, value: t.id, label: t.label })),
    ...taxonomy.anatomy.map((t) => ({ kind: 'anatomy' as const, value: t.id, label: t.label })),
    ...taxonomy.findings.map((t) => ({ kind: 'finding' as const, value: t.id, label: t.label })),
    ...taxonomy.severity.map((t) => ({ kind: 'severity' as const, value: t.id, label: t.label })),
  ];
  if (!words.length) return all.slice(0, limit);
  const scored = all
    .map((c) => {
      const hay = `${c.label} ${c.value.replace(/-/g, ' ')} ${c.kind}`.toLowerCase();
      if (!words.every((w) => hay.includes(w))) return null;
      const starts = c.label.toLowerCase().startsWith(words[0]!) ? 0 : hay.split(/\s+/).some((p) => p.startsWith(words[0]!)) ? 1 : 2;
      return { c, starts };
    })
    .filter((x): x is { c: TagChoice; starts: number } => x !== null)
    .sort((a, b) => a.starts - b.starts || a.c.label.localeCompare(b.c.label));
  return scored.slice(0, limit).map((x) => x.c);
}

interface Props {
  taxonomy: Taxonomy | null;
  disabled?: boolean;
  onAdd(choice: TagChoice): Promise<void> | void;
  placeholder: string;
}

export function TagInput({ taxonomy, disabled, onAdd, placeholder }: Props) {
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const listId = useId();
  const input = useRef<HTMLInputElement | null>(null);
  const terms = useMemo(() => matchTerms(taxonomy, text), [taxonomy, text]);
  const free = text.trim();
  const options: TagChoice[] = [...terms, ...(free && !terms.some((t) => t.label.toLowerCase() === free.toLowerCase()) ? [{ kind: 'free' as const, value: free, label: free }] : [])];
  const current = Math.min(active, Math.max(0, options.length - 1));

  const choose = async (c: TagChoice | undefined) => {
    if (!c) return;
    if (c.kind === 'free') {
      const why = tooLong(c.value, TAG_MAX, 'A tag');
      if (why) {
        setError(why);
        return;
      }
    }
    try {
      await onAdd(c);
      setText('');
      setActive(0);
      setError(null);
      // Back in the field for the next tag, its list closed: an open list covers the suggested tags' Accept chips
      // below it (an e2e click on one was caught by the list). Typing, ↓ or a click opens it again.
      input.current?.focus();
      setOpen(false);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    e.stopPropagation();
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((i) => Math.min(options.length - 1, i + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((i) => Math.max(0, i - 1));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (open || text) void choose(options[current]);
    } else if (e.key === 'Escape') {
      if (open) {
        e.preventDefault();
        setOpen(false);
      } else input.current?.blur();
    }
  };

  return (
    <div className="tag-input">
      <input
        ref={input}
        type="text"
        role="combobox"
        aria-expanded={open && options.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open && options.length ? `${listId}-${current}` : undefined}
        aria-invalid={error ? true : undefined}
        placeholder={placeholder}
        value={text}
        disabled={disabled}
        data-testid="tag-input"
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setActive(0);
          setError(null);
        }}
        onFocus={() => {
          if (text) setOpen(true);
        }}
        onClick={() => setOpen(true)}
        // Closed a moment after the field loses focus (a click on an option lands first), unless the focus came back
        // meanwhile: a click elsewhere and quick typing again must not have the list shut under the new text.
        onBlur={() => setTimeout(() => document.activeElement !== input.current && setOpen(false), 120)}
        onKeyDown={onKeyDown}
      />
      <CharCount value={text} max={TAG_MAX} />
      {open && options.length > 0 && !disabled && (
        <ul className="tag-options" role="listbox" id={listId} data-testid="tag-options">
          {options.map((o, i) => (
            <li
              key={`${o.kind}:${o.value}`}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === current}
              className={`tag-option${i === current ? ' is-active' : ''}`}
              data-testid={o.kind === 'free' ? 'tag-free-option' : 'tag-option'}
              data-kind={o.kind}
              data-value={o.value}
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => setActive(i)}
              onClick={() => void choose(o)}
            >
              <span className={`chip-kind kind-${o.kind}`}>{KIND_LABEL[o.kind]}</span>
              <span>{o.kind === 'free' ? `Add “${o.label}” as a free tag` : o.label}</span>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="tag-error">
          {error}
        </p>
      )}
    </div>
  );
}
