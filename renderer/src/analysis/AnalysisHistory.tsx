// Earlier analyses of the frame, newest first; each opens in place (content is rendered only when open, so the
// page holds one copy of each text).
import { useState } from 'react';
import type { Analysis } from '../../../electron/api/schemas';
import { formatDateTime } from '../ui/format';
import { AnalysisOutput } from './AnalysisOutput';

const STATUS_LABEL: Record<Analysis['status'], string> = { completed: 'Completed', cancelled: 'Cancelled', failed: 'Failed' };

function summary(a: Analysis): string {
  if (a.status === 'failed') return a.error ?? 'No text';
  const text = (a.answer || a.rawText).replace(/\s+/g, ' ').trim();
  return text.length > 110 ? `${text.slice(0, 110)}…` : text || 'No text';
}

export function AnalysisHistory({ items, shownId }: { items: Analysis[]; shownId: number | null }) {
  const [open, setOpen] = useState<number | null>(null);
  if (items.length === 0) return null;
  return (
    <section className="history" aria-label="Analyses of this image">
      <h4 className="history-title">
        Analyses of this image <span className="count">{items.length}</span>
      </h4>
      <ul className="history-list">
        {items.map((a) => {
          const expanded = open === a.id;
          const bodyId = `analysis-history-${a.id}`;
          return (
            <li key={a.id} className="history-item" data-testid="analysis-history-item" data-analysis-id={a.id} data-status={a.status}>
              <button type="button" className="history-toggle" aria-expanded={expanded} aria-controls={bodyId} onClick={() => setOpen(expanded ? null : a.id)}>
                <span className="chevron" aria-hidden="true">
                  {expanded ? '▾' : '▸'}
                </span>
                <span className="history-main">
                  <span className="history-line">
                    <span className="history-when">{formatDateTime(a.createdAt)}</span>
                    <span className={`pill pill-${a.status}`}>{STATUS_LABEL[a.status]}</span>
                    {a.id === shownId && <span className="history-shown">shown above</span>}
                  </span>
                  <span className="history-summary">{summary(a)}</span>
                </span>
              </button>
              {expanded && (
                <div id={bodyId} className="history-body">
                  {a.error && <p className="out-error">{a.error}</p>}
                  <AnalysisOutput
                    variant="history"
                    streaming={false}
                    analysis={a}
                    sections={{ preamble: '', thinking: a.thinking, answer: a.answer || (a.structured ? '' : a.rawText) }}
                  />
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
