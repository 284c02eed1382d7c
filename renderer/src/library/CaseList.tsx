import type { KeyboardEvent } from 'react';
import type { Case } from '../../../electron/api/schemas';
import { formatDay, formatRelative } from '../ui/format';

function moveFocus(e: KeyboardEvent<HTMLUListElement>) {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  const rows = Array.from(e.currentTarget.querySelectorAll<HTMLButtonElement>('button.case-row'));
  const i = rows.indexOf(document.activeElement as HTMLButtonElement);
  if (i < 0) return;
  e.preventDefault();
  rows[Math.max(0, Math.min(rows.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))]?.focus();
}

export function CaseList({ cases, selectedId, onSelect }: { cases: Case[]; selectedId: number | null; onSelect: (c: Case) => void }) {
  return (
    <ul className="case-list" aria-label="Cases" onKeyDown={moveFocus}>
      {cases.map((c) => (
        <li key={c.id}>
          <button
            type="button"
            className="case-row"
            data-testid="case-row"
            data-case-code={c.code}
            aria-current={c.id === selectedId ? 'true' : undefined}
            onClick={() => onSelect(c)}
          >
            <span className="case-row-top">
              <span className="case-code">{c.code}</span>
              {c.eye && <span className="badge">{c.eye}</span>}
              <span className="case-date">{formatDay(c.surgeryDate)}</span>
            </span>
            <span className="case-row-bottom">
              <span className="case-surgeon">{c.surgeon || 'Surgeon not recorded'}</span>
              <span className="case-updated" title={`Updated ${c.updatedAt}`}>
                Updated {formatRelative(c.updatedAt)}
              </span>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
