// The History tab: the review's audit log, newest first: every annotation, tag, segment and note change, and each
// time the review was finalised or reopened (with the reason), with who and when.
import { useEffect, useState } from 'react';
import type { AuditEntry } from '../../../../electron/api/schemas-review';
import { REVIEWER_ROLE_LABELS, type ReviewerRole } from '../../../../electron/api/schemas';
import { api } from '../../api';
import { formatDateTime } from '../../ui/format';
import { useReviewStore, useStore } from '../workspace/review-store';
import { describeAssessment } from './assessment-history';
import { describeTeaching } from '../../teaching/teaching-history';
import { useTeaching } from '../../teaching/teaching-store';

const ACTION: Record<string, string> = { create: 'added', update: 'changed', delete: 'deleted', restore: 'restored', finalise: 'finalised', reopen: 'reopened' };

function field(v: unknown, key: string): string | null {
  return v && typeof v === 'object' && key in v ? String((v as Record<string, unknown>)[key] ?? '') : null;
}

function describe(e: AuditEntry): { title: string; detail: string | null } {
  const after = e.after ?? e.before;
  switch (e.entity) {
    case 'review': {
      if (e.action === 'finalise') {
        const role = field(e.after, 'finalisedRole') as ReviewerRole | null;
        return { title: `Review finalised and locked${role ? ` (${REVIEWER_ROLE_LABELS[role] ?? role})` : ''}`, detail: null };
      }
      return { title: 'Review reopened', detail: field(e.after, 'reason') ? `Reason: ${field(e.after, 'reason')}` : null };
    }
    case 'tag':
      return { title: `Tag ${ACTION[e.action]}: ${field(after, 'label') ?? ''}`, detail: field(after, 'kind') };
    case 'note': {
      const text = field(after, 'text') ?? '';
      return { title: `Note ${ACTION[e.action]}`, detail: text.length > 120 ? `${text.slice(0, 119)}…` : text };
    }
    case 'segment':
      return { title: `Segment ${ACTION[e.action]}: ${field(after, 'label') || field(after, 'phase') || ''}`, detail: `frames ${field(after, 'startFrame')}–${field(after, 'endFrame')}` };
    case 'annotation':
      return { title: `${field(after, 'kind') ?? 'Annotation'} ${ACTION[e.action]}`, detail: field(after, 'label') };
    case 'assessment':
    case 'rubric':
      return describeAssessment(e);
    case 'teaching':
    case 'response':
      return describeTeaching(e);
  }
}

export function HistoryPanel({ active }: { active: boolean }) {
  const store = useStore();
  const version = useReviewStore((s) => s.auditVersion);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const teaching = useTeaching(store.reviewId);
  // Teaching mode: a note the reviewer may not read yet, or another resident's response, is listed without its text.
  const hidden = (e: AuditEntry): boolean => {
    const v = (e.after ?? e.before) as { frameId?: number | null; author?: string } | null;
    if (e.entity === 'note') return teaching.hidesNote({ frameId: v?.frameId ?? null, author: v?.author ?? '' });
    return e.entity === 'response' && teaching.state?.gated !== false && v?.author !== teaching.state?.name;
  };
  useEffect(() => {
    if (!active) return;
    let alive = true;
    api.audit
      .list({ reviewId: store.reviewId, limit: 300 })
      .then((l) => alive && setEntries(l))
      .catch((err: unknown) => store.onError(err, 'Could not read the history.'));
    return () => {
      alive = false;
    };
  }, [active, version, store]);
  if (!entries) return <p className="muted inspector-empty">Loading the history…</p>;
  if (!entries.length) return <p className="muted inspector-empty">No changes yet. Every annotation, tag, segment and note change is listed here, and each finalise and reopen.</p>;
  return (
    <ol className="audit-list" data-testid="history-list">
      {entries.map((e) => {
        const d = describe(e);
        return (
          <li key={e.id} className={`audit-item audit-${e.entity}`} data-testid="history-item" data-entity={e.entity} data-action={e.action}>
            <span className="audit-title">{d.title}</span>
            {d.detail && !hidden(e) && <span className="audit-detail">{d.detail}</span>}
            <span className="muted audit-meta">
              {e.actor} · {formatDateTime(e.at)}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
